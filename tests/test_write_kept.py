"""The kept pieces of an input, written in C straight from it (dedup._lines.write_kept)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import dedup.io
from dedup.render import KeptPieces, cut

_lines = pytest.importorskip("dedup._lines")
if not hasattr(_lines, "write_kept"):
    pytest.skip("no writev on this platform", allow_module_level=True)


def ranges_of(size: int, cuts: list[int]) -> list[tuple[int, int]]:
    """Sorted, disjoint ranges within size bytes, from any offsets."""
    points = sorted(min(point, size) for point in cuts)
    return list(zip(points[0::2], points[1::2]))


def written(data: bytes, ranges: list[tuple[int, int]]) -> bytes:
    with tempfile.TemporaryFile() as out:
        dedup.io.write_pieces(out, KeptPieces(data, ranges))
        out.seek(0)
        return out.read()


@given(st.binary(max_size=400), st.lists(st.integers(0, 450), max_size=60))
@example(b"abcdef", [1, 2, 4, 6])  # the last piece is empty
@example(bytes(range(256)) * 40, list(range(0, 10240, 3)))  # pieces over one writev's 1,024
def test_the_pieces_written_are_the_input_without_the_ranges(data: bytes, cuts: list[int]) -> None:
    ranges = ranges_of(len(data), cuts)
    assert written(data, ranges) == cut(data, ranges)


@pytest.mark.parametrize(
    ("ranges", "error"),
    [
        ([(2, 4), (3, 5)], ValueError),  # overlapping
        ([(4, 5), (1, 2)], ValueError),  # out of order
        ([(2, 1)], ValueError),
        ([(0, 7)], ValueError),  # beyond the data
        ([(1, 2, 3)], TypeError),
        ([[1, 2]], TypeError),
    ],
)
def test_ranges_that_are_not_sorted_disjoint_spans_of_the_data_are_refused(
    ranges: list[tuple[int, int]], error: type[Exception]
) -> None:
    with tempfile.TemporaryFile() as out, pytest.raises(error):
        _lines.write_kept(out.fileno(), b"abcdef", ranges)


# A writer interrupted by a signal every half millisecond while a slow reader empties the
# pipe: writev() then writes part of what it is given, or nothing (EINTR), and the rest
# must follow in order, resuming inside the piece it stopped in.
_INTERRUPTED = """
import os, signal, sys, threading, time
from dedup._lines import write_kept
from dedup.render import cut
data = bytes(range(256)) * 20000
ranges = [(start, start + 7) for start in range(0, len(data) - 7, 97)]
signals = []
signal.signal(signal.SIGALRM, lambda *_: signals.append(1))
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
read_end, write_end = os.pipe()
chunks = []
def drain():
    while chunk := os.read(read_end, 4096):
        chunks.append(chunk)
        time.sleep(0.0004)
reader = threading.Thread(target=drain)
reader.start()
write_kept(write_end, data, ranges)
signal.setitimer(signal.ITIMER_REAL, 0)
os.close(write_end)
reader.join()
print(b"".join(chunks) == cut(data, ranges), len(signals) > 0)
"""


def test_pieces_are_written_whole_and_in_order_when_signals_interrupt_writev() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]


def test_an_exception_from_a_signal_handler_stops_the_writing() -> None:
    read_end, write_end = os.pipe()
    try:
        os.set_blocking(write_end, True)
        # Nobody reads: writev blocks once the pipe is full, until the alarm's handler
        # raises, which must come out of write_kept instead of another retry.
        script = f"""
import os, signal
from dedup._lines import write_kept
def stop(*_): raise TimeoutError("stopped")
signal.signal(signal.SIGALRM, stop)
signal.setitimer(signal.ITIMER_REAL, 0.2)
try:
    write_kept({write_end}, bytes(1 << 22), [])
except TimeoutError as error:
    print(error)
"""
        run = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            pass_fds=(write_end,),
        )
    finally:
        os.close(read_end)
        os.close(write_end)
    assert run.stdout.strip() == "stopped", run.stderr
