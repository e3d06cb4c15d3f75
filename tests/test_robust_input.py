"""Bad and odd input: every case ends with a clear result, byte-exact, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from unittest.mock import patch

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import CleanConfig, Cleaner
from dedup import segment as segment_module
from dedup.cli import main
from dedup.normalize import PROFILES, make_key_function
from dedup.segment import segment

UNITS = ("auto", "line", "paragraph", "sentence")
LONG = b"A line that is long enough to count as a repeat when it comes back."


def run(*args: str, input: bytes | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize(
    "data",
    [b"", b"\n", b"\n\n\n\n", b"   \n\t\n \r\n", b"\xef\xbb\xbf", b"only one line, no newline"],
    ids=["empty", "newline", "blank-lines", "whitespace-lines", "bom-only", "no-newline"],
)
def test_degenerate_input_is_passed_through(data: bytes, unit: str) -> None:
    code, out, err = run("clean", "--unit", unit, input=data)
    assert (code, out) == (0, data), err


def test_no_trailing_newline_stays_missing() -> None:
    # The last unit goes with the gap before it: a file without a final newline gives
    # an output without one.
    data = LONG + b"\n" + LONG
    assert Cleaner().clean(data).output == LONG
    data = b"first\n" + LONG + b"\n" + LONG
    assert Cleaner(CleanConfig(unit="line")).clean(data).output == b"first\n" + LONG


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfeA\x00B\x00", "UTF-16"),
        (b"\xfe\xff\x00A\x00B", "UTF-16"),
        (b"\xff\xfe\x00\x00A\x00\x00\x00", "UTF-32"),
        (b"\x00\x00\xfe\xffA", "UTF-32"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
    ],
)
def test_utf16_utf32_and_binary_are_skipped_and_listed(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(data)
    (tmp_path / "good.txt").write_bytes(LONG + b"\n" + LONG + b"\n")
    code, _, err = run("clean", str(tmp_path), "-o", str(tmp_path.parent / "out"))
    assert code == 0, err
    assert f"skipped: {path}: " in err and reason in err
    assert not (tmp_path.parent / "out" / "odd.txt").exists()
    assert (tmp_path.parent / "out" / "good.txt").read_bytes() == LONG + b"\n"


def test_skipped_stdin_passes_through_unchanged() -> None:
    data = b"\xff\xfeA\x00B\x00"
    code, out, err = run("clean", input=data)
    assert (code, out) == (0, data)
    assert "iconv -f UTF-16" in err


def test_nul_bytes_after_the_binary_probe_are_text_and_kept() -> None:
    data = b"x" * 9000 + b"\n" + LONG + b"\x00\n" + LONG + b"\x00\n"
    assert Cleaner(CleanConfig(unit="line")).clean(data).output == data[: -len(LONG) - 2]


def test_latin1_and_cp1252_bytes_are_kept_byte_exact() -> None:
    latin = b"Caf\xe9 cr\xe8me br\xfbl\xe9e and \x93smart quotes\x94 from cp1252, long enough."
    data = latin + b"\n" + latin + b"\nend\n"
    code, out, err = run("clean", "--unit", "line", input=data)
    assert (code, out) == (0, latin + b"\nend\n"), err


def test_mixed_crlf_and_lf_copies_match_and_keep_their_own_ending() -> None:
    data = LONG + b"\r\n" + b"middle\n" + LONG + b"\n" + b"last\r\n"
    assert Cleaner(CleanConfig(unit="line")).clean(data).output == (LONG + b"\r\nmiddle\nlast\r\n")


@pytest.mark.parametrize("unit", UNITS)
def test_lone_cr_line_endings_are_one_line_kept_byte_exact(unit: str) -> None:
    # Classic Mac files: dedup splits lines on LF only, so the whole file is one unit and
    # passes through unchanged (documented in the README, "Failure modes").
    data = LONG + b"\r" + LONG + b"\r" + b"end\r"
    assert Cleaner(CleanConfig(unit=unit)).clean(data).output == data
    assert len(segment(data, "line")) == 1


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_sentence_splitting_is_linear_in_paragraph_length(compiled: bool) -> None:
    # Was quadratic: each full stop searched for its word from the start of the text.
    in_c = segment_module._sentence_spans_in_c if compiled else None

    def seconds(sentences: int) -> float:
        para = " ".join(f"Sentence {i} is here. Mr. Smith said so." for i in range(sentences))
        started = time.perf_counter()
        with patch.object(segment_module, "_sentence_spans_in_c", in_c):
            segment(para.encode(), "sentence")
        return time.perf_counter() - started

    # C is some ten times as fast: a longer paragraph keeps its times well above noise
    # (and under the length that goes to Python).
    base = 16_000 if compiled else 4_000
    small = min(seconds(base) for _ in range(3))
    large = min(seconds(8 * base) for _ in range(3))
    # Linear is 8x; the quadratic version was about 64x.
    assert large < 24 * small


@pytest.mark.parametrize("unit", UNITS)
def test_very_long_paragraph_and_repeated_copy(unit: str) -> None:
    para = b" ".join(b"Sentence number %d of a long paragraph." % i for i in range(5_000))
    data = para + b"\n\n" + para + b"\n"
    assert Cleaner(CleanConfig(unit=unit)).clean(data).output == para + b"\n"


def test_millions_of_tiny_lines() -> None:
    if os.environ.get("DEDUP_SKIP_HUGE"):
        pytest.skip("DEDUP_SKIP_HUGE set")
    data = b"x\n" * 1_000_000 + b"y\n" * 1_000_000
    # Short lines are legit repeats, but runs of them are stutter: one copy of each stays.
    config = CleanConfig(unit="line", boilerplate=False)
    assert Cleaner(config).clean(data).output == b"x\ny\n"


@given(st.binary(max_size=200), st.integers(1, 16))
@settings(max_examples=300, deadline=None)
def test_keys_in_pieces_equal_whole_keys(raw: bytes, piece: int) -> None:
    for profile in PROFILES.values():
        assert make_key_function(profile, piece)(raw) == make_key_function(profile)(raw)


@pytest.mark.parametrize("unit", UNITS)
def test_200mb_single_line_bounded_memory(tmp_path: Path, unit: str) -> None:
    if os.environ.get("DEDUP_SKIP_HUGE"):
        pytest.skip("DEDUP_SKIP_HUGE set")
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to measure peak memory")
    words = b"lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 1000
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        for _ in range(200_000_000 // len(words)):
            handle.write(words)
    size = big.stat().st_size
    out = tmp_path / "out.txt"
    # VmHWM is the peak RSS of the child's own address space (ru_maxrss would include
    # the size of this test process, inherited across fork and exec).
    measure = (
        "import atexit, sys\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        "    sys.stderr.write(status[status.index('VmHWM'):].split('\\n')[0])\n"
        "atexit.register(peak)\n"
        "from dedup.cli import entry\n"
        "entry()\n"
    )
    command = [sys.executable, "-c", measure, "clean", "-q", "--unit", unit, str(big)]
    with out.open("wb") as sink:
        completed = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, timeout=600)
    assert completed.returncode == 0, completed.stderr
    assert out.stat().st_size == size
    peak = int(completed.stderr.split()[-2]) * 1024
    # The document, its one unit, the unit's key and the output: a few copies, not 20.
    assert peak < 6 * size, f"peak RSS {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB line"
