"""Paths: missing, unreadable, looping, special, overlapping, oddly named.

Tests run as root in CI here, and root reads files whatever their mode: permission
cases are simulated by patching the open/listing call, and the real chmod version is
skipped when os.geteuid() == 0.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import dedup.io
from dedup.cli import main

LONG = b"A line that is long enough to count as a repeat when it comes back.\n"
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def run(*args: str, input: bytes | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(LONG + LONG)
    (folder / "sub" / "b.txt").write_bytes(LONG + LONG)
    return folder


def test_nonexistent_path_is_a_usage_error() -> None:
    code, out, err = run("clean", "/no/such/file.txt")
    assert (code, out) == (2, b"")
    assert "/no/such/file.txt: no such file or folder" in err
    assert "Traceback" not in err


def _deny_open(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real_open = open

    def fake_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith(name):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(dedup.io, "open", fake_open, raising=False)


def test_unreadable_file_fails_alone_simulated(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deny_open(monkeypatch, "a.txt")
    code, _, err = run("clean", str(tree), "-o", str(tmp_path / "out"))
    assert code == 3
    assert f"failed: {tree / 'a.txt'}: cannot read: Permission denied" in err
    assert (tmp_path / "out" / "sub" / "b.txt").read_bytes() == LONG


@pytest.mark.skipif(ROOT_USER, reason="root reads files whatever their mode")
def test_unreadable_file_fails_alone_for_real(tree: Path, tmp_path: Path) -> None:
    (tree / "a.txt").chmod(0)
    code, _, err = run("clean", str(tree), "-o", str(tmp_path / "out"))
    assert code == 3
    assert "cannot read: Permission denied" in err


def test_folder_without_permission_is_reported_not_silently_missing(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_scandir = os.scandir

    def fake_scandir(path: Any = ".") -> Any:
        if str(path).endswith("sub"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    code, _, err = run("clean", str(tree), "-o", str(tmp_path / "out"))
    assert code == 3
    assert f"failed: {tree / 'sub'}: cannot list folder: Permission denied" in err
    assert (tmp_path / "out" / "a.txt").read_bytes() == LONG


@pytest.mark.skipif(ROOT_USER, reason="root lists folders whatever their mode")
def test_folder_without_permission_for_real(tree: Path, tmp_path: Path) -> None:
    (tree / "sub").chmod(0)
    try:
        code, _, err = run("clean", str(tree), "-o", str(tmp_path / "out"))
    finally:
        (tree / "sub").chmod(0o755)
    assert code == 3
    assert "cannot list folder" in err


def test_symlink_loops_and_outside_links_are_skipped_and_listed(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(LONG + LONG)
    (tree / "loop").symlink_to(tree / "loop")
    (tree / "up").symlink_to(tree)  # a folder loop
    (tree / "out-link.txt").symlink_to(outside)
    code, _, err = run("clean", str(tree), "-o", str(tmp_path / "out"))
    assert code == 0, err
    for name in ("loop", "up", "out-link.txt"):
        assert f"skipped: {tree / name}: symlink, not followed" in err
        assert not (tmp_path / "out" / name).exists()
    assert outside.read_bytes() == LONG + LONG


def test_explicit_symlink_loop_fails_with_a_clear_message(tmp_path: Path) -> None:
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    code, _, err = run("clean", str(loop))
    assert code == 3
    assert "cannot read: Too many levels of symbolic links" in err


def test_fifo_in_a_folder_is_skipped_without_blocking(tree: Path, tmp_path: Path) -> None:
    os.mkfifo(tree / "pipe")
    code, _, err = run("clean", str(tree), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert f"skipped: {tree / 'pipe'}: FIFO, not read" in err


def test_device_named_explicitly_is_read_like_cat() -> None:
    code, out, err = run("clean", "/dev/null")
    assert (code, out) == (0, b""), err


def test_output_folder_inside_input_is_refused(tree: Path) -> None:
    code, _, err = run("clean", str(tree), "-o", str(tree / "sub" / "out"))
    assert code == 2
    assert "inside input" in err


@pytest.mark.parametrize("output", ["same-folder", "dot"])
def test_output_path_equal_to_an_input_path_is_refused(
    tree: Path, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    out = str(tree) if output == "same-folder" else "."
    code, _, err = run("clean", str(tree / "a.txt"), "-o", out)
    assert code == 2
    assert "would overwrite input" in err
    assert (tree / "a.txt").read_bytes() == LONG + LONG


@pytest.mark.parametrize(
    "name",
    [b"with space.txt", b"new\nline.txt", b"latin-\xe9.txt", b"bad-\xff\xfe.txt"],
    ids=["space", "newline", "latin1", "invalid-utf8"],
)
def test_odd_names_are_cleaned_and_reported_on_one_line(tmp_path: Path, name: bytes) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = os.path.join(os.fsencode(folder), name)
    with open(path, "wb") as handle:
        handle.write(LONG + LONG)
    with open(os.path.join(os.fsencode(folder), b"x-" + name), "wb") as handle:
        handle.write(b"\xff\xfe\x00\x00")  # skipped, so its name is printed
    out = tmp_path / "out"
    code, _, err = run("clean", str(folder), "-o", str(out))
    assert code == 0, err
    with open(os.path.join(os.fsencode(out), name), "rb") as handle:
        assert handle.read() == LONG
    skipped = [line for line in err.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and "UTF-32" in skipped[0]
