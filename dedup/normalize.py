"""Comparison keys: the normalized form of a unit's text, used only to compare units.

Normalization never touches the output; it decides which units count as "the same".
Each profile is a small pipeline of named ``str -> str`` steps, with a fast path for
ASCII bytes that gives exactly the same key as the full pipeline would.

>>> key_text("  Hello\u00a0World  ")
'hello world'
>>> key_text("It\u2019s \u201cfine\u201d \u2014 really")
'it\\'s "fine" - really'
>>> key_text("co\u00adop\u200beration")
'cooperation'
"""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import contains, is_, not_
from typing import Protocol, cast

from .fold import KeyFunction, SpanFolder, compiled_key_function, compiled_span_key_function

# Characters that are invisible in rendered text, so two copies that differ only by
# them are the same text to a reader.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e\u200e\u200f"), None)

# Typographic variants that scrapers and editors swap freely.
_PUNCT_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)

_PUNCTUATION = re.compile(r"[^\w\s]+")
_DIGITS = re.compile(r"\d+")

# bytes.split() and str.split() disagree on \x1c-\x1f (str treats them as whitespace);
# mapping them to spaces first makes the ASCII fast path equal to the str path.
_ASCII_FOLD = (
    bytes(range(256)).lower().translate(bytes.maketrans(b"\x1c\x1d\x1e\x1f\x60", b"    '"))
)

# The same, with every ASCII whitespace byte made a space as well.
_ASCII_FOLD_SPACES = _ASCII_FOLD.translate(bytes.maketrans(b"\t\n\r\x0b\x0c", b"     "))

# str.translate looks every character up in a dict; a regex scans in C and these
# characters are rare, so the regex forms give the same text much faster.
_INVISIBLE_RE = re.compile("[" + "".join(map(chr, _INVISIBLE)) + "]")
_PUNCT_FOLD_RE = re.compile("[" + "".join(map(chr, _PUNCT_FOLD)) + "]")
_PUNCT_FOLD_CHARS = {
    chr(code): chr(to) if isinstance(to, int) else to for code, to in _PUNCT_FOLD.items()
}


def _fold_match(match: re.Match[str]) -> str:
    return _PUNCT_FOLD_CHARS[match.group()]


def drop_invisible(text: str) -> str:
    """Remove zero-width characters, soft hyphens and stray byte-order marks."""
    return _INVISIBLE_RE.sub("", text)


def nfkc(text: str) -> str:
    """Unicode compatibility composition: full-width digits, ligatures, NBSP become plain."""
    return unicodedata.normalize("NFKC", text)


def casefold(text: str) -> str:
    """Case-insensitive comparison, Unicode-aware (ß matches ss)."""
    return text.casefold()


def fold_punctuation(text: str) -> str:
    """Curly quotes, primes and dash variants become their ASCII forms."""
    return _PUNCT_FOLD_RE.sub(_fold_match, text)


def collapse_whitespace(text: str) -> str:
    """Any run of whitespace becomes one space; ends are trimmed."""
    return " ".join(text.split())


def strip_punctuation(text: str) -> str:
    """Drop punctuation entirely (the ``loose`` profile)."""
    return _PUNCTUATION.sub("", text)


def fold_digits(text: str) -> str:
    """Every run of digits becomes 0, so "3 comments" matches "12 comments"."""
    return _DIGITS.sub("0", text)


def identity(text: str) -> str:
    """Leave the text as it is."""
    return text


@dataclass(frozen=True)
class Profile:
    """A named normalization: the steps applied in order, and whether ASCII can skip them."""

    name: str
    steps: tuple[Callable[[str], str], ...]
    description: str
    # True when, for ASCII input, the steps reduce to lower-casing and whitespace collapse.
    ascii_fast_path: bool


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "default",
            (drop_invisible, nfkc, casefold, fold_punctuation, collapse_whitespace),
            "NFKC, case folding, invisible characters removed, quotes/dashes folded, "
            "whitespace collapsed",
            True,
        ),
        Profile(
            "loose",
            (
                drop_invisible,
                nfkc,
                casefold,
                fold_punctuation,
                strip_punctuation,
                fold_digits,
                collapse_whitespace,
            ),
            "default, plus punctuation removed and numbers folded to 0",
            False,
        ),
        Profile(
            "whitespace",
            (collapse_whitespace,),
            "only whitespace collapsed: case, accents and punctuation must match",
            False,
        ),
        Profile("exact", (identity,), "the unit's text exactly as written", False),
    )
}


def get_profile(name: str) -> Profile:
    """Look up a profile by name; raises KeyError naming the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}") from None


def key_text(text: str, profile: Profile = PROFILES["default"]) -> str:
    """Apply a profile's steps to text and return the comparison key."""
    for step in profile.steps:
        text = step(text)
    return text


# Units longer than this are keyed piece by piece (see _in_pieces).
KEY_PIECE_BYTES = 1 << 20
_ASCII_SPACE = re.compile(rb"[ \t\n\r\x0b\x0c]")


