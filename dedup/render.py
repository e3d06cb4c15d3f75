"""Output: the original bytes of the kept units, joined by original gaps.

Between two kept units the widest of the original gaps between them is copied (the one
with the most line breaks), so removing a paragraph never leaves a doubled blank line
and removing the first sentence of a paragraph never glues it to the previous one.
The output is always the input with some byte ranges deleted.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from itertools import compress
from operator import not_

from .native import optional
from .segment import Segmentation

# Without the extension: the Python loop does the same.
_compiled_ranges: Callable[[bytes, array[int], array[int], bytes, int], bytes] | None = optional(
    "_lines", "deleted_ranges"
)


def render(seg: Segmentation, keep: Sequence[int]) -> bytes:
    """Rebuild the document from the kept units.

    >>> from .segment import segment
    >>> seg = segment(b"a\\n\\nb\\n\\nc\\n", "line")
    >>> render(seg, [True, False, True])
    b'a\\n\\nc\\n'
    """
    return cut(seg.bom + seg.body, deleted_ranges(seg, keep))


def deleted_ranges(seg: Segmentation, keep: Sequence[int]) -> list[tuple[int, int]]:
    """The byte ranges of the input that the output leaves out, sorted and disjoint;
    ``keep`` is true (or 1, as in a bytearray) for each unit kept.

    Offsets are into the whole input (BOM included): the output is
    ``cut(input, deleted_ranges(seg, keep))``. The ranges hold the removed units and the
    gaps that went with them. The work is per run of removed units, not per unit.

    >>> from .segment import segment
    >>> deleted_ranges(segment(b"a\\n\\nb\\n\\nc\\n", "line"), [True, False, True])
    [(3, 6)]
    """
    starts, ends, body = seg.starts, seg.ends, seg.body
    count = len(starts)
    shift = len(seg.bom)
    if _compiled_ranges is not None:
        pairs = array("q")
        flags = bytes(keep) if isinstance(keep, bytearray) else bytes(map(bool, keep))
        pairs.frombytes(_compiled_ranges(body, starts, ends, flags, shift))
        return list(zip(pairs[0::2], pairs[1::2]))
    ranges: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        if start < end:
            ranges.append((start + shift, end + shift))

    removed = list(compress(range(count), map(not_, keep)))
    run_first = 0
    for position, unit in enumerate(removed):
        if position + 1 < len(removed) and removed[position + 1] == unit + 1:
            continue  # the run of removed units goes on
        left, right = removed[run_first] - 1, unit + 1  # the kept units around the run
        run_first = position + 1
        if left < 0 and right == count:
            add(0, len(body))  # nothing kept: the BOM alone remains
        elif left < 0:
            add(starts[0], starts[right])  # leading whitespace stays, as in the input
        elif right == count:
            add(ends[left], ends[count - 1])  # the input's trailing gap stays
        else:
            # Keep the widest gap (most line breaks) between the two kept units, so no
            # doubled blank line is left and paragraphs are never glued together.
            gap = _widest_gap_index(body, starts, ends, left, right)
            add(ends[left], ends[gap])
            add(starts[gap + 1], starts[right])
    return ranges


def _widest_gap_index(
    body: bytes, starts: Sequence[int], ends: Sequence[int], left: int, right: int
) -> int:
    """Of the gaps between units left and right, the index of the unit the one with the
    most line breaks follows (the first such, on a tie)."""
    best, best_breaks = left, body.count(b"\n", ends[left], starts[left + 1])
    for gap_index in range(left + 1, right):
        breaks = body.count(b"\n", ends[gap_index], starts[gap_index + 1])
        if breaks > best_breaks:
            best, best_breaks = gap_index, breaks
    return best


def kept_pieces(data: bytes, ranges: Sequence[tuple[int, int]]) -> Iterator[memoryview]:
    """The pieces of data between the sorted, disjoint byte ranges, as views (not copies).

    >>> [bytes(piece) for piece in kept_pieces(b"abcdef", [(1, 2), (4, 6)])]
    [b'a', b'cd', b'']
    """
    view = memoryview(data)
    position = 0
    for start, end in ranges:
        yield view[position:start]
        position = end
    yield view[position:]


class KeptPieces:
    """:func:`kept_pieces` of data and the ranges, as an iterable that also tells what it
    is cut from: :func:`dedup.io.write_pieces` writes the pieces straight from data."""

    __slots__ = ("data", "ranges")

    def __init__(self, data: bytes, ranges: Sequence[tuple[int, int]]) -> None:
        self.data, self.ranges = data, ranges

    def __iter__(self) -> Iterator[memoryview]:
        return kept_pieces(self.data, self.ranges)


def cut(data: bytes, ranges: Sequence[tuple[int, int]]) -> bytes:
    """Data with the sorted, disjoint byte ranges removed.

    >>> cut(b"abcdef", [(1, 2), (4, 6)])
    b'acd'
    """
    pieces = []
    position = 0
    for start, end in ranges:
        pieces.append(data[position:start])
        position = end
    pieces.append(data[position:])
    return b"".join(pieces)
