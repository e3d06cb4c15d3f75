"""Detectors: pure functions from a document's unit keys to the units they would remove.

Every detector sees the units still kept (``active``, unit indices in document order)
and returns ``{unit index: Finding}``. The cleaner runs them until nothing more is
found, so that cleaning its own output changes nothing.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import ne
from typing import NamedTuple

from .boilerplate import EDGE, STRONG, Rule

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
    ``first_of_all`` may give, when ``active`` is every unit, the index of each unit's
    first copy (the caller often has it already).

    >>> fps = [1, 2, 3, 1, 2, 9, 5, 5]
    >>> lengths = [30, 5, 30, 30, 5, 30, 3, 3]
    >>> found = find_repeats(range(8), fps, None, lengths, [False] * 8, 20, 30)
    >>> {unit: (f.rule, f.kept_unit) for unit, f in sorted(found.items())}
    {3: ('repeat-block', 0), 4: ('repeat-block', 1), 7: ('repeat', 6)}
    """
    whole = _is_all(active, fingerprints)
    fps = fingerprints if whole else list(map(fingerprints.__getitem__, active))
    if whole and first_of_all is not None:
        first_of = first_of_all
    else:
        # The position of each unit's first copy, in one C-level pass; only the positions
        # where it is not the unit itself (the repeats) need any Python work.
        first: dict[int, int] = {}  # fingerprint -> position in active of the first copy
        first_of = array("q", map(first.setdefault, fps, range(len(fps))))
        del first
    repeats = list(compress(range(len(fps)), map(ne, first_of, range(len(fps)))))
    copies: dict[int, list[int]] = {}  # fingerprint -> positions of later copies
    chain_before: dict[int, int] = {}  # for the previous position: source position -> run length
    run_length: dict[int, int] = {}  # position of a repeat -> longest copied run ending there
    found: dict[int, Finding] = {}
    previous = -2
    for position in repeats:
        if position != previous + 1:
            chain_before = {}  # the unit before was a first copy: no run goes through it
        previous = position
        fingerprint = fps[position]
        first_position = first_of[position]
        sources = copies.setdefault(fingerprint, [])
        chain = {first_position: chain_before.get(first_position - 1, 0) + 1}
        for source in sources:
            chain[source] = chain_before.get(source - 1, 0) + 1
        if len(sources) < _MAX_COPIES:
            sources.append(position)
        run_length[position] = max(chain.values())
        chain_before = chain
        unit = active[position]
        if protected[unit]:
            continue
        # A unit right after its own copy is a scraper stutter whatever its length.
        stutter = fps[position - 1] == fingerprint
        if stutter or key_lengths[unit] >= min_chars:
            found[unit] = Finding(REPEAT, active[first_position])
    limit = len(active)  # positions from here on are inside a block already taken
    for position in reversed(repeats):
        length = run_length[position]
        if position >= limit or length < 2:
            continue
        run = active[position - length + 1 : position + 1]
        if sum(key_lengths[unit] for unit in run) >= block_min_chars:
            for start in range(position - length + 1, position + 1):
                found[active[start]] = Finding(REPEAT_BLOCK, active[first_of[start]])
        limit = position - length + 1
    return found


def _is_all(active: Sequence[int], fingerprints: Sequence[int]) -> bool:
    """True when active is every unit in order (the first pass), so no gather is needed."""
    return isinstance(active, range) and active == range(len(fingerprints))


REGION = "boilerplate:region"