def _in_pieces(key: Callable[[bytes], bytes], piece_bytes: int) -> Callable[[bytes], bytes]:
    """Key a huge unit (a 200 MB line) in pieces cut after an ASCII space, for bounded memory.

    Splitting one huge unit into millions of words at once took many times its size in
    memory. Cutting after whitespace gives the same key when the profile ends by collapsing
    whitespace: no word spans two pieces, every earlier step works character by character,
    and NFKC never composes across an ASCII space.
    """

    def pieces(raw: bytes) -> bytes:
        if len(raw) <= piece_bytes:
            return key(raw)
        keys = []
        start = 0
        while start < len(raw):
            space = _ASCII_SPACE.search(raw, start + piece_bytes)
            end = space.end() if space else len(raw)
            piece = key(raw[start:end])
            if piece:
                keys.append(piece)
            start = end
        return b" ".join(keys)

    return pieces


def make_key_function(
    profile: Profile, piece_bytes: int = KEY_PIECE_BYTES
) -> Callable[[bytes], bytes]:
    """Return ``bytes -> key bytes`` for a profile, with the ASCII fast path when it applies.

    Input bytes that are not valid UTF-8 are decoded with ``surrogateescape`` so that the
    key is still a deterministic function of the bytes. Units longer than ``piece_bytes``
    are keyed in pieces (same key, bounded memory).

    >>> make_key_function(PROFILES["default"])(b"  The  END\\r")
    b'the end'
    """
    steps = profile.steps

    def slow(raw: bytes) -> bytes:
        text = raw.decode("utf-8", "surrogateescape")
        for step in steps:
            text = step(text)
        return text.encode("utf-8", "surrogatepass")

    if not profile.ascii_fast_path:
        return _in_pieces(slow, piece_bytes) if steps[-1] is collapse_whitespace else slow

    fold = _ASCII_FOLD
    space = b" "

    def fast(raw: bytes) -> bytes:
        if raw.isascii():
            return space.join(raw.translate(fold).split())
        return slow(raw)

    return _in_pieces(fast, piece_bytes)


def make_bulk_key_function(
    profile: Profile, compiled: bool = True
) -> Callable[[Sequence[bytes]], list[bytes]]:
    """Return ``list of unit bytes -> list of keys``, equal to mapping the key function.

    With ``compiled`` (and the extension built) the default profile's keys are made in C
    (see :mod:`dedup.fold`). Otherwise, for the ASCII fast path the per-unit work is three
    C calls chained by ``map``, with no Python frame per unit; only non-ASCII and huge
    units go through the single-unit path.

    >>> make_bulk_key_function(PROFILES["default"])([b"  The  END\\r", b"Caf\\xc3\\xa9"])
    [b'the end', b'caf\\xc3\\xa9']
    """
    single = make_key_function(profile)
    if not profile.ascii_fast_path:
        return lambda units: list(map(single, units))
    in_c = _compiled(profile) if compiled else None
    if in_c is not None:
        return _with_fallback(in_c, single)
    fold = _ASCII_FOLD_SPACES
    space = b" "
    double_space = b"  "

    def bulk(units: Sequence[bytes]) -> list[bytes]:
        if max(map(len, units), default=0) > KEY_PIECE_BYTES:
            return list(map(single, units))  # bounded memory for a huge unit
        # With every whitespace byte made a space, collapsing is stripping the ends and,
        # only where two spaces meet, splitting; splitting every unit into a bytes
        # object per word was most of the cost.
        keys = list(map(bytes.strip, map(bytes.translate, units, repeat(fold)), repeat(space)))
        for index in compress(range(len(keys)), map(contains, keys, repeat(double_space))):
            keys[index] = space.join(keys[index].split())
        for index in compress(range(len(units)), map(not_, map(bytes.isascii, units))):
            keys[index] = single(units[index])
        return keys

    return bulk


class SpanKeyFunction(Protocol):
    """``(body, starts, ends, longest_key=None) -> keys`` of ``body[starts[i]:ends[i]]``;
    a key over ``longest_key`` bytes comes back empty, and is not finished in C."""

    def __call__(
        self, body: bytes, starts: array[int], ends: array[int], longest_key: int | None = None
    ) -> list[bytes]: ...


