from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from dedup.cli import main

from .conftest import SAMPLES

LONG = b"A line that is long enough to count as a repeat when it comes back.\n"


def run(*args: str, input: bytes | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout_bytes, result.stderr


def test_stdin_to_stdout_with_summary_on_stderr() -> None:
    code, out, err = run("clean", "-", input=LONG + LONG)
    assert code == 0
    assert out == LONG
    assert "removed 1 of 2 units" in err


def test_no_path_reads_stdin_and_quiet_prints_nothing() -> None:
    code, out, err = run("clean", "-q", input=LONG + LONG)
    assert (code, out, err) == (0, LONG, "")


def test_one_file_goes_to_stdout() -> None:
    path = SAMPLES / "input" / "wordpress-share-reply.txt"
    code, out, _ = run("clean", "-q", str(path))
    assert code == 0
    assert out == (SAMPLES / "expected" / "wordpress-share-reply.txt").read_bytes()


def test_folder_is_mirrored_under_output(tmp_path: Path) -> None:
    out_dir = tmp_path / "clean"
    code, out, err = run("clean", str(SAMPLES / "input"), "-o", str(out_dir))
    assert code == 0, err
    assert out == b""
    for expected in (SAMPLES / "expected").glob("*.txt"):
        assert (out_dir / expected.name).read_bytes() == expected.read_bytes()


def test_folder_without_output_is_a_usage_error() -> None:
    code, _, err = run("clean", str(SAMPLES / "input"))
    assert code == 2
    assert "-o DIR" in err


def test_output_inside_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(LONG)
    code, _, err = run("clean", str(tmp_path), "-o", str(tmp_path / "out"))
    assert code == 2
    assert "inside input" in err
    assert not (tmp_path / "out").exists()


def test_in_place_rewrites_only_changed_files(tmp_path: Path) -> None:
    changed, unchanged = tmp_path / "changed.txt", tmp_path / "same.txt"
    changed.write_bytes(LONG + LONG)
    unchanged.write_bytes(LONG)
    before = unchanged.stat().st_mtime_ns
    code, _, _ = run("clean", "-q", "--in-place", str(changed), str(unchanged))
    assert code == 0
    assert changed.read_bytes() == LONG
    assert unchanged.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changed.txt", "same.txt"]


def test_new_outputs_get_the_usual_mode_and_in_place_keeps_the_old(tmp_path: Path) -> None:
    source = tmp_path / "in" / "a.txt"
    source.parent.mkdir()
    source.write_bytes(LONG + LONG)
    source.chmod(0o640)
    umask = os.umask(0o022)
    try:
        code, _, _ = run("clean", "-q", str(source.parent), "-o", str(tmp_path / "out"))
        assert code == 0
        assert stat.S_IMODE((tmp_path / "out" / "a.txt").stat().st_mode) == 0o644
        code, _, _ = run("clean", "-q", "--in-place", str(source))
        assert code == 0
        assert stat.S_IMODE(source.stat().st_mode) == 0o640
    finally:
        os.umask(umask)


def test_check_writes_nothing_and_exits_1_when_something_would_go(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(LONG + LONG)
    code, out, err = run("clean", "--check", str(path))
    assert (code, out) == (1, b"")
    assert "would remove 1" in err
    assert path.read_bytes() == LONG + LONG
    assert run("clean", "--check", "-q", input=LONG)[0] == 0


def test_symlinks_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    good = tmp_path / "in" / "good.txt"
    good.parent.mkdir()
    good.write_bytes(LONG + LONG)
    (tmp_path / "in" / "link.txt").symlink_to(tmp_path / "missing")
    code, _, err = run("clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out" / "good.txt").read_bytes() == LONG
    assert not (tmp_path / "out" / "link.txt").exists()


def test_missing_path_is_a_usage_error() -> None:
    code, _, err = run("clean", "/no/such/file.txt")
    assert code == 2
    assert "no such file" in err


def test_bad_regex_is_a_usage_error_naming_the_option() -> None:
    code, _, err = run("clean", "--pattern", "(", input=LONG)
    assert code == 2
    assert "--pattern" in err


def test_bad_unit_names_the_choices() -> None:
    code, _, err = run("clean", "--unit", "word", input=LONG)
    assert code == 2
    assert "'line'" in err


def test_key_shows_why_two_lines_match() -> None:
    code, out, _ = run("key", "It\u2019s  FINE", "it's fine")
    assert code == 0
    first, second = out.decode().splitlines()
    assert first == second
    assert first.endswith("\tit's fine")


def test_help_documents_exit_codes() -> None:
    code, out, _ = run("clean", "--help")
    assert code == 0
    assert b"Exit codes" in out


def test_installed_command_and_module_run() -> None:
    exe = shutil.which("dedup")
    assert exe is not None, "the dedup console script is not installed"
    done = subprocess.run(
        [exe, "clean", "-q", "-"], input=LONG + LONG, capture_output=True, check=True
    )
    assert done.stdout == LONG
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "--version"], capture_output=True, check=True
    )
    assert b"dedup" in done.stdout