def find_boilerplate(
    active: Sequence[int],
    rules: Sequence[Rule | None],
    short: Sequence[bool],
    min_edge_weak: int = 3,
    max_filler_run: int = 4,
    max_tail: int = 50,
) -> dict[int, Finding]:
    """Boilerplate regions: runs of units that match the library, with what lies between.

    A region is a run of matching units in which short unmatched units (a commenter's
    name, a label, an untranslated button) may sit in gaps of up to ``max_filler_run``;
    a region that reaches the end of the document also takes the short units after its
    last match (up to ``max_tail`` of them: a document of short lines, a poem or a list,
    must not lose everything after one strong match). A region goes whole when it holds
    a strong match (or an ``edge`` match and touches the start or end of the document),
    or when it touches the start or end and holds at least ``min_edge_weak`` matches. A
    weak word ("Home", "Share") alone inside an article stays.

    >>> strong, weak = Rule("boilerplate:x:en", STRONG), Rule("boilerplate:x:en", "weak")
    >>> rules = [None, weak, None, weak, strong, None]
    >>> found = find_boilerplate(range(6), rules, [True, True, False, True, True, True])
    >>> {unit: finding.rule for unit, finding in found.items()}
    {3: 'boilerplate:x:en', 4: 'boilerplate:x:en', 5: 'boilerplate:region'}
    """
    found: dict[int, Finding] = {}
    count = len(active)
    matched = list(compress(range(count), map(rules.__getitem__, active)))
    # Where the run of short units that ends the document starts (count if none):
    # computed once, so that each region's "reaches the end" test is O(1).
    short_tail = count
    if matched:
        short_tail = bytes(map(short.__getitem__, active)).rfind(0) + 1
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
        if last < count - 1 and last + 1 >= short_tail and count - 1 - last <= max_tail:
            end = count - 1
        at_edge = first == 0 or end == count - 1
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


NESTED = "repeat-nested"
# This many short non-sentence units in a row inside a wrapper are a menu or a link list.
MENU_RUN = 8
_NOT_ALNUM = re.compile(r"[\W_]+")
_ASCII_NOT_ALNUM = bytes(byte for byte in range(128) if not chr(byte).isalnum())


def skeleton(key: bytes) -> str:
    """A key's letters and digits only: how a wrapper's text compares with its pieces'.

    >>> skeleton("share this: | facebook".encode())
    'sharethisfacebook'
    """
    letters = key.translate(None, _ASCII_NOT_ALNUM)
    if letters.isascii():
        return letters.decode("ascii")
    return _NOT_ALNUM.sub("", letters.decode("utf-8", "surrogateescape"))


def find_nested(
    active: Sequence[int],
    keys: Sequence[bytes],
    heads: Sequence[bytes],
    flagged: Sequence[bool],
    menu_like: Sequence[bool],
    menu_run: int = MENU_RUN,
    min_pieces: int = 2,
) -> dict[int, Finding]:
    """Wrapper units that mix chrome into their text: the scraper's nested elements.

    A scraper that writes one block element per line writes a wrapper (a ``<div>``
    holding an article and its share bar, a figure holding caption and credit) as one
    line of all its text, followed by the lines of its pieces. Such a wrapper is a unit
    whose :func:`skeleton` is exactly the skeletons of at least ``min_pieces`` units
    right after it, joined in order; a piece's own pieces may follow it (nested
    wrappers). The wrapper goes when what it wraps is not all article: one of the units
    is ``flagged`` (a boilerplate match), or ``menu_run`` of them in a row are
    ``menu_like`` (short, not ending a sentence: a menu, a list of links). Every word
    of it is still in the pieces. A wrapper of prose alone stays. ``heads`` holds each
    key's :func:`head_skeletons`, a quick first test.

    >>> keys = [b"share this: facebook twitter", b"share this:", b"facebook", b"twitter", b"end"]
    >>> heads = head_skeletons(keys)
    >>> found = find_nested(range(5), keys, heads, [False, True, False, False, False], [False] * 5)
    >>> {unit: (f.rule, f.kept_unit) for unit, f in found.items()}
    {0: ('repeat-nested', 1)}
    >>> find_nested(range(5), keys, heads, [False] * 5, [False] * 5)
    {}
    >>> find_nested(range(5), keys, heads, [False] * 5, [False, True, True, True, True], 3)
    {0: Finding(rule='repeat-nested', kept_unit=1)}
    """
    found: dict[int, Finding] = {}
    skeletons: dict[int, str] = {}

    def skeleton_of(unit: int) -> str:
        text = skeletons.get(unit)
        if text is None:
            text = skeletons[unit] = skeleton(keys[unit])
        return text

    wraps = _Wraps(active, skeleton_of, flagged, menu_like, menu_run, min_pieces)
    for position in range(len(active) - min_pieces):
        unit, following = active[position], active[position + 1]
        if len(keys[following]) >= len(keys[unit]):
            continue  # the usual case: a wrapper is longer than its first piece
        head, following_head = heads[unit], heads[following]
        if not following_head:
            continue
        if not (head.startswith(following_head) or following_head.startswith(head)) and (
            (head.isascii() and following_head.isascii()) or not _may_start(head, following_head)
        ):
            continue
        whole, first = skeleton_of(unit), skeleton_of(following)
        if first and len(first) < len(whole) and whole.startswith(first) and wraps(position):
            found[unit] = Finding(NESTED, following)
    return found