def make_span_key_function(profile: Profile, compiled: bool = True) -> SpanKeyFunction:
    """Return ``(body, starts, ends) -> keys`` of the units ``body[starts[i]:ends[i]]``,
    equal to :func:`make_bulk_key_function` of them. In C (see :mod:`dedup.fold`) the
    units are read in place: making them cost as much time as keying a third of them,
    and as much memory as the text. Given ``longest_key``, a key longer than that comes
    back empty: learning needs only short keys, and most of a page's bytes are in long
    ones.

    >>> spans = array("q", [0, 10]), array("q", [9, 15])
    >>> make_span_key_function(PROFILES["default"])(b"  The END\\nCaf\\xc3\\xa9", *spans)
    [b'the end', b'caf\\xc3\\xa9']
    >>> make_span_key_function(PROFILES["default"])(b"  The END\\nCaf\\xc3\\xa9", *spans, 6)
    [b'', b'caf\\xc3\\xa9']
    """
    single = make_key_function(profile)
    in_c = _compiled_spans(profile) if compiled and profile.ascii_fast_path else None
    if in_c is None:
        bulk = make_bulk_key_function(profile, compiled)

        def made(
            body: bytes, starts: array[int], ends: array[int], longest_key: int | None = None
        ) -> list[bytes]:
            keys = bulk(list(map(body.__getitem__, map(slice, starts, ends))))
            return keys if longest_key is None else shortened(keys, longest_key)

        return made
    span_keys = in_c

    def keys(
        body: bytes, starts: array[int], ends: array[int], longest_key: int | None = None
    ) -> list[bytes]:
        # A unit over KEY_PIECE_BYTES is keyed in pieces, in bounded memory.
        limit = sys.maxsize if longest_key is None else longest_key
        result = span_keys(body, starts, ends, KEY_PIECE_BYTES, limit)
        left = list(compress(range(len(result)), map(is_, result, repeat(None))))
        for index in left:
            start, end = starts[index], ends[index]
            if end - start > KEY_PIECE_BYTES:
                result[index] = single(body[start:end])
                continue
            result[index] = _key_by_pieces(body, start, end, span_keys, single)
        for index in left:
            if len(cast(bytes, result[index])) > limit:
                result[index] = b""
        return cast(list[bytes], result)  # no None is left

    return keys


def shortened(keys: list[bytes], longest_key: int) -> list[bytes]:
    """The keys, with each one over longest_key bytes made empty (in place)."""
    for index in compress(range(len(keys)), map(longest_key.__lt__, map(len, keys))):
        keys[index] = b""
    return keys


# A unit that C leaves to Python is cut into pieces of about this many bytes.
_SMALL_PIECE_BYTES = 256


def _key_by_pieces(
    body: bytes,
    start: int,
    end: int,
    span_keys: SpanFolder,
    single: Callable[[bytes], bytes],
) -> bytes:
    """The key of ``body[start:end]``, a unit that C left to Python: cut into pieces after
    ASCII whitespace (which gives the same key, see :func:`_in_pieces`), keyed in C but
    for the pieces that hold what C leaves (a combining mark, an emoji's variation
    selector, bytes that are not UTF-8). Keying a whole paragraph in Python for one such
    character was most of the time of the units left to it.
    """
    piece_starts, piece_ends = array("q"), array("q")
    at = start
    while at < end:
        space = _ASCII_SPACE.search(body, at + _SMALL_PIECE_BYTES, end)
        cut = space.end() if space else end
        piece_starts.append(at)
        piece_ends.append(cut)
        at = cut
    pieces = span_keys(body, piece_starts, piece_ends, KEY_PIECE_BYTES, sys.maxsize)
    for index in compress(range(len(pieces)), map(is_, pieces, repeat(None))):
        pieces[index] = single(body[piece_starts[index] : piece_ends[index]])
    return b" ".join(filter(None, pieces))


# The steps that map every character on its own, whatever its neighbours.
_PER_CHARACTER = (drop_invisible, casefold, fold_punctuation)


def _compiled(profile: Profile) -> Callable[[list[bytes]], list[bytes | None]] | None:
    """The C key function (see :mod:`dedup.fold`) of the profile, if it can have one."""
    steps = _foldable_steps(profile)
    return compiled_key_function(*steps) if steps is not None else None


def _compiled_spans(profile: Profile) -> SpanFolder | None:
    """The C key function of spans (see :mod:`dedup.fold`) of the profile, if it can
    have one."""
    steps = _foldable_steps(profile)
    return compiled_span_key_function(*steps) if steps is not None else None


def _foldable_steps(
    profile: Profile,
) -> tuple[KeyFunction, KeyFunction, list[KeyFunction]] | None:
    """(drop, nfkc, per-character steps) of a profile that drops invisible characters,
    applies NFKC, maps characters one by one and collapses whitespace; else None."""
    drop, normal, *per_char, last = profile.steps
    if (
        drop is not drop_invisible
        or normal is not nfkc
        or last is not collapse_whitespace
        or not all(step in _PER_CHARACTER for step in per_char)
    ):
        return None
    return drop, normal, per_char


def _with_fallback(
    compiled: Callable[[list[bytes]], list[bytes | None]], single: Callable[[bytes], bytes]
) -> Callable[[Sequence[bytes]], list[bytes]]:
    """Keys in C, and in Python for the units that C leaves (None)."""

    def bulk(units: Sequence[bytes]) -> list[bytes]:
        if max(map(len, units), default=0) > KEY_PIECE_BYTES:
            return list(map(single, units))  # bounded memory for a huge unit
        keys = compiled(units if isinstance(units, list) else list(units))
        for index in compress(range(len(keys)), map(is_, keys, repeat(None))):
            keys[index] = single(units[index])
        return cast(list[bytes], keys)  # no None is left

    return bulk
