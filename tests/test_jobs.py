"""`--jobs N` changes how fast a batch runs, never what it produces."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main

DATA = Path(__file__).parent / "data" / "speed"
DEV_ARTICLES = Path(__file__).resolve().parents[2] / "shared" / "bench" / "dev" / "article" / "in"


def make_folder(root: Path, documents: int = 40) -> Path:
    """A folder of varied documents: re-cut samples, a nested folder, a binary file."""
    lines = []
    for name in ("seed.txt", "mixed.txt"):
        lines += (DATA / name).read_bytes().split(b"\n")
    rng = random.Random(5)
    folder = root / "in"
    for number in range(documents):
        chosen = [rng.choice(lines) for _ in range(rng.randint(5, 60))]
        path = folder / f"site{number % 3}" / f"{number:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\n".join(chosen) + b"\n")
    (folder / "site0" / "image.txt").write_bytes(b"\x89PNG\x00\x00binary")
    return folder


def run_clean(folder: Path, out: Path, *options: str) -> tuple[int, str, dict[str, bytes]]:
    result = CliRunner().invoke(main, ["clean", str(folder), "-o", str(out), *options])
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    return result.exit_code, result.stderr.replace(str(out), "OUT"), files


@pytest.mark.parametrize("unit", ["auto", "line", "sentence"])
@pytest.mark.parametrize("scope", ["document", "batch"])
def test_jobs_do_not_change_anything(tmp_path: Path, unit: str, scope: str) -> None:
    folder = make_folder(tmp_path)
    options = ("--unit", unit, "--scope", scope)
    one = run_clean(folder, tmp_path / "one", "--jobs", "1", *options)
    two = run_clean(folder, tmp_path / "two", "--jobs", "2", *options)
    assert one == two
    assert one[2]  # something was written


@pytest.mark.skipif(
    not os.environ.get("DEDUP_DEV_BENCH") or not DEV_ARTICLES.is_dir(),
    reason="set DEDUP_DEV_BENCH=1 to run over the whole dev bench (slow)",
)
def test_jobs_on_dev_bench(tmp_path: Path) -> None:
    one = run_clean(DEV_ARTICLES, tmp_path / "one", "--jobs", "1")
    two = run_clean(DEV_ARTICLES, tmp_path / "two", "--jobs", "2")
    assert one == two
