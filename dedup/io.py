"""The edge to the file system: finding inputs, reading them, writing outputs atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

STDIN = "-"
# Like git and grep: a NUL byte early in a file means it is not text.
_BINARY_PROBE = 8000
_UTF16_32_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


class InputError(Exception):
    """A problem with one input that the batch reports and moves past."""


class UsageProblem(Exception):
    """A problem with the command line as a whole (turned into a usage error)."""


@dataclass(frozen=True)
class Source:
    """One document to clean: where it is read from, its name in reports, where it goes."""

    path: str  # "-" for stdin
    name: str  # the path shown in messages and reports
    output: Path | None  # None: stdout (or nowhere, for --check)


def _walk(folder: Path) -> Iterable[Path]:
    """Regular files under folder, in sorted order; symlinks are not followed."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink():
                continue
            yield path


def collect_sources(paths: Iterable[str], output_dir: str | None) -> list[Source]:
    """Expand the command line's paths into sources in sorted path order.

    One folder is mirrored directly into ``output_dir``; with several inputs each one
    goes under its own name.
    """
    paths = list(paths) or [STDIN]
    out_root = Path(output_dir) if output_dir else None
    single = len(paths) == 1
    sources: list[Source] = []
    for raw in paths:
        if raw == STDIN:
            sources.append(Source(STDIN, "<stdin>", None))
            continue
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise UsageProblem(f"{raw}: no such file or folder")
        if path.is_dir():
            base = (
                out_root if (out_root and single) else (out_root / path.name if out_root else None)
            )
            for file in _walk(path):
                rel = file.relative_to(path)
                sources.append(Source(str(file), str(file), base / rel if base else None))
        else:
            sources.append(Source(str(path), str(path), out_root / path.name if out_root else None))
    if out_root is not None:
        _refuse_output_inside_inputs(out_root, paths)
    outputs = [source.output for source in sources if source.output is not None]
    if len(set(outputs)) != len(outputs):
        raise UsageProblem("two inputs would be written to the same output path; clean them apart")
    return sources


def _refuse_output_inside_inputs(out_root: Path, paths: list[str]) -> None:
    out = out_root.resolve()
    for raw in paths:
        if raw == STDIN:
            continue
        source = Path(raw).resolve()
        if out == source or (source.is_dir() and out.is_relative_to(source)):
            raise UsageProblem(
                f"output folder {out_root} is inside input {raw}; choose a folder outside it"
            )


def read_source(source: Source) -> bytes:
    """Read a whole input; unreadable, special or non-text files raise InputError."""
    if source.path == STDIN:
        return sys.stdin.buffer.read()
    try:
        mode = os.stat(source.path).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{source.name}: not a regular file, skipped")
        with open(source.path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise InputError(f"{source.name}: cannot read: {error.strerror}") from error


def text_problem(data: bytes) -> str | None:
    """Why data cannot be cleaned as UTF-8-ish text, or None when it can."""
    for bom, encoding in _UTF16_32_BOMS:
        if data.startswith(bom):
            return f"{encoding} text is not supported; convert it with iconv -f {encoding} -t UTF-8"
    if b"\x00" in data[:_BINARY_PROBE]:
        return "binary file (NUL bytes)"
    return None


def write_atomically(path: Path, data: bytes, like: str | None = None) -> None:
    """Write data to path through a temporary file and a rename: never half-written.

    ``like`` copies the permission bits of an existing file (for --in-place).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if like is not None:
            os.chmod(temporary, stat.S_IMODE(os.stat(like).st_mode))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
