"""Streams too long to hold: cut into windows at unit boundaries, cleaned one by one.

A document is normally held whole, with its keys and per-unit facts: several times its
size in memory. ``--window`` cleans one long input a window at a time instead and keeps
only the fingerprints of the units kept so far, in a compact set (see
:mod:`dedup.fingerprint_set`), so that a repeat of anything kept earlier still goes.
Memory is then bounded by the window and about 13 bytes per distinct unit.

What needs neighbours is found within a window: a repeated block whose short units are
copies from an earlier window stays, as does a region or wrapper cut by a window's
edge. Only the first window holds the input's start and only the last its end. Because
windows are cut by size, cleaning such output again can find a little more near
the old edges; whole documents are idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .cleaner import Cleaner
from .results import CleanResult

# Without a blank line this many windows long, a paragraph-mode window is cut at a line.
_MAX_WINDOWS_WITHOUT_BLANK_LINE = 4


def _cut(pending: bytes, unit: str, forced: bool) -> int:
    """Where a window may end in ``pending``: after a line, or in the paragraph modes
    after a blank line (0 when there is no such place)."""
    if unit in ("auto", "paragraph") and not forced:
        blank_lines = (b"\n\n", b"\n\r\n")
        ends = [at + len(blank) for blank in blank_lines if (at := pending.rfind(blank)) >= 0]
        return max(ends, default=0)
    return pending.rfind(b"\n") + 1


def read_windows(handle: BinaryIO, window_bytes: int, unit: str) -> Iterator[bytes]:
    """Read ``handle`` in windows of about ``window_bytes`` that end at a unit boundary.

    >>> import io
    >>> list(read_windows(io.BytesIO(b"a\\nb\\nc\\nd"), 3, "line"))
    [b'a\\n', b'b\\nc\\n', b'd']
    >>> list(read_windows(io.BytesIO(b"a\\nb\\n\\nc\\nd\\n"), 3, "paragraph"))
    [b'a\\nb\\n\\n', b'c\\nd\\n']
    """
    pending = b""
    while True:
        chunk = handle.read(window_bytes)
        if not chunk:
            if pending:
                yield pending
            return
        pending += chunk
        if len(pending) < window_bytes:
            continue
        forced = len(pending) >= _MAX_WINDOWS_WITHOUT_BLANK_LINE * window_bytes
        end = _cut(pending, unit, forced)
        if end:
            yield pending[:end]
            pending = pending[end:]


def clean_windows(cleaner: Cleaner, windows: Iterable[bytes], name: str) -> Iterator[CleanResult]:
    """Clean the windows of one stream in order; one result per window.

    >>> cleaner = Cleaner()
    >>> line = b"A line long enough to count as a repeat.\\n"
    >>> outputs = [r.output for r in clean_windows(cleaner, [line, line + b"end\\n"], "-")]
    >>> outputs
    [b'A line long enough to count as a repeat.\\n', b'end\\n']
    """
    cleaner.start_stream()
    pending: bytes | None = None
    first = True
    for window in windows:
        if pending is not None:
            yield cleaner.clean_window(pending, name, first=first, last=False)
            first = False
        pending = window
    yield cleaner.clean_window(pending or b"", name, first=first, last=True)
