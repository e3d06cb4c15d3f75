"""The persistent index: --scope batch across runs, refusal, locking, crash safety."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup import CleanConfig, Cleaner
from dedup.cli import main
from dedup.index import FingerprintIndex, IndexProblem, index_stats

from .conftest import SAMPLES


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _corpus(seed: int, documents: int, pool: list[bytes]) -> dict[str, bytes]:
    """Documents that share lines, with repeats inside documents and short legit lines."""
    rng = random.Random(seed)
    docs = {}
    for number in range(documents):
        lines = [rng.choice(pool) for _ in range(rng.randint(3, 12))]
        lines.insert(rng.randint(0, len(lines)), b"Yes.")
        if rng.random() < 0.3:
            lines.append(lines[0])
        docs[f"d{seed}-{number:03}.txt"] = b"".join(lines)
    return docs


POOL = [f"Shared sentence number {n} that is long enough to count.\n".encode() for n in range(40)]


def _write_halves(root: Path) -> tuple[Path, Path]:
    """Two folders of documents whose lines overlap, plus the sample files in the first."""
    half1, half2 = root / "half1", root / "half2"
    for folder, seed in ((half1, 1), (half2, 2)):
        folder.mkdir(parents=True)
        for name, data in _corpus(seed, 15, POOL).items():
            (folder / name).write_bytes(data)
    for sample in sorted((SAMPLES / "input").iterdir()):
        (half1 / sample.name).write_bytes(sample.read_bytes())
        (half2 / f"z-{sample.name}").write_bytes(sample.read_bytes())
    return half1, half2


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("hash_bits", ["64", "128"])
def test_second_run_with_index_equals_one_batch_run(tmp_path: Path, hash_bits: str) -> None:
    half1, half2 = _write_halves(tmp_path)
    single = tmp_path / "single"
    code, _, _ = run(
        "clean", "-q", "--scope", "batch", "--hash-bits", hash_bits,
        str(half1), str(half2), "-o", str(single),
    )  # fmt: skip
    assert code == 0
    index = str(tmp_path / "idx.db")
    for half in (half1, half2):
        out = tmp_path / f"out-{half.name}"
        code, _, err = run(
            "clean", "-q", "--index", index, "--hash-bits", hash_bits, str(half), "-o", str(out)
        )
        assert code == 0, err
    assert _tree(tmp_path / "out-half1") == _tree(single / "half1")
    assert _tree(tmp_path / "out-half2") == _tree(single / "half2")
    removed = sum(len(data) for data in _tree(half2).values()) - sum(
        len(data) for data in _tree(tmp_path / "out-half2").values()
    )
    assert removed > 0


def test_second_run_of_the_same_folder_removes_everything_kept(tmp_path: Path) -> None:
    half1, _ = _write_halves(tmp_path)
    index = str(tmp_path / "idx.db")
    assert run("clean", "-q", "--index", index, str(half1), "-o", str(tmp_path / "a"))[0] == 0
    assert run("clean", "-q", "--index", index, str(half1), "-o", str(tmp_path / "b"))[0] == 0
    for name, data in _tree(tmp_path / "b").items():
        for line in data.splitlines():
            # Only what is never dropped as a repeat survives: short or structural units.
            assert len(line.strip()) < 20 or not any(ch.isalnum() for ch in line.decode()), (
                name,
                line,
            )


@pytest.mark.parametrize("filter_bits", [8, 1 << 20])
def test_library_index_matches_memory_store_and_its_locations(
    tmp_path: Path, filter_bits: int
) -> None:
    docs = _corpus(3, 60, POOL)
    config = CleanConfig(scope="batch", boilerplate=False)
    memory = Cleaner(config)
    expected = [memory.clean(data, name) for name, data in docs.items()]
    # A tiny buffer so that flushes to the file happen in the middle of the batch.
    # 8 filter bits: every lookup is a "maybe" and goes to the file.
    path = tmp_path / "idx.db"
    names = list(docs)
    got = []
    for part in (names[:30], names[30:]):  # two runs: the second fills the filter from the file
        with FingerprintIndex(path, config, buffer_entries=3, filter_bits=filter_bits) as index:
            on_disk = Cleaner(config, index)
            got += [on_disk.clean(docs[name], name) for name in part]
    assert [r.output for r in got] == [r.output for r in expected]
    assert [r.decisions for r in got] == [r.decisions for r in expected]
    assert any(d.kept is not None and d.kept.document != r.name for r in got for d in r.decisions)


def test_index_refuses_other_hash_width_profile_or_unit(tmp_path: Path, seed_bytes: bytes) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_bytes(seed_bytes)
    index = str(tmp_path / "idx.db")
    assert run("clean", "-q", "--index", index, str(doc))[0] == 0
    for option, value in (("--hash-bits", "128"), ("--unit", "line"), ("--profile", "loose")):
        code, out, err = run("clean", "-q", "--index", index, option, value, str(doc))
        assert code == 2
        assert out == ""
        assert f"index was built with {option}" in err
        assert "Traceback" not in err


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path, seed_bytes: bytes) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_bytes(seed_bytes)
    for name, content in (("text", b"hello\n" * 100), ("other.db", None)):
        path = tmp_path / name
        if content is None:
            sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
        else:
            path.write_bytes(content)
        code, _, err = run("clean", "-q", "--index", str(path), str(doc))
        assert code == 2
        assert "not a dedup index" in err


def test_a_second_run_on_a_busy_index_is_refused(tmp_path: Path, seed_bytes: bytes) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_bytes(seed_bytes)
    path = tmp_path / "idx.db"
    config = CleanConfig(scope="batch")
    with FingerprintIndex(path, config):
        code, out, err = run("clean", "-q", "--index", str(path), str(doc))
        assert (code, out) == (2, "")
        assert "in use by another dedup run" in err
        with pytest.raises(IndexProblem, match="in use"):
            FingerprintIndex(path, config)
        # Reading the summary does not wait for the run.
        assert index_stats(path).fingerprints == 0
    assert run("clean", "-q", "--index", str(path), str(doc))[0] == 0


def test_check_does_not_change_the_index(tmp_path: Path, seed_bytes: bytes) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_bytes(seed_bytes)
    index = str(tmp_path / "idx.db")
    assert run("clean", "-q", "--index", index, "--check", str(doc))[0] == 1
    assert index_stats(index).fingerprints == 0
    assert run("clean", "-q", "--index", index, str(doc))[0] == 0
    assert index_stats(index).fingerprints > 0


def test_stats_shows_size_and_contents(tmp_path: Path) -> None:
    half1, _ = _write_halves(tmp_path)
    index = str(tmp_path / "idx.db")
    run("clean", "-q", "--index", index, str(half1), "-o", str(tmp_path / "out"))
    code, out, _ = run("index", "stats", index)
    assert code == 0
    assert "fingerprints:" in out and "bytes" in out and "--hash-bits 64" in out
    code, out, _ = run("index", "stats", "--json", index)
    summary = json.loads(out)
    assert summary["fingerprints"] > 0 and summary["runs"] == 1
    assert summary["meta"]["profile"] == "default"
    code, _, err = run("index", "stats", str(tmp_path / "missing.db"))
    assert code == 2 and "no such index" in err


def _count(index: Path) -> int:
    with sqlite3.connect(index) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return int(db.execute("SELECT count(*) FROM seen").fetchone()[0])


def test_sigkill_mid_run_leaves_the_index_as_before(tmp_path: Path) -> None:
    first, big = tmp_path / "first", tmp_path / "big"
    first.mkdir()
    (first / "a.txt").write_bytes(b"".join(POOL[:10]))
    rng = random.Random(7)
    big.mkdir()
    for number in range(3000):
        lines = [f"Line {rng.getrandbits(64):x} that is long enough to count.\n" for _ in range(20)]
        (big / f"{number:05}.txt").write_text("".join(lines) + POOL[number % 40].decode())
    index = tmp_path / "idx.db"
    command = [sys.executable, "-m", "dedup", "clean", "-q", "--no-boilerplate", "--index"]
    subprocess.run([*command, str(index), str(first), "-o", str(tmp_path / "o1")], check=True)
    before = _count(index)
    out = tmp_path / "o2"
    process = subprocess.Popen([*command, str(index), str(big), "-o", str(out)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.txt"))) < 200:
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # Read-only first (no writer has recovered the journal yet), then a full check.
    assert index_stats(index).fingerprints == before
    assert index_stats(index).runs == 1
    assert _count(index) == before
    # The index is usable: the same run again completes and records everything.
    subprocess.run([*command, str(index), str(big), "-o", str(out)], check=True)
    assert _count(index) > before + 3000 * 20 - 1
    assert index_stats(index).runs == 2
