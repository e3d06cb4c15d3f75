"""Detectors: pure functions from a document's unit keys to the units they would remove.

Every detector sees the units still kept (``active``, unit indices in document order)
and returns ``{unit index: Finding}``. The cleaner runs them until nothing more is
found, so that cleaning its own output changes nothing.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import partial
from itertools import compress, repeat
from operator import ne
from typing import NamedTuple

from .boilerplate import EDGE, STRONG, Rule
from .native import int64s


class _Compiled(NamedTuple):
    copied_runs: Callable[[array[int], array[int], array[int], array[int]], None]
    first_copies: Callable[[array[int], array[int]], bytes]
    first_copies_among: Callable[[array[int], list[int], array[int]], bytes]
    gather: Callable[[array[int], list[int], array[int]], None]
    repeat_findings: Callable[..., dict[int, Finding]]


def _load_compiled() -> _Compiled | None:
    try:
        from ._repeats import (
            copied_runs,
            first_copies,
            first_copies_among,
            gather,
            repeat_findings,
        )
    except ImportError:  # the extension is not built: the Python code does the same
        return None
    return _Compiled(copied_runs, first_copies, first_copies_among, gather, repeat_findings)


_compiled = _load_compiled()

REPEAT = "repeat"
REPEAT_BLOCK = "repeat-block"
REPEAT_BATCH = "repeat-batch"

# Earlier copies remembered per key when following a block; a key that recurs more
# often than this is a short legit line, and following every copy would be quadratic.
_MAX_COPIES = 16


class Finding(NamedTuple):
    """Why a unit goes: the rule's name and, for a repeat, the unit index of the kept copy."""

    rule: str
    kept_unit: int | None = None


# Finding((rule, kept_unit)) without the named tuple's own __new__, a Python call: there
# is one per repeat, a quarter of the units in sentence mode.
_finding = partial(tuple.__new__, Finding)


def find_repeats(
    active: Sequence[int],
    fingerprints: Sequence[int],
    first_of_all: Sequence[int] | None,
    key_lengths: Sequence[int],
    protected: Sequence[bool],
    min_chars: int,
    block_min_chars: int,
) -> dict[int, Finding]:
    """Repeated units (keep-first) and repeated runs of units (blocks).

    A repeated unit goes when its key has at least ``min_chars`` characters, or when it
    comes right after its own copy, unless it is protected (structural, or on the
    keep-list). A run of two or more consecutive
    repeated units that copies a run of earlier consecutive units goes whole when the
    run's keys add up to ``block_min_chars``, however short each unit is.
    ``first_of_all`` may give the index of each unit's first copy among all units (the
    caller often has it already); it stands for the first copies in ``active`` when
    ``active`` is every unit, and gives them without hashing otherwise.

    >>> fps = [1, 2, 3, 1, 2, 9, 5, 5]
    >>> lengths = [30, 5, 30, 30, 5, 30, 3, 3]
    >>> found = find_repeats(range(8), fps, None, lengths, [False] * 8, 20, 30)
    >>> {unit: (f.rule, f.kept_unit) for unit, f in sorted(found.items())}
    {3: ('repeat-block', 0), 4: ('repeat-block', 1), 7: ('repeat', 6)}
    """
    whole = _is_all(active, fingerprints)
    fps = fingerprints if whole else _gather(fingerprints, active)
    first_of: Sequence[int]
    if whole and first_of_all is not None:
        first_of = first_of_all
        repeats = array("q", compress(range(len(fps)), map(ne, first_of, range(len(fps)))))
    elif first_of_all is not None:
        first_of, repeats = first_copies_among(first_of_all, active, fps)
    else:
        # Only the positions whose first copy is earlier (the repeats) need Python work.
        first_of, repeats = first_copies(fps)
    run_length = copied_runs(fps, first_of, repeats)
    compiled = _compiled
    typecodes = ((fps, "Q"), (first_of, "q"), (run_length, "q"))
    if (
        compiled is not None
        and all(isinstance(values, array) and values.typecode == code for values, code in typecodes)
        and isinstance(key_lengths, list)
        and isinstance(protected, list)
    ):
        # Both loops below in C (dedup._repeats).
        every = _is_all(active, fingerprints)
        units_at = None if every else active if isinstance(active, list) else list(active)
        return compiled.repeat_findings(
            fps,
            first_of,
            repeats,
            run_length,
            units_at,
            key_lengths,
            protected,
            min_chars,
            block_min_chars,
            Finding,
            (REPEAT, REPEAT_BLOCK),
        )
    found: dict[int, Finding] = {}
    for position in repeats:
        unit = active[position]
        if protected[unit]:
            continue
        # A unit right after its own copy is a scraper stutter whatever its length.
        if fps[position - 1] == fps[position] or key_lengths[unit] >= min_chars:
            found[unit] = _finding((REPEAT, active[first_of[position]]))
    limit = len(active)  # positions from here on are inside a block already taken
    for index in reversed(range(len(repeats))):
        position, length = repeats[index], run_length[index]
        if position >= limit or length < 2:
            continue
        run = active[position - length + 1 : position + 1]
        if sum(key_lengths[unit] for unit in run) >= block_min_chars:
            for start in range(position - length + 1, position + 1):
                found[active[start]] = _finding((REPEAT_BLOCK, active[first_of[start]]))
        limit = position - length + 1
    return found


