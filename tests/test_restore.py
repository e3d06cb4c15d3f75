"""Restore undoes a clean byte for byte: property inputs, the CLI, and the bench files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cleaner import Cleaner
from dedup.cli import main
from dedup.config import UNITS, CleanConfig
from dedup.decision_log import FileLog, file_records, read_log
from dedup.render import cut
from dedup.restore import RestoreError, find_file, restore

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "dev"
# Every STEP-th bench file by default; DEDUP_BENCH_ALL=1 runs all of them.
STEP = 1 if os.environ.get("DEDUP_BENCH_ALL") else 10

PIECES = [
    b"A sentence that is long enough to count. ",
    b"Another sentence, also long enough to count.",
    b"Short.",
    b"Posted by Jane at 10:32 AM",
    b"No comments:",
    b"Post a Comment",
    b"caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e is on the menu today",
    b"broken \xff\xfe bytes in a line that repeats",
    b"\xe3\x81\x93\xe3\x82\x8c\xe3\x81\xaf\xe6\x96\x87\xe3\x80\x82",
    b"* * *",
    b" ",
    b"\t",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"\r\n\r\n",
]
documents = st.builds(
    lambda bom, parts: (b"\xef\xbb\xbf" if bom else b"") + b"".join(parts),
    st.booleans(),
    st.lists(st.sampled_from(PIECES), max_size=40),
)


def round_trip(data: bytes, config: CleanConfig) -> None:
    result = Cleaner(config).clean(data, "doc.txt")
    assert cut(data, result.deleted) == result.output
    # Through the JSON text of the log, as `dedup restore` reads it.
    lines = [json.dumps({"type": "header", "tool": "dedup", "format": 1, "version": "x"})]
    lines += [json.dumps(record) for record in file_records(result)]
    log = read_log(lines)
    assert restore(result.output, log.files[0]) == data


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from(UNITS))
def test_restore_round_trips_crlf_bom_and_invalid_utf8(data: bytes, unit: str) -> None:
    round_trip(data, CleanConfig(unit=unit))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(UNITS))
def test_restore_round_trips_arbitrary_bytes(data: bytes, unit: str) -> None:
    round_trip(data, CleanConfig(unit=unit, min_chars=0, block_min_chars=0))


def test_an_edited_cleaned_file_is_refused() -> None:
    data = b"A line that is long enough to count.\n" * 3 + b"Tail line.\n"
    result = Cleaner().clean(data, "doc.txt")
    *removed, summary = file_records(result)
    log = FileLog(summary, removed)
    for edited in (result.output + b"x", result.output.replace(b"Tail", b"Tall"), b""):
        with pytest.raises(RestoreError, match="edited after cleaning"):
            restore(edited, log)


def _clean_cli(args: list[str], stdin: bytes | None = None) -> bytes:
    outcome = CliRunner().invoke(main, ["clean", "-q", *args], input=stdin)
    assert outcome.exit_code == 0, outcome.stderr
    return outcome.stdout_bytes


def test_cli_restore_pipe_and_file(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfSame paragraph here, long.\r\n\r\nSame paragraph here, long.\r\n\r\nEnd."
    source = tmp_path / "in.txt"
    source.write_bytes(data)
    log = tmp_path / "log.jsonl"
    cleaned = _clean_cli([str(source), "--report", str(log)])
    (tmp_path / "clean.txt").write_bytes(cleaned)
    runner = CliRunner()
    outcome = runner.invoke(main, ["restore", "--report", str(log), str(tmp_path / "clean.txt")])
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout_bytes == data
    # A stdin run, restored from stdin.
    cleaned = _clean_cli(["--report", str(log)], stdin=data)
    outcome = runner.invoke(main, ["restore", "--report", str(log)], input=cleaned)
    assert outcome.stdout_bytes == data
    # Edited since: refused with a clear message, nothing on stdout, exit 3.
    outcome = runner.invoke(main, ["restore", "--report", str(log)], input=cleaned + b"!")
    assert outcome.exit_code == 3
    assert outcome.stdout_bytes == b""
    assert "edited after cleaning" in outcome.stderr


def test_cli_restore_rejects_a_file_that_is_not_a_log(tmp_path: Path) -> None:
    bogus = tmp_path / "log.jsonl"
    bogus.write_text("hello\n")
    outcome = CliRunner().invoke(main, ["restore", "--report", str(bogus)], input=b"x")
    assert outcome.exit_code == 1
    assert "not a dedup decision log" in outcome.stderr


def _bench_files() -> list[Path]:
    if not BENCH.is_dir():
        return []
    files = sorted(path for path in BENCH.glob("*/in/**/*") if path.is_file())
    return files[::STEP]


needs_bench = pytest.mark.skipif(not BENCH.is_dir(), reason="../shared/bench/dev is absent")


@needs_bench
def test_bench_round_trip_pipe_mode(tmp_path: Path) -> None:
    """Each file through stdin -> stdout with a log, then restored from stdin."""
    files = _bench_files()
    tracks = {path.relative_to(BENCH).parts[0] for path in files}
    assert tracks == {"article", "page"}
    log = tmp_path / "log.jsonl"
    runner = CliRunner()
    for path in files:
        data = path.read_bytes()
        cleaned = _clean_cli(["--report", str(log)], stdin=data)
        outcome = runner.invoke(main, ["restore", "--report", str(log)], input=cleaned)
        assert outcome.exit_code == 0, (path, outcome.stderr)
        assert outcome.stdout_bytes == data, path


@needs_bench
@pytest.mark.parametrize("scope", ["document", "batch"])
def test_bench_round_trip_batch_mode(tmp_path: Path, scope: str) -> None:
    """The files as one folder cleaned with -o, restored as a folder with -o."""
    inputs = tmp_path / "in"
    for path in _bench_files():
        target = inputs / path.relative_to(BENCH)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    log = tmp_path / "log.jsonl"
    _clean_cli([str(inputs), "-o", str(tmp_path / "clean"), "--report", str(log), "--scope", scope])
    outcome = CliRunner().invoke(
        main,
        ["restore", "--report", str(log), str(tmp_path / "clean"), "-o", str(tmp_path / "back")],
    )
    assert outcome.exit_code == 0, outcome.stderr
    originals = sorted(p.relative_to(inputs) for p in inputs.rglob("*") if p.is_file())
    restored = sorted(p.relative_to(tmp_path / "back") for p in (tmp_path / "back").rglob("*"))
    assert originals == [p for p in restored if (tmp_path / "back" / p).is_file()]
    for relative in originals:
        assert (tmp_path / "back" / relative).read_bytes() == (inputs / relative).read_bytes()


def test_find_file_picks_the_document_by_output_path_or_checksum(tmp_path: Path) -> None:
    cleaner = Cleaner()
    first = cleaner.clean(b"One long line of text here.\n" * 2, "a.txt")
    second = cleaner.clean(b"Another long line of text.\n" * 2, "b.txt")
    lines = [json.dumps({"type": "header", "tool": "dedup", "format": 1, "version": "x"})]
    lines += [json.dumps(r) for r in file_records(first, str(tmp_path / "a.txt"))]
    lines += [json.dumps(r) for r in file_records(second, None)]
    log = read_log(lines)
    assert find_file(log, b"whatever", str(tmp_path / "a.txt")).name == "a.txt"
    assert find_file(log, second.output).name == "b.txt"
    with pytest.raises(RestoreError, match="matches no document"):
        find_file(log, b"edited")
