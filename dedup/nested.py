"""Nested wrappers: a scraper that writes one block element per line repeats each wrapper.

A ``<div>`` holding an article and its share bar comes out as one line of all its text,
followed by the lines of its pieces. :func:`find_nested` finds such wrapper units by
their letters and digits; like every detector it sees the units still kept and returns
``{unit index: Finding}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import and_, eq, not_

from .detectors import Finding

_Compiled = tuple[
    Callable[[list[bytes]], bytes] | None,
    Callable[[list[bytes], bytes, list[int], int], list[int]] | None,
    Callable[[bytes], str] | None,
]


def _load_compiled() -> _Compiled:
    try:
        from ._nested import active_candidates, neighbour_tests, skeleton
    except ImportError:  # the extension is not built: the Python code does the same
        return None, None, None
    return neighbour_tests, active_candidates, skeleton


_compiled_tests, _compiled_candidates, _compiled_skeleton = _load_compiled()

NESTED = "repeat-nested"
# This many short non-sentence units in a row inside a wrapper are a menu or a link list.
MENU_RUN = 8
_NOT_ALNUM = re.compile(r"[\W_]+")
# ASCII bytes that are not letters or digits (deleted to compare letters only).
ASCII_NOT_ALNUM = bytes(byte for byte in range(128) if not chr(byte).isalnum())


def skeleton(key: bytes) -> str:
    """A key's letters and digits only: how a wrapper's text compares with its pieces'.

    >>> skeleton("share this: | facebook".encode())
    'sharethisfacebook'
    """
    if _compiled_skeleton is not None:
        return _compiled_skeleton(key)
    return _skeleton_in_python(key)


def _skeleton_in_python(key: bytes) -> str:
    letters = key.translate(None, ASCII_NOT_ALNUM)
    if letters.isascii():
        return letters.decode("ascii")
    return _NOT_ALNUM.sub("", letters.decode("utf-8", "surrogateescape"))


def find_nested(
    active: Sequence[int],
    pairs: AdjacentPairs,
    flagged: Callable[[int], bool],
    menu_like: Callable[[int], bool],
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
    ``menu_like`` (short, not ending a sentence: a menu, a list of links); both are
    asked of units inside a candidate wrapper only. Every word
    of it is still in the pieces. A wrapper of prose alone stays. ``pairs`` holds the
    document's keys and a quick first test of each pair of units (see
    :class:`AdjacentPairs`).

    >>> keys = [b"share this: facebook twitter", b"share this:", b"facebook", b"twitter", b"end"]
    >>> pairs = AdjacentPairs(keys)
    >>> def flags(*values: bool): return values.__getitem__
    >>> found = find_nested(range(5), pairs, flags(0, 1, 0, 0, 0), flags(0, 0, 0, 0, 0))
    >>> {unit: (f.rule, f.kept_unit) for unit, f in found.items()}
    {0: ('repeat-nested', 1)}
    >>> find_nested(range(5), pairs, flags(0, 0, 0, 0, 0), flags(0, 0, 0, 0, 0))
    {}
    >>> find_nested(range(5), pairs, flags(0, 0, 0, 0, 0), flags(0, 1, 1, 1, 1), 3)
    {0: Finding(rule='repeat-nested', kept_unit=1)}
    """
    keys = pairs.keys
    found: dict[int, Finding] = {}
    skeletons = pairs.skeletons

    def skeleton_of(unit: int) -> str:
        text = skeletons.get(unit)
        if text is None:
            text = skeletons[unit] = skeleton(keys[unit])
        return text

    wraps = _Wraps(active, skeleton_of, flagged, menu_like, menu_run, min_pieces)
    for position in pairs.candidates(active, min_pieces):
        unit, following = active[position], active[position + 1]
        whole, first = skeleton_of(unit), skeleton_of(following)
        if first and len(first) < len(whole) and whole.startswith(first) and wraps(position):
            found[unit] = Finding(NESTED, following)
    return found


class AdjacentPairs:
    """A document's keys, and which units may wrap the one after them (a quick test).

    A unit may wrap the next when the next key is shorter and one key's
    :func:`head_skeleton` starts the other's. The test of every pair of neighbours in
    the document is worked out once, one bit each (heads are made when needed, not
    kept: in a big document they took more memory than the keys); the detector runs
    again after each removal, and then only the units whose neighbour changed are
    tested anew.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        self.keys = keys
        # The skeletons worked out so far, kept for the next pass of the detector.
        self.skeletons: dict[int, str] = {}
        count = len(keys)
        compiled = _compiled_tests
        if compiled is not None and isinstance(keys, list):
            tests = compiled(keys)  # in C (dedup._nested)
        else:
            tests = bytes(map(self.may_wrap, range(count - 1), range(1, count)))
        self._neighbours = tests + b"\0"  # the last unit wraps nothing

    def may_wrap(self, unit: int, following: int) -> bool:
        """The quick test: can ``unit``'s skeleton start with ``following``'s?"""
        keys = self.keys
        if len(keys[following]) >= len(keys[unit]):
            return False  # the usual case: a wrapper is longer than its first piece
        head, following_head = head_skeleton(keys[unit]), head_skeleton(keys[following])
        if not following_head:
            return False
        if head.startswith(following_head) or following_head.startswith(head):
            return True
        return not (head.isascii() and following_head.isascii()) and _may_start(
            head, following_head
        )

    def candidates(self, active: Sequence[int], min_pieces: int) -> list[int]:
        """Positions in ``active`` (all but the last ``min_pieces``) whose unit may wrap
        the next active unit, in order."""
        limit = max(0, len(active) - min_pieces)
        neighbours = self._neighbours
        if isinstance(active, range) and active == range(len(self.keys)):
            return list(compress(range(limit), neighbours))
        keys, compiled = self.keys, _compiled_candidates
        if compiled is not None and isinstance(keys, list) and isinstance(active, list):
            return compiled(keys, neighbours, active, limit)
        following = active[1:]
        adjacent = list(map(eq, following, map((1).__add__, active)))
        known = compress(range(limit), map(and_, map(neighbours.__getitem__, active), adjacent))
        moved = compress(range(limit), map(not_, adjacent))
        tested = [p for p in moved if self.may_wrap(active[p], following[p])]
        return sorted([*known, *tested])


# Bytes of two keys compared before their whole skeletons are worked out.
_HEAD = 48


def head_skeleton(key: bytes) -> bytes:
    """A key's first bytes without ASCII punctuation or spaces: a quick first test.

    >>> head_skeleton(b"share this: facebook")
    b'sharethisfacebook'
    """
    return key[:_HEAD].translate(None, ASCII_NOT_ALNUM)


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
    flagged: Callable[[int], bool]
    menu_like: Callable[[int], bool]
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
            run = run + 1 if self.menu_like(unit) else 0
            chrome = chrome or self.flagged(unit) or run >= self.menu_run
        return covered == len(whole) and pieces >= self.min_pieces and chrome
