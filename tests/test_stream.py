"""Cleaning one long input in windows (--window), and the compact set behind it."""

from __future__ import annotations

import io
from array import array
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup import Cleaner
from dedup.cli import main
from dedup.config import CleanConfig
from dedup.fingerprint_set import EarlierUnits, PythonFingerprintSet
from dedup.io import Source
from dedup.normalize import PROFILES, make_key_function
from dedup.runner import RunOptions, run
from dedup.stream import clean_windows, read_windows

from .conftest import SAMPLES

FINGERPRINTS = st.lists(
    st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 2**63, 2**64 - 1])),
    max_size=300,
)


@given(FINGERPRINTS, FINGERPRINTS)
def test_compact_set_agrees_with_a_python_set(added: list[int], asked: list[int]) -> None:
    compact = pytest.importorskip("dedup._u64set").U64Set()
    fallback = PythonFingerprintSet()
    for table in (compact, fallback):
        table.add_many(array("Q", added))
    probe = array("Q", asked + added)
    expected = bytes(value in set(added) for value in probe)
    assert compact.contains_many(probe) == fallback.contains_many(probe) == expected
    assert len(compact) == len(fallback) == len(set(added))


def test_compact_set_grows_and_keeps_every_member() -> None:
    compact = pytest.importorskip("dedup._u64set").U64Set()
    members = array("Q", range(1, 200_001))
    compact.add_many(members)
    assert compact.contains_many(members) == b"\x01" * len(members)
    assert compact.contains_many(array("Q", range(200_001, 200_101))) == b"\x00" * 100
    assert compact.nbytes < 22 * len(members)  # 8 bytes a slot, at least 3 in 8 in use


def test_compact_set_refuses_other_arrays() -> None:
    compact = pytest.importorskip("dedup._u64set").U64Set()
    with pytest.raises(TypeError):
        compact.add_many(array("d", [1.0]))


def test_wide_fingerprints_use_the_python_set() -> None:
    earlier = EarlierUnits(128)
    earlier.add([2**100, 5])
    assert earlier.among([5, 2**100, 2**101]) == [5, 2**100]


LINES = st.lists(
    st.sampled_from([b"", b"  ", b"Short.", b"A line long enough to be a repeat here.", b"\r"]),
    max_size=60,
).map(b"\n".join)


@given(LINES, st.integers(1, 40), st.sampled_from(["line", "auto", "paragraph", "sentence"]))
def test_windows_cover_the_input_and_end_at_boundaries(data: bytes, size: int, unit: str) -> None:
    windows = list(read_windows(io.BytesIO(data), size, unit))
    assert b"".join(windows) == data
    assert all(windows)
    for window in windows[:-1]:
        assert window.endswith(b"\n")


@given(LINES, st.integers(1, 80), st.sampled_from(["line", "auto", "paragraph"]))
def test_windowed_cleaning_only_deletes_and_keeps_first(data: bytes, size: int, unit: str) -> None:
    windows = list(read_windows(io.BytesIO(data), size, unit))
    results = list(clean_windows(Cleaner(CleanConfig(unit=unit)), windows, "-"))
    for window, result in zip(windows or [b""], results, strict=True):
        kept = iter(window)
        assert all(byte in kept for byte in result.output)  # a subsequence: only deletions
    if unit == "line":  # no long line is kept twice, whichever windows its copies fell in
        key = make_key_function(PROFILES["default"])
        keys = [key(line) for result in results for line in result.output.split(b"\n")]
        long_keys = [k for k in keys if len(k) >= 20]
        assert len(long_keys) == len(set(long_keys))


def test_one_window_is_the_whole_document() -> None:
    data = (SAMPLES / "input" / "wordpress-share-reply.txt").read_bytes()
    cleaner = Cleaner()
    (result,) = clean_windows(cleaner, [data], "-")
    whole = Cleaner().clean(data)
    assert result.output == whole.output
    assert result.decisions == whole.decisions


def test_footer_is_only_taken_at_the_end_of_the_stream() -> None:
    article = b"".join(b"Paragraph %d of an article that says something.\n" % n for n in range(6))
    footer = b"Share this:\nTwitter\nFacebook\n"
    cleaner = Cleaner()
    first, last = clean_windows(cleaner, [article + b"Share\n", article + footer], "-")
    assert first.output == article + b"Share\n"  # not the stream's end: a weak word stays
    assert last.output == b""  # the article again, and the real footer


def test_cli_window_drops_repeats_across_windows(tmp_path: Path) -> None:
    lines = [b"Line number %07d of a long stream of text.\n" % n for n in range(40_000)]
    data = b"".join(lines) * 2  # 3.4 MB: the copy lies in later 1 MB windows
    path = tmp_path / "long.txt"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["clean", "--window", "1", "--unit", "line", str(path)])
    assert result.exit_code == 0
    assert result.stdout_bytes == b"".join(lines)
    assert "1 file(s), 1 changed: removed 40000 of 80000 units" in result.stderr


@pytest.mark.parametrize("option", [["--report", "log.jsonl"], ["--diff"], ["--scope", "batch"]])
def test_cli_window_refuses_options_that_need_whole_documents(option: list[str]) -> None:
    result = CliRunner().invoke(main, ["clean", "--window", "1", *option, "-"], input=b"x\n")
    assert result.exit_code == 2
    assert "--window cleans one input as a stream" in result.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_window_run_shows_its_progress_in_bytes_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "long.txt"
    source.write_bytes(b"".join(b"line %d of a long input\n" % (n % 5000) for n in range(60000)))
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    options = RunOptions(progress=True, window_bytes=1 << 20)
    out = tmp_path / "out.txt"
    report = run([Source(str(source), "long.txt", out)], CleanConfig(unit="line"), options)
    assert report.exit_code == 0
    assert report.units_removed == 55000
    assert out.read_bytes() == b"".join(b"line %d of a long input\n" % n for n in range(5000))
    shown = terminal.getvalue()
    assert "cleaning" in shown
    assert "MB" in shown  # counted in bytes, against the file's size