# Bytes of two keys compared before their whole skeletons are worked out.
_HEAD = 48


def head_skeletons(keys: Sequence[bytes]) -> list[bytes]:
    """Each key's first bytes without ASCII punctuation or spaces: a quick first test.

    >>> head_skeletons([b"share this: facebook"])
    [b'sharethisfacebook']
    """
    return list(
        map(
            bytes.translate,
            map(bytes.__getitem__, keys, repeat(_HEAD_SLICE)),
            repeat(None),
            repeat(_ASCII_NOT_ALNUM),
        )
    )


_HEAD_SLICE = slice(0, _HEAD)


def _may_start(head: bytes, following_head: bytes) -> bool:
    """False when the skeleton of the key with ``following_head`` cannot start the other.

    Both heads are prefixes of the wrapper's skeleton, so one starts the other; beyond
    ASCII a character may be cut, or punctuation kept, so only the letters are compared.
    """
    text = _NOT_ALNUM.sub("", head.decode("utf-8", "surrogateescape"))[:-1]
    following_text = _NOT_ALNUM.sub("", following_head.decode("utf-8", "surrogateescape"))[:-1]
    return text.startswith(following_text) or following_text.startswith(text)


@dataclass(frozen=True)
class _Wraps:
    """Whether the units after a position tile its skeleton and one of them is chrome.

    A unit continues the wrapper where the last piece ended (a new piece), or lies
    inside the current piece, starting where the previous unit inside it started (its
    first child) or ended (the next one): that is how nested wrappers come out, and a
    chance substring elsewhere does not fit.
    """

    active: Sequence[int]
    skeleton_of: Callable[[int], str]
    flagged: Sequence[bool]
    menu_like: Sequence[bool]
    menu_run: int
    min_pieces: int

    def __call__(self, position: int) -> bool:
        active, skeleton_of = self.active, self.skeleton_of
        whole = skeleton_of(active[position])
        covered = pieces = run = 0
        piece = ""
        inner_start = inner_end = 0  # the previous unit inside the current piece
        inner_length = 0
        chrome = False
        for cursor in range(position + 1, len(active)):
            unit = active[cursor]
            text = skeleton_of(unit)
            if not text:
                if covered == len(whole):
                    break
            elif whole.startswith(text, covered):
                covered += len(text)
                pieces += 1
                piece, inner_start, inner_end, inner_length = text, 0, 0, len(text)
            elif len(text) < inner_length and piece.startswith(text, inner_start):
                inner_end, inner_length = inner_start + len(text), len(text)
            elif len(text) < len(piece) and piece.startswith(text, inner_end):
                inner_start, inner_end = inner_end, inner_end + len(text)
                inner_length = len(text)
            else:
                break
            run = run + 1 if self.menu_like[unit] else 0
            chrome = chrome or self.flagged[unit] or run >= self.menu_run
        return covered == len(whole) and pieces >= self.min_pieces and chrome
