"""Undo a clean: put the bytes a decision log recorded back into the cleaned output.

Pure: bytes and log records in, bytes out. The cleaned bytes must be exactly what was
written (their checksum is in the log); anything else is refused rather than restored
into a file that only looks right.
"""

from __future__ import annotations

import os

from .decision_log import DecisionLog, FileLog
from .hashing import checksum


class RestoreError(Exception):
    """The cleaned bytes do not match the log, or the log contradicts itself."""


def restore(cleaned: bytes, log: FileLog, name: str | None = None) -> bytes:
    """The original input of ``log``'s document, rebuilt from its cleaned output.

    >>> from dedup.cleaner import Cleaner
    >>> from dedup.decision_log import FileLog, file_records
    >>> result = Cleaner().clean(b"A line that is long enough.\\n" * 2)
    >>> *removed, summary = file_records(result)
    >>> restore(result.output, FileLog(summary, removed)) == result.data
    True
    """
    summary = log.summary
    label = name or log.name
    if len(cleaned) != summary["bytes_out"] or checksum(cleaned) != summary["xxh3_out"]:
        raise RestoreError(
            f"{label}: does not match the cleaned output recorded in the log for "
            f"{log.name} (size or checksum differs); it was edited after cleaning or "
            "belongs to another run, so it cannot be restored"
        )
    pieces = []
    position = 0  # in the cleaned bytes
    shift = 0  # bytes put back so far: input offset - cleaned offset
    for offset, deleted in log.cuts():
        at = offset - shift
        if at < position or at > len(cleaned):
            raise RestoreError(f"{log.name}: the log's removed records overlap or run past the end")
        pieces.append(cleaned[position:at])
        pieces.append(deleted)
        position = at
        shift += len(deleted)
    pieces.append(cleaned[position:])
    original = b"".join(pieces)
    if checksum(original) != summary["xxh3_in"]:
        raise RestoreError(f"{log.name}: the restored bytes do not match the logged input checksum")
    return original


def find_file(log: DecisionLog, cleaned: bytes, path: str | None = None) -> FileLog:
    """The document of the log that ``cleaned`` (read from ``path``) is the output of.

    A log of one document answers directly (a wrong file is then refused by
    :func:`restore`); otherwise the recorded output path decides, then the checksum.
    """
    if len(log.files) == 1:
        return log.files[0]
    if path is not None:
        wanted = os.path.realpath(path)
        for file_log in log.files:
            output = file_log.summary.get("output")
            if output is not None and os.path.realpath(output) == wanted:
                return file_log
    digest = checksum(cleaned)
    matches = [file_log for file_log in log.files if file_log.summary["xxh3_out"] == digest]
    if len(matches) == 1:
        return matches[0]
    label = path or "<stdin>"
    if not matches:
        raise RestoreError(
            f"{label}: matches no document of the log ({len(log.files)} documents); "
            "it was edited after cleaning or belongs to another run"
        )
    raise RestoreError(f"{label}: matches several documents of the log; restore a folder with -o")


def relative_outputs(log: DecisionLog) -> list[tuple[str, FileLog]]:
    """For a folder restore: each document's path relative to the run's output folder.

    The output folder is the run's ``-o`` (or, for ``--in-place``, its single input
    folder); documents written to stdout have no place in a folder and are left out.
    """
    options = log.header.get("options", {})
    root = options.get("output_dir")
    if root is None and options.get("in_place") and len(options.get("paths", [])) == 1:
        root = options["paths"][0]
    placed = []
    for file_log in log.files:
        output = file_log.summary.get("output")
        if output is None:
            continue
        relative = os.path.relpath(output, root) if root is not None else os.path.basename(output)
        if relative == os.curdir or relative.startswith(os.pardir):
            relative = os.path.basename(output)
        placed.append((relative, file_log))
    return placed