def first_copies(fingerprints: Sequence[int]) -> tuple[array[int], array[int]]:
    """Per position, the position of the first one with its fingerprint; and the
    positions where that is an earlier one (the repeats), in order.

    In C for 64-bit fingerprints in a typed array, with a dict otherwise.

    >>> [list(positions) for positions in first_copies([7, 8, 7, 7])]
    [[0, 1, 0, 0], [2, 3]]
    """
    count = len(fingerprints)
    compiled = _compiled
    if compiled is not None and isinstance(fingerprints, array) and fingerprints.typecode == "Q":
        first_of = array("q", bytes(8 * count))
        repeats = array("q")
        repeats.frombytes(compiled.first_copies(fingerprints, first_of))
        return first_of, repeats
    first: dict[int, int] = {}  # fingerprint -> position of its first copy
    first_of = array("q", map(first.setdefault, fingerprints, range(count)))
    del first
    return first_of, array("q", compress(range(count), map(ne, first_of, range(count))))


def first_copies_among(
    first_of_all: Sequence[int], active: Sequence[int], fingerprints: Sequence[int]
) -> tuple[array[int], array[int]]:
    """:func:`first_copies` of ``fingerprints``, the fingerprints of the units in
    ``active``, given ``first_of_all``, the first copies among all units.

    Units with one fingerprint have one first copy, so in C (``dedup._repeats``) this
    reads ``first_of_all`` instead of hashing each fingerprint again.

    >>> [list(positions) for positions in first_copies_among([0, 1, 0, 0], [1, 2, 3], [8, 7, 7])]
    [[0, 1, 1], [2]]
    """
    compiled = _compiled
    if (
        compiled is not None
        and isinstance(first_of_all, array)
        and first_of_all.typecode == "q"
        and isinstance(active, list)
    ):
        first_of = array("q", bytes(8 * len(active)))
        repeats = array("q")
        repeats.frombytes(compiled.first_copies_among(first_of_all, active, first_of))
        return first_of, repeats
    return first_copies(fingerprints)


def _gather(fingerprints: Sequence[int], positions: Sequence[int]) -> Sequence[int]:
    """The fingerprints at these positions, in a typed array when they came in one."""
    compiled = _compiled
    if not isinstance(fingerprints, array):
        return list(map(fingerprints.__getitem__, positions))
    if compiled is not None and fingerprints.typecode == "Q" and isinstance(positions, list):
        gathered = array("Q", bytes(8 * len(positions)))
        compiled.gather(fingerprints, positions, gathered)
        return gathered
    return array(fingerprints.typecode, map(fingerprints.__getitem__, positions))


def copied_runs(
    fingerprints: Sequence[int], first_of: Sequence[int], repeats: Sequence[int]
) -> Sequence[int]:
    """For each repeat (a position whose first copy is earlier), the length of the longest
    run of consecutive repeats ending there that copies a run of consecutive units ending
    at its first copy or at one of its first ``_MAX_COPIES`` later copies.

    In C (``dedup._repeats``) for 64-bit fingerprints in typed arrays, the same loop in
    Python otherwise.

    >>> list(copied_runs([1, 2, 1, 2, 2], [0, 1, 0, 1, 1], [2, 3, 4]))
    [1, 2, 1]
    """
    compiled = _compiled
    if compiled is not None and isinstance(fingerprints, array) and fingerprints.typecode == "Q":
        out = array("q", bytes(8 * len(repeats)))
        compiled.copied_runs(fingerprints, int64s(first_of), int64s(repeats), out)
        return out
    copies: dict[int, list[int]] = {}  # fingerprint -> positions of later copies
    chain_before: dict[int, int] = {}  # for the previous position: source position -> run length
    run_length: list[int] = []
    previous = -2
    for position in repeats:
        if position != previous + 1:
            chain_before = {}  # the unit before was a first copy: no run goes through it
        previous = position
        first_position = first_of[position]
        sources = copies.setdefault(fingerprints[position], [])
        chain = {first_position: chain_before.get(first_position - 1, 0) + 1}
        for source in sources:
            chain[source] = chain_before.get(source - 1, 0) + 1
        if len(sources) < _MAX_COPIES:
            sources.append(position)
        run_length.append(max(chain.values()))
        chain_before = chain
    return run_length


