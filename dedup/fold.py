"""Compiled comparison keys: the default profile's key of many units in one C pass.

The default profile drops invisible characters, applies NFKC, then maps each character
on its own (case folding, quote and dash folding) and collapses whitespace. NFKC is the
only step that looks at neighbours: it composes a character with a combining mark or a
vowel sign after it, and reorders marks. A character is *simple* when it and its NFKC
form hold none of those (no mark, no Hangul jamo, combining class 0): in text made of
simple characters, NFKC changes each character on its own, so the key is every
character's folded form, joined, with whitespace collapsed. That is what
``dedup._fold`` computes, from tables of folded forms that this module works out with the
running interpreter's ``unicodedata`` (each character when first met), so compiled and
Python keys are the same bytes. A unit with a character that is not simple,
or bytes that are not UTF-8, is keyed in Python.

>>> from dedup.normalize import casefold, drop_invisible, fold_punctuation, nfkc
>>> keys = compiled_key_function(drop_invisible, nfkc, [casefold, fold_punctuation])
>>> units = [" Caf\u00e9  \u201cOK\u201d".encode(), "e\u0301".encode()]
>>> keys is None or keys(units) == [b'caf\\xc3\\xa9 "ok"', None]
True
"""

from __future__ import annotations

import sys
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Protocol

KeyFunction = Callable[[str], str]

_BLOCKS = 0x110000 >> 8
_NOT_SIMPLE = 255
_UNKNOWN = 254  # an entry not worked out yet
# The Hangul jamo: vowels and trailing consonants compose with the syllable before them
# and are letters (Lo), so the test for marks does not catch them.
_JAMO = range(0x1100, 0x1200)
_SURROGATES = range(0xD800, 0xE000)


def is_inert(char: str) -> bool:
    """True when NFKC can never join or reorder char with a neighbour: it is no mark
    (a combining mark or a vowel sign composes with the letter before it), no Hangul
    jamo, and of combining class 0."""
    code = ord(char)
    return (
        unicodedata.combining(char) == 0
        and not unicodedata.category(char).startswith("M")
        and code not in _JAMO
        and code not in _SURROGATES
    )


def folded_form(
    char: str, drop: KeyFunction, nfkc: KeyFunction, per_char: Sequence[KeyFunction]
) -> bytes | None:
    """A character's part of a key, or None when it is not simple (see the module)."""
    kept = drop(char)
    if not kept:
        return b""
    if not is_inert(kept):
        return None
    text = nfkc(kept)
    if not all(map(is_inert, text)):
        return None
    for step in per_char:
        text = step(text)
    # Only ASCII whitespace is collapsed in C; anything else goes to Python.
    if any(ch.isspace() and ch > "\x7f" for ch in text) or any(map(_is_surrogate, text)):
        return None
    folded = text.encode("utf-8")
    return folded if len(folded) < _UNKNOWN else None


def _is_surrogate(char: str) -> bool:
    return ord(char) in _SURROGATES


class CharacterTables:
    """Folded forms of code points for ``dedup._fold``, worked out when first met.

    A text meets a few characters of each block of 256 code points it touches: working
    out every character of 134 blocks took a twentieth of the time of a 200 MB document.
    """

    def __init__(self, drop: KeyFunction, nfkc: KeyFunction, per_char: Sequence[KeyFunction]):
        self._steps = (drop, nfkc, tuple(per_char))
        ascii_forms = [folded_form(chr(byte), *self._steps) for byte in range(128)]
        if any(form is None or len(form) != 1 for form in ascii_forms):
            raise ValueError("the steps must map every ASCII character to one character")
        self.ascii = b"".join(form for form in ascii_forms if form is not None)
        self.blocks: list[bytes | None] = [None] * _BLOCKS
        # Per block, the forms worked out so far (None: not simple).
        self._forms: dict[int, dict[int, bytes | None]] = {}

    def add(self, codes: Iterable[int]) -> None:
        """Work out the forms of these code points, and rebuild the tables they are in."""
        changed = set()
        for code in codes:
            forms = self._forms.setdefault(code >> 8, {})
            forms[code & 0xFF] = folded_form(chr(code), *self._steps)
            changed.add(code >> 8)
        for block in changed:
            entries = array("I", [_UNKNOWN]) * 256
            data = bytearray()
            for offset, form in self._forms[block].items():
                if form is None:
                    entries[offset] = _NOT_SIMPLE
                else:
                    entries[offset] = len(data) << 8 | len(form)
                    data += form
            self.blocks[block] = entries.tobytes() + bytes(data)


