"""Faults: closed pipes, signals, full disks, read-only outputs, crashes, bad options.

Running as root, a read-only folder is still writable, so that case is simulated by
patching the temporary-file call; a full disk is simulated by patching the write.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import dedup.io
from dedup import clean_text
from dedup.cli import clean, main

LONG = b"A line that is long enough to count as a repeat when it comes back.\n"
DEDUP = shutil.which("dedup") or "dedup"


def run(*args: str, input: bytes | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout_bytes, result.stderr


def leftovers(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.name.endswith(".tmp")]


def test_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"".join(b"line %d of a long file\n" % i for i in range(30_000)))
    shell = f"'{DEDUP}' clean '{big}' | head -1"
    completed = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {shell}"], capture_output=True, timeout=120
    )
    assert completed.stdout == b"line 0 of a long file\n"
    assert completed.stderr == b""
    assert completed.returncode in (0, 128 + signal.SIGPIPE)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_a_batch_leaves_only_whole_outputs(
    tmp_path: Path, signum: int, code: int
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    document = b"".join(b"paragraph %d, long enough to be a unit\n\n" % i for i in range(5_000))
    document += document[:50_000]
    # Enough files that the batch is still running when the signal lands, on a fast
    # machine too; without learning, outputs start at once.
    files = 200
    for index in range(files):
        (folder / f"{index:03}.txt").write_bytes(document)
    out = tmp_path / "out"
    child = subprocess.Popen(
        [DEDUP, "clean", "-q", "--no-learn", str(folder), "-o", str(out)], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not (out.exists() and any(out.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)
    assert child.returncode == code, err
    assert err.strip().splitlines()[-1] in (b"dedup: interrupted", b"dedup: terminated")
    assert leftovers(out) == []
    expected = clean_text(document)
    written = sorted(out.iterdir())
    assert len(written) < files  # it was stopped mid-batch
    for path in written:
        assert path.read_bytes() == expected, f"{path.name} is half-written"


def test_interrupt_inside_the_write_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_bytes(LONG + LONG)

    def interrupted(source: str, target: str) -> None:
        raise KeyboardInterrupt  # the temporary file is whole, the rename not done yet

    monkeypatch.setattr(dedup.io.os, "replace", interrupted)
    code, _, err = run("clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"))
    assert code == 130
    assert "interrupted" in err
    assert list((tmp_path / "out").iterdir()) == []


def test_disk_full_names_the_file_and_leaves_no_half_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(LONG + LONG)
    (folder / "b.txt").write_bytes(LONG + LONG)
    out = tmp_path / "out"
    (out).mkdir()
    (out / "b.txt").write_bytes(b"yesterday's output\n")
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def writelines(self, pieces: Iterable[bytes]) -> None:
            for piece in pieces:
                self.write(piece)

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        return FullDisk(real_fdopen(fd, *args, **kwargs))

    monkeypatch.setattr(dedup.io.os, "fdopen", fdopen)
    code, _, err = run("clean", str(folder), "-o", str(out))
    assert code == 3
    assert f"failed: {out / 'a.txt'}: cannot write: No space left on device" in err
    assert not (out / "a.txt").exists()
    assert (out / "b.txt").read_bytes() == b"yesterday's output\n"  # old output intact
    assert leftovers(out) == []


def test_read_only_output_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_bytes(LONG + LONG)

    real_open = os.open

    def read_only(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith(".tmp"):  # creating the temporary output file
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(dedup.io.os, "open", read_only)
    code, _, err = run("clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"))
    assert code == 3
    assert f"failed: {tmp_path / 'out' / 'a.txt'}: cannot write: Permission denied" in err
    assert "Traceback" not in err


def test_unexpected_error_in_one_document_fails_it_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_bytes(LONG + LONG)
    (tmp_path / "b.txt").write_bytes(LONG + LONG)
    real_clean = dedup.runner.Cleaner.clean

    def flaky(self: Any, data: bytes, name: str = "-", *rest: Any) -> Any:
        if name.endswith("a.txt"):
            raise RuntimeError("boom")
        return real_clean(self, data, name, *rest)

    monkeypatch.setattr(dedup.runner.Cleaner, "clean", flaky)
    out = tmp_path.parent / (tmp_path.name + "-out")
    code, _, err = run("clean", str(tmp_path), "-o", str(out))
    assert code == 3
    assert "internal error: RuntimeError: boom" in err
    assert "Traceback" not in err
    assert (out / "b.txt").read_bytes() == LONG
    code, _, err = run("clean", "-v", str(tmp_path), "-o", str(out))
    assert "Traceback" in err


def test_worker_crash_in_jobs_mode_fails_cleanly(tmp_path: Path) -> None:
    if "jobs" not in {param.name for param in clean.params}:
        pytest.skip("--jobs is not on this branch yet")
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(8):
        (folder / f"{index}.txt").write_bytes(LONG + LONG)
    (folder / "crash.txt").write_bytes(LONG)
    # sitecustomize runs in every Python the test starts, workers included.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "import dedup.cleaner\n"
        "_clean = dedup.cleaner.Cleaner.clean\n"
        "def clean(self, data, name='-', *rest):\n"
        "    if name.endswith('crash.txt'):\n"
        "        os._exit(9)\n"
        "    return _clean(self, data, name, *rest)\n"
        "dedup.cleaner.Cleaner.clean = clean\n"
    )
    env = {**os.environ, "PYTHONPATH": str(hook)}
    completed = subprocess.run(
        [DEDUP, "clean", "--jobs", "2", str(folder), "-o", str(tmp_path / "out")],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert completed.returncode == 3, completed.stderr
    assert b"worker process died" in completed.stderr
    assert b"Traceback" not in completed.stderr
    assert leftovers(tmp_path / "out") == [] if (tmp_path / "out").exists() else True


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--unit", "word"], "--unit"),
        (["--min-chars", "-1"], "--min-chars"),
        (["--min-chars", "many"], "--min-chars"),
        (["--hash-bits", "32"], "--hash-bits"),
        (["--profile", "nope"], "--profile"),
        (["--pattern", "(unclosed"], "--pattern"),
        (["--keep", "[a-"], "--keep"),
    ],
)
def test_bad_option_values_are_usage_errors_naming_the_option(args: list[str], option: str) -> None:
    code, out, err = run("clean", *args, input=LONG)
    assert (code, out) == (2, b"")
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and option in errors[0], err
    assert "Traceback" not in err


def test_pieces_are_written_whole_when_writev_takes_part_of_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # writev() may write less than it is given (a pipe, a signal): the rest must follow,
    # in order, resuming inside the piece it stopped in.
    pieces = [bytes([65 + n % 26]) * (n % 700 + 1) for n in range(3000)]
    real_writev = os.writev

    def short_writev(descriptor: int, buffers: list[bytes]) -> int:
        taken, size = [], 0
        for buffer in buffers:  # at most 1,000 bytes, cut inside a piece
            part = bytes(buffer)[: 1000 - size]
            taken.append(part)
            size += len(part)
            if size == 1000:
                break
        return real_writev(descriptor, taken)

    monkeypatch.setattr(dedup.io.os, "writev", short_writev)
    with open(tmp_path / "out", "wb") as out:
        dedup.io.write_pieces(out, [memoryview(piece) for piece in pieces])
    assert (tmp_path / "out").read_bytes() == b"".join(pieces)


def test_pieces_go_one_by_one_to_a_file_object_without_a_descriptor() -> None:
    out = io.BytesIO()
    dedup.io.write_pieces(out, [b"ab", memoryview(b"xcdx")[1:3], b""])
    assert out.getvalue() == b"abcd"