def _is_all(active: Sequence[int], fingerprints: Sequence[int]) -> bool:
    """True when active is every unit in order (the first pass), so no gather is needed."""
    return isinstance(active, range) and active == range(len(fingerprints))


REGION = "boilerplate:region"


def _positions_among(units: Sequence[int], active: Sequence[int]) -> list[int]:
    """The positions in active (ascending) of those of units (ascending) that it holds."""
    if isinstance(active, range) and active.start == 0 and active.step == 1:
        return [unit for unit in units if unit < active.stop]
    positions = list(map(bisect_left, repeat(active), units))
    end = len(active)
    return [
        position
        for position, unit in zip(positions, units, strict=True)
        if position < end and active[position] == unit
    ]


def find_boilerplate(
    active: Sequence[int],
    rules: Sequence[Rule | None],
    short: Sequence[bool],
    edges: tuple[bool, bool] = (True, True),
    min_edge_weak: int = 3,
    max_filler_run: int = 4,
    max_tail: int = 50,
    ruled: Sequence[int] | None = None,
) -> dict[int, Finding]:
    """Boilerplate regions: runs of units that match the library, with what lies between.

    A region is a run of matching units in which short unmatched units (a commenter's
    name, a label, an untranslated button) may sit in gaps of up to ``max_filler_run``;
    a region that reaches the end of the document also takes the short units after its
    last match (up to ``max_tail`` of them: a document of short lines, a poem or a list,
    must not lose everything after one strong match). A region goes whole when it holds
    a strong match (or an ``edge`` match and touches the start or end of the document),
    or when it touches the start or end and holds at least ``min_edge_weak`` matches. A
    weak word ("Home", "Share") alone inside an article stays. ``edges`` says whether
    the first and last units are the document's own start and end (a window of a stream
    has neither, but at its ends). ``ruled``, when given, holds (in order) every unit
    with a rule, active or not: then the active ones are looked up, not every unit.

    >>> strong, weak = Rule("boilerplate:x:en", STRONG), Rule("boilerplate:x:en", "weak")
    >>> rules = [None, weak, None, weak, strong, None]
    >>> found = find_boilerplate(range(6), rules, [True, True, False, True, True, True])
    >>> {unit: finding.rule for unit, finding in found.items()}
    {3: 'boilerplate:x:en', 4: 'boilerplate:x:en', 5: 'boilerplate:region'}
    """
    found: dict[int, Finding] = {}
    count = len(active)
    if ruled is None:
        matched = list(compress(range(count), map(rules.__getitem__, active)))
    else:
        matched = _positions_among(ruled, active)
    # Where the run of short units that ends the document starts (count if none):
    # computed once, so that each region's "reaches the end" test is O(1).
    short_tail = count
    if matched:
        while short_tail > 0 and short[active[short_tail - 1]]:
            short_tail -= 1
    index = 0
    while index < len(matched):
        first = last = matched[index]
        index += 1
        # Extend over further matches separated only by short units.
        while index < len(matched):
            gap = range(last + 1, matched[index])
            if len(gap) > max_filler_run or not all(short[active[p]] for p in gap):
                break
            last = matched[index]
            index += 1
        end = last
        at_start, at_end = edges
        if at_end and last < count - 1 and last + 1 >= short_tail and count - 1 - last <= max_tail:
            end = count - 1
        at_edge = (at_start and first == 0) or (at_end and end == count - 1)
        region_rules = [rules[active[p]] for p in range(first, last + 1)]
        strengths = {rule.strength for rule in region_rules if rule is not None}
        matches = sum(rule is not None for rule in region_rules)
        if (
            STRONG in strengths
            or (at_edge and EDGE in strengths)
            or (at_edge and matches >= min_edge_weak)
        ):
            for position in range(first, end + 1):
                rule = rules[active[position]]
                found[active[position]] = Finding(rule.name if rule is not None else REGION)
    return found