@lru_cache(maxsize=4)
def shared_tables(
    drop: KeyFunction, nfkc: KeyFunction, per_char: tuple[KeyFunction, ...]
) -> CharacterTables:
    """One set of tables per profile and process: every cleaner (and every call of
    ``dedup.clean_text``) reuses the blocks built so far."""
    return CharacterTables(drop, nfkc, per_char)


def compiled_key_function(
    drop: KeyFunction,
    nfkc: KeyFunction,
    per_char: Sequence[KeyFunction],
    tables: CharacterTables | None = None,
) -> Callable[[list[bytes]], list[bytes | None]] | None:
    """``units -> keys`` in C for a profile of these steps (then whitespace collapsed),
    with None for each unit that Python must key; None when the extension is not built.

    ``drop`` deletes characters, ``nfkc`` is NFKC, and each of ``per_char`` maps every
    character on its own, whatever its neighbours. ``tables`` defaults to the process's
    shared ones.
    """
    try:
        from ._fold import fold_keys
    except ImportError:
        return None
    known = tables if tables is not None else shared_tables(drop, nfkc, tuple(per_char))

    def keys(units: list[bytes]) -> list[bytes | None]:
        def fold(chosen: list[int] | None, missing: set[int]) -> list[bytes | None]:
            some = units if chosen is None else list(map(units.__getitem__, chosen))
            return fold_keys(some, known.ascii, known.blocks, missing)

        return _with_blocks_built(known, fold)

    return keys


class SpanFolder(Protocol):
    """``(body, starts, ends, longest, longest_key) -> keys`` of ``body[starts[i]:ends[i]]``
    (see :func:`compiled_span_key_function`)."""

    def __call__(
        self,
        body: bytes,
        starts: array[int],
        ends: array[int],
        longest: int,
        longest_key: int = sys.maxsize,
    ) -> list[bytes | None]: ...


def compiled_span_key_function(
    drop: KeyFunction,
    nfkc: KeyFunction,
    per_char: Sequence[KeyFunction],
    tables: CharacterTables | None = None,
) -> SpanFolder | None:
    """Like :func:`compiled_key_function`, for the units ``body[starts[i]:ends[i]]``,
    which are not made: ``(body, starts, ends, longest, longest_key) -> keys``, with None
    for a unit over ``longest`` bytes too, and an empty key for one whose key is over
    ``longest_key`` bytes (it is not finished)."""
    try:
        from ._fold import fold_spans
    except ImportError:
        return None
    known = tables if tables is not None else shared_tables(drop, nfkc, tuple(per_char))

    def keys(
        body: bytes,
        starts: array[int],
        ends: array[int],
        longest: int,
        longest_key: int = sys.maxsize,
    ) -> list[bytes | None]:
        def fold(chosen: list[int] | None, missing: set[int]) -> list[bytes | None]:
            some_starts = starts if chosen is None else array("q", map(starts.__getitem__, chosen))
            some_ends = ends if chosen is None else array("q", map(ends.__getitem__, chosen))
            return fold_spans(
                body,
                some_starts,
                some_ends,
                longest,
                known.ascii,
                known.blocks,
                missing,
                longest_key,
            )

        return _with_blocks_built(known, fold)

    return keys


def _with_blocks_built(
    tables: CharacterTables,
    fold: Callable[[list[int] | None, set[int]], list[bytes | None]],
) -> list[bytes | None]:
    """The keys of all units, from ``fold(chosen units or None for all, missing)``: the
    characters that units met for the first time are worked out, and those units folded
    again."""
    missing: set[int] = set()
    result = fold(None, missing)
    while missing:
        # A unit reports every character it needs up to its first that is not simple,
        # so one retry settles it.
        tables.add(missing)
        missing = set()
        retry = [index for index, key in enumerate(result) if key is None]
        for index, key in zip(retry, fold(retry, missing), strict=True):
            result[index] = key
    return result
