"""JSONL in and out: each record is a document; one string field is cleaned.

A record's other fields are kept. A record whose text is left unchanged is written back
byte for byte; a record whose text changed is written as ``json.dumps(record,
ensure_ascii=False, separators=(",", ":"))``: same keys in the same order, same values,
compact spelling (so ``1.50`` becomes ``1.5`` and escapes like ``\\u00e9`` become the
character). The line ending of each record is kept.

A record is named ``FILE:LINE`` (1-based line of the JSONL file), or ``FILE:LINE#ID`` with
``--id-field``; that name is the document name in results and kept-copy locations.

Lines that are not JSON objects (or repeat a key) are reported and, by option, written
through unchanged or left out; records without a string at the text field are written
through unchanged and reported. Nothing here stops the batch.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .cleaner import Cleaner
from .config import CleanConfig
from .io import STDIN, Source, write_atomically
from .report import Report
from .results import CleanResult
from .runner import RunOptions
from .seen import SeenStore

BAD_LINES = ("pass", "skip")


@dataclass(frozen=True)
class JsonlOptions:
    """Which field holds the text, which names the record, and what to do with bad lines."""

    field: str = "text"  # dotted path: "meta.body" is record["meta"]["body"]
    id_field: str | None = None
    bad_lines: str = "pass"  # pass: write malformed lines through unchanged; skip: drop them

    def __post_init__(self) -> None:
        if self.bad_lines not in BAD_LINES:
            raise ValueError(f"bad_lines must be one of {', '.join(BAD_LINES)}")
        if not all(self.field.split(".")):
            raise ValueError(f"{self.field!r} is not a field path (names joined by dots)")


class Malformed(ValueError):
    """A line that is not one JSON object."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            # json.loads would keep the last value silently, losing the first.
            raise Malformed(f"key {key!r} appears twice")
        record[key] = value
    return record


def parse_record(body: bytes) -> dict[str, Any]:
    """Parse one JSONL line (without its line ending) into a record.

    >>> parse_record(b'{"text": "hi", "n": 1}')
    {'text': 'hi', 'n': 1}
    >>> parse_record(b'[1, 2]')
    Traceback (most recent call last):
    dedup.jsonl.Malformed: not a JSON object
    """
    try:
        record = json.loads(body, object_pairs_hook=_no_duplicates)
    except Malformed:
        raise
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise Malformed(str(error)) from None
    if not isinstance(record, dict):
        raise Malformed("not a JSON object")
    return record


def get_field(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any step is missing.

    >>> get_field({"a": {"b": "x"}}, "a.b")
    'x'
    >>> get_field({"a": "x"}, "a.b") is None
    True
    """
    value: Any = record
    for name in path.split("."):
        if not isinstance(value, dict) or name not in value:
            return None
        value = value[name]
    return value


def set_field(record: dict[str, Any], path: str, value: Any) -> None:
    """Replace the value at a dotted path that :func:`get_field` found."""
    *parents, last = path.split(".")
    target = record
    for name in parents:
        target = target[name]
    target[last] = value


def record_name(source: str, line: int, record_id: Any = None) -> str:
    """The document name of a record: ``FILE:LINE`` or ``FILE:LINE#ID``.

    >>> record_name("a.jsonl", 17), record_name("a.jsonl", 17, "doc-9"), record_name("a", 1, 5)
    ('a.jsonl:17', 'a.jsonl:17#doc-9', 'a:1#5')
    """
    if record_id is None:
        return f"{source}:{line}"
    shown = record_id if isinstance(record_id, str) else json.dumps(record_id)
    return f"{source}:{line}#{shown}"


def _split_ending(raw: bytes) -> tuple[bytes, bytes]:
    if raw.endswith(b"\r\n"):
        return raw[:-2], b"\r\n"
    if raw.endswith(b"\n"):
        return raw[:-1], b"\n"
    return raw, b""


def _dumps(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") must stay escaped
        return json.dumps(record, separators=(",", ":")).encode("ascii")


def clean_lines(
    lines: Iterator[bytes],
    source_name: str,
    cleaner: Cleaner,
    options: JsonlOptions,
    report: Report,
    on_result: Callable[[CleanResult], None] | None = None,
) -> Iterator[bytes]:
    """Clean each record of a JSONL stream; yield the output lines (with their endings)."""
    for number, raw in enumerate(lines, 1):
        body, ending = _split_ending(raw)
        if not body.strip():
            yield raw
            continue
        try:
            record = parse_record(body)
        except Malformed as error:
            verb = "left out" if options.bad_lines == "skip" else "passed through"
            report.skip(f"{source_name}:{number}: malformed JSON ({error}); {verb}")
            if options.bad_lines == "pass":
                yield raw
            continue
        text = get_field(record, options.field)
        if not isinstance(text, str):
            report.skip(f"{source_name}:{number}: no string at {options.field!r}; passed through")
            yield raw
            continue
        record_id = get_field(record, options.id_field) if options.id_field else None
        name = record_name(source_name, number, record_id)
        # surrogatepass: a lone surrogate from a "\ud800" escape survives the round trip.
        result = cleaner.clean(text.encode("utf-8", "surrogatepass"), name)
        report.add(result)
        if on_result is not None:
            on_result(result)
        if not result.changed:
            yield raw
            continue
        set_field(record, options.field, result.output.decode("utf-8", "surrogatepass"))
        yield _dumps(record) + ending


def run_jsonl(
    sources: Sequence[Source],
    config: CleanConfig,
    options: RunOptions,
    jsonl: JsonlOptions,
    on_result: Callable[[CleanResult], None] | None = None,
    seen: SeenStore | None = None,
) -> Report:
    """Clean every JSONL source record by record, streaming: memory does not grow with it."""
    cleaner = Cleaner(config, seen)
    report = Report(check=options.check)
    for source in sources:
        try:
            _run_one(cleaner, source, options, jsonl, report, on_result)
        except OSError as error:
            report.fail(f"{source.name}: {error.strerror or error}")
    return report


def _run_one(
    cleaner: Cleaner,
    source: Source,
    options: RunOptions,
    jsonl: JsonlOptions,
    report: Report,
    on_result: Callable[[CleanResult], None] | None,
) -> None:
    if source.path == STDIN:
        handle: IO[bytes] = sys.stdin.buffer
    else:
        if not stat.S_ISREG(os.stat(source.path).st_mode):
            report.fail(f"{source.name}: not a regular file, skipped")
            return
        handle = open(source.path, "rb")  # noqa: SIM115 - closed below
    with contextlib.ExitStack() as stack:
        if handle is not sys.stdin.buffer:
            stack.enter_context(handle)
        lines = clean_lines(iter(handle), source.name, cleaner, jsonl, report, on_result)
        if options.check:
            for _ in lines:
                pass
        elif options.in_place and source.path != STDIN:
            write_atomically(Path(source.path), lines, like=source.path)
        elif source.output is not None:
            write_atomically(source.output, lines)
        else:
            out = sys.stdout.buffer
            for line in lines:
                out.write(line)
            out.flush()
