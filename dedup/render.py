"""Output: the original bytes of the kept units, joined by original gaps.

Between two kept units the widest of the original gaps between them is copied (the one
with the most line breaks), so removing a paragraph never leaves a doubled blank line
and removing the first sentence of a paragraph never glues it to the previous one.
The output is always the input with some byte ranges deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, pairwise
from operator import not_

from .segment import Segmentation


def render(seg: Segmentation, keep: Sequence[bool]) -> bytes:
    """Rebuild the document from the kept units.

    >>> from .segment import segment
    >>> seg = segment(b"a\\n\\nb\\n\\nc\\n", "line")
    >>> render(seg, [True, False, True])
    b'a\\n\\nc\\n'
    """
    body, starts, ends = seg.body, seg.starts, seg.ends
    count = len(starts)
    if count == 0:
        return seg.bom + body
    # Work per removed unit, not per unit: kept runs lie between removed ones.
    removed = list(compress(range(count), map(not_, keep)))
    out = [seg.bom]
    previous = -1  # index of the last kept unit
    index = 0
    for run_stop in [*removed, count]:
        if run_stop == index:
            index += 1
            continue
        run_end = run_stop - 1  # a run of consecutive kept units, copied in one slice
        if previous < 0:
            out.append(body[: starts[0]])
        else:
            out.append(_widest_gap(body, starts, ends, previous, index))
        out.append(body[starts[index] : ends[run_end]])
        previous = run_end
        index = run_stop + 1
    if previous < 0:
        return seg.bom
    out.append(body[ends[count - 1] :])
    return b"".join(out)


def _widest_gap(body: bytes, starts: list[int], ends: list[int], left: int, right: int) -> bytes:
    """The gap between units left and right (exclusive) with the most line breaks."""
    if right == left + 1:
        return body[ends[left] : starts[right]]
    best = body[ends[left] : starts[left + 1]]
    best_breaks = best.count(b"\n")
    for gap_index in range(left + 1, right):
        gap = body[ends[gap_index] : starts[gap_index + 1]]
        breaks = gap.count(b"\n")
        if breaks > best_breaks:
            best, best_breaks = gap, breaks
    return best


def deleted_ranges(seg: Segmentation, keep: Sequence[bool]) -> list[tuple[int, int]]:
    """The byte ranges of the input that :func:`render` leaves out, sorted and disjoint.

    Offsets are into the whole input (BOM included), so
    ``render(seg, keep) == cut(seg.bom + seg.body, deleted_ranges(seg, keep))``. The ranges
    hold the removed units and the gaps that went with them.

    >>> from .segment import segment
    >>> deleted_ranges(segment(b"a\\n\\nb\\n\\nc\\n", "line"), [True, False, True])
    [(3, 6)]
    """
    starts, ends = seg.starts, seg.ends
    count = len(starts)
    shift = len(seg.bom)
    ranges: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        if start < end:
            ranges.append((start + shift, end + shift))

    kept = [index for index in range(count) if keep[index]]
    if not kept:
        add(0, len(seg.body) if count else 0)
        return ranges
    add(starts[0], starts[kept[0]])
    for left, right in pairwise(kept):
        if right == left + 1:
            continue
        gap = _widest_gap_index(seg.body, starts, ends, left, right)
        add(ends[left], ends[gap])
        add(starts[gap + 1], starts[right])
    add(ends[kept[-1]], ends[count - 1])
    return ranges


def _widest_gap_index(
    body: bytes, starts: list[int], ends: list[int], left: int, right: int
) -> int:
    """Like :func:`_widest_gap`, but the index of the unit the chosen gap follows."""
    best, best_breaks = left, body.count(b"\n", ends[left], starts[left + 1])
    for gap_index in range(left + 1, right):
        breaks = body.count(b"\n", ends[gap_index], starts[gap_index + 1])
        if breaks > best_breaks:
            best, best_breaks = gap_index, breaks
    return best


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
