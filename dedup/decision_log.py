"""The JSONL decision log written by ``--report FILE``: what was removed, why, and the bytes.

One JSON object per line, told apart by ``"type"``:

- ``header`` (first line): ``tool``, ``format`` (this module's :data:`FORMAT`), ``version``
  and the ``options`` of the run.
- ``removed``: one per removed unit. ``file``; ``unit`` (index); ``line``/``end_line``
  (1-based) and ``start``/``end`` (byte offsets into the whole input, BOM included) of the
  unit; ``rule``; ``kept`` (``{"file", "line"}`` of the kept copy for a repeat, else
  ``null``); ``cut``, the ``[start, end)`` byte range actually deleted, which is the unit
  plus the gap bytes that went with it (newlines, blank lines, spaces); and those bytes as
  ``gap_before`` + ``text`` + ``gap_after``. ``encoding`` says how the three are stored:
  ``"utf-8"`` (JSON strings) or ``"base64"`` (when the bytes are not valid UTF-8).
- ``file``: one per cleaned document, after its ``removed`` records. ``units_in``/
  ``units_out``, ``bytes_in``/``bytes_out``, ``by_rule`` (``{rule: {"units", "bytes"}}``),
  ``output`` (where the cleaned file was written, ``null`` for stdout) and the xxh3
  checksums of the input and of the cleaned output (``xxh3_in``/``xxh3_out``), which
  ``dedup restore`` uses to refuse a cleaned file edited since.

Every deleted byte is in exactly one ``cut``, so the input is the output with the cuts put
back (see :mod:`dedup.restore`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .hashing import checksum
from .io import create_temporary
from .results import CleanResult, Decision

FORMAT = 1
Record = dict[str, Any]


class LogError(Exception):
    """A decision log that cannot be read (not JSONL, wrong format, missing records)."""


def header_record(version: str, options: dict[str, Any]) -> Record:
    """The first record of a log: which tool and options produced it."""
    return {
        "type": "header",
        "tool": "dedup",
        "format": FORMAT,
        "version": version,
        "options": options,
    }


def _encode(pieces: dict[str, bytes]) -> Record:
    try:
        record: Record = {name: value.decode("utf-8") for name, value in pieces.items()}
        record["encoding"] = "utf-8"
    except UnicodeDecodeError:
        record = {name: base64.b64encode(value).decode("ascii") for name, value in pieces.items()}
        record["encoding"] = "base64"
    return record


def _decode(record: Record, name: str) -> bytes:
    value: str = record[name]
    if record["encoding"] == "base64":
        return base64.b64decode(value)
    return value.encode("utf-8")


def _owners(result: CleanResult) -> list[tuple[Decision, int, int]]:
    """Each decision with the byte range it owns: its unit plus the gaps assigned to it.

    Inside one deleted range, a unit owns the gap before it; the last unit also owns the
    gap after it (and the first one what precedes it in the range).
    """
    decisions = sorted(result.decisions, key=lambda decision: decision.start)
    owned: list[tuple[Decision, int, int]] = []
    index = 0
    for cut_start, cut_end in result.deleted:
        first = index
        while index < len(decisions) and decisions[index].end <= cut_end:
            index += 1
        inside = decisions[first:index]
        if not inside or inside[0].start < cut_start:
            raise ValueError(f"{result.name}: deleted range {cut_start}-{cut_end} holds no unit")
        previous_end = cut_start
        for position, decision in enumerate(inside):
            end = cut_end if position == len(inside) - 1 else decision.end
            owned.append((decision, previous_end, end))
            previous_end = end
    if index != len(decisions):
        raise ValueError(f"{result.name}: a removed unit lies outside every deleted range")
    return owned


def file_records(result: CleanResult, output: str | None = None) -> list[Record]:
    """The ``removed`` records of one cleaned document, then its ``file`` record."""
    data = result.data
    records: list[Record] = []
    by_rule: dict[str, dict[str, int]] = {}
    for decision, cut_start, cut_end in _owners(result):
        kept = decision.kept
        record: Record = {
            "type": "removed",
            "file": result.name,
            "unit": decision.unit,
            "line": decision.line,
            "end_line": decision.end_line,
            "start": decision.start,
            "end": decision.end,
            "rule": decision.rule,
            "kept": None if kept is None else {"file": kept.document, "line": kept.line},
            "cut": [cut_start, cut_end],
        }
        record.update(
            _encode(
                {
                    "gap_before": data[cut_start : decision.start],
                    "text": data[decision.start : decision.end],
                    "gap_after": data[decision.end : cut_end],
                }
            )
        )
        records.append(record)
        counts = by_rule.setdefault(decision.rule, {"units": 0, "bytes": 0})
        counts["units"] += 1
        counts["bytes"] += decision.end - decision.start
    records.append(
        {
            "type": "file",
            "file": result.name,
            "output": output,
            "units_in": result.units,
            "units_out": result.units - len(result.decisions),
            "bytes_in": len(data),
            "bytes_out": result.output_size,
            "by_rule": by_rule,
            "xxh3_in": checksum(data),
            "xxh3_out": checksum(result.output),
        }
    )
    return records


@dataclass
class FileLog:
    """What the log says about one document: its ``file`` record and its ``removed`` ones."""

    summary: Record
    removed: list[Record] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The document's name as it was cleaned (its input path, or ``<stdin>``)."""
        name: str = self.summary["file"]
        return name

    def cuts(self) -> Iterator[tuple[int, bytes]]:
        """The deleted ranges as (input offset, deleted bytes), in input order."""
        for record in sorted(self.removed, key=lambda record: record["cut"][0]):
            yield (
                record["cut"][0],
                _decode(record, "gap_before")
                + _decode(record, "text")
                + _decode(record, "gap_after"),
            )


@dataclass
class DecisionLog:
    """A whole log: the header and one :class:`FileLog` per cleaned document, in order."""

    header: Record
    files: list[FileLog]


def read_log(lines: Iterable[str], source: str = "log") -> DecisionLog:
    """Parse a decision log; a malformed one raises :class:`LogError` naming the line."""
    header: Record | None = None
    files: list[FileLog] = []
    pending: list[Record] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            kind = record["type"]
        except (ValueError, TypeError, KeyError):
            raise LogError(f"{source}:{number}: not a dedup decision log record") from None
        if header is None:
            if kind != "header" or record.get("tool") != "dedup":
                raise LogError(f"{source}:{number}: a dedup log starts with a header record")
            if record.get("format") != FORMAT:
                raise LogError(
                    f"{source}: log format {record.get('format')} is not supported "
                    f"(this dedup reads format {FORMAT})"
                )
            header = record
        elif kind == "removed":
            pending.append(record)
        elif kind == "file":
            files.append(FileLog(record, pending))
            pending = []
    if header is None:
        raise LogError(f"{source}: empty, not a dedup decision log")
    if pending:
        raise LogError(f"{source}: truncated (removed records without their file record)")
    return DecisionLog(header, files)


def _dump(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


class LogWriter:
    """Writes a log to a temporary file next to ``path``, renamed into place on success."""

    def __init__(self, path: str, header: Record) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._temporaries: list[Path] = []
        handle = create_temporary(self.path, self._temporaries)
        self._out: IO[str] = os.fdopen(handle, "w", encoding="utf-8", newline="\n")
        self._out.write(_dump(header))

    def add(self, result: CleanResult, output: str | None = None) -> None:
        """Log one cleaned document."""
        self._out.write("".join(_dump(record) for record in file_records(result, output)))

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        self._out.close()
        if kind is None:
            os.replace(self._temporaries[0], self.path)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._temporaries[0])
