"""The edge to the file system: finding inputs, reading them, writing outputs atomically."""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .native import optional
from .render import KeptPieces

STDIN = "-"
# Numbers the temporary files of this process.
_temporaries = itertools.count()
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
    skip: str | None = None  # why it is left alone on purpose (a symlink, a FIFO)
    error: str | None = None  # why it could not even be listed (a folder without permission)


def printable(path: str) -> str:
    r"""A path as one printable line: non-UTF-8 bytes and control characters escaped.

    >>> print(printable("a b\nc\udcff.txt"))
    a b\nc\xff.txt
    """
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _special_kind(mode: int) -> str | None:
    if stat.S_ISLNK(mode):
        return "symlink, not followed"
    if stat.S_ISFIFO(mode):
        return "FIFO, not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device, not read"
    if stat.S_ISSOCK(mode):
        return "socket, not read"
    return None


def _walk(folder: Path) -> Iterable[tuple[Path, str | None, str | None]]:
    """Files under folder in sorted order, each with a reason to skip it or an error.

    Symlinks are not followed (they may point outside the tree, or loop) and special
    files are not read (opening a FIFO can block forever): both are skipped. A folder
    that cannot be listed is an error, never a silent hole in the output.
    """
    errors: list[OSError] = []

    def failed() -> Iterable[tuple[Path, str | None, str | None]]:
        while errors:
            error = errors.pop(0)
            yield Path(error.filename), None, f"cannot list folder: {error.strerror}"

    for root, dirs, files in os.walk(folder, onerror=errors.append):
        yield from failed()
        dirs.sort()
        for name in list(dirs):
            if (Path(root) / name).is_symlink():
                dirs.remove(name)
                files.append(name)
        for name in sorted(files):
            path = Path(root) / name
            try:
                kind = _special_kind(path.lstat().st_mode)
            except OSError as error:
                yield path, None, f"cannot read: {error.strerror}"
                continue
            yield path, kind, None
    yield from failed()


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
            raise UsageProblem(f"{printable(raw)}: no such file or folder")
        if path.is_dir():
            base = (
                out_root if (out_root and single) else (out_root / path.name if out_root else None)
            )
            for file, skip, error in _walk(path):
                output = base / file.relative_to(path) if base else None
                name = printable(str(file))
                sources.append(Source(str(file), name, output, skip=skip, error=error))
        else:
            output = out_root / path.name if out_root else None
            sources.append(Source(str(path), printable(str(path)), output))
    if out_root is not None:
        _refuse_output_inside_inputs(out_root, paths)
        _refuse_overwriting_inputs(sources)
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


def _refuse_overwriting_inputs(sources: list[Source]) -> None:
    """No output may land on an input (``dedup clean dir/a.txt -o dir``)."""
    inputs = {os.path.realpath(source.path): source for source in sources if source.path != STDIN}
    for source in sources:
        if source.output is None:
            continue
        clash = inputs.get(os.path.realpath(source.output))
        if clash is not None:
            raise UsageProblem(
                f"output {printable(str(source.output))} would overwrite input {clash.name}; "
                "choose an -o folder apart from the inputs"
            )


def read_source(source: Source) -> bytes:
    """Read a whole input; unreadable files and folders raise InputError.

    A path named on the command line is read whatever its type, like cat does, so that
    ``dedup clean <(curl ...)`` works; special files found inside a folder are skipped
    before they get here.
    """
    if source.path == STDIN:
        return sys.stdin.buffer.read()
    try:
        if os.path.isdir(source.path):
            raise InputError(f"{source.name}: is a folder, skipped")
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


def create_temporary(path: Path, name: list[Path]) -> int:
    """Create a new empty file beside ``path`` and return its descriptor.

    Its name is put in ``name`` before the file exists, so that a caller stopped by
    Ctrl-C or SIGTERM at any point, even inside the call that creates it, knows what to
    remove. The mode is 0o666 less the umask, as for any new file: it becomes an output.
    """
    while True:
        name[:] = [path.parent / f".{path.name}.{os.getpid()}-{next(_temporaries)}.tmp"]
        try:
            return os.open(name[0], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue  # left by an earlier run killed outright: pick another name


# Pieces handed to one writev() call (the usual IOV_MAX).
_PIECES_PER_CALL = 1024


# Not built, or no writev (Windows): os.writev or writelines.
_compiled_write_kept: Callable[[int, bytes, list[tuple[int, int]]], None] | None = optional(
    "_lines", "write_kept"
)


def write_pieces(out: BinaryIO, pieces: bytes | Iterable[bytes | memoryview]) -> None:
    """Write bytes, or pieces of bytes in order, to an open binary file.

    Pieces (the kept parts of an input, which a cleaned document is made of) go to the
    file descriptor by ``os.writev``, a thousand per call, with no copy joined in memory
    and no system call per piece; a file object without a descriptor gets them one by one.
    The kept pieces of an input (:class:`~dedup.render.KeptPieces`) are written in C
    where it is built, with no object made per piece: a document in sentence mode has
    hundreds of thousands.
    """
    if isinstance(pieces, bytes):
        out.write(pieces)
        return
    try:
        descriptor = out.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        out.writelines(pieces)
        return
    if not hasattr(os, "writev"):
        out.writelines(pieces)
        return
    out.flush()
    if (
        _compiled_write_kept is not None
        and isinstance(pieces, KeptPieces)
        and isinstance(pieces.ranges, list)
    ):
        _compiled_write_kept(descriptor, pieces.data, pieces.ranges)
        return
    batch: list[bytes | memoryview] = []
    for piece in pieces:
        if len(piece):
            batch.append(piece)
        if len(batch) == _PIECES_PER_CALL:
            _writev_all(descriptor, batch)
            batch = []
    if batch:
        _writev_all(descriptor, batch)


def _writev_all(descriptor: int, batch: list[bytes | memoryview]) -> None:
    """writev() the batch until all of it is written (a pipe may take part of it)."""
    first = 0
    while first < len(batch):
        written = os.writev(descriptor, batch[first:] if first else batch)
        while first < len(batch) and written >= len(batch[first]):
            written -= len(batch[first])
            first += 1
        if written:
            batch[first] = memoryview(batch[first])[written:]


def write_atomically(
    path: Path, data: bytes | Iterable[bytes | memoryview], like: str | None = None
) -> None:
    """Write data (bytes, or chunks streamed one by one) to path through a temporary file
    and a rename: never half-written.

    ``like`` names the existing file being replaced (for --in-place): its permission bits
    are copied, and the new bytes are synced to disk before the rename, since the old
    ones are the only other copy. A new output beside its input is not synced: a sync
    per file cost more than the cleaning of a small one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary: list[Path] = []  # its name, known before it exists (see create_temporary)
    try:
        handle = create_temporary(path, temporary)
        with os.fdopen(handle, "wb") as out:
            write_pieces(out, data)
            out.flush()
            if like is not None:
                os.fsync(out.fileno())
        if like is not None:
            os.chmod(temporary[0], stat.S_IMODE(os.stat(like).st_mode))
        os.replace(temporary[0], path)
    except BaseException:
        for name in temporary:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
        raise
