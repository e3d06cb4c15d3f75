"""Compiled keys (dedup.fold, dedup._fold) are the Python pipeline's keys, byte for byte."""

from __future__ import annotations

import random
import struct
import unicodedata
from array import array

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup.fold import (
    CharacterTables,
    compiled_key_function,
    compiled_span_key_function,
    is_inert,
)
from dedup.normalize import (
    PROFILES,
    casefold,
    drop_invisible,
    fold_punctuation,
    make_bulk_key_function,
    make_key_function,
    make_span_key_function,
    nfkc,
)

pytest.importorskip("dedup._fold")

single = make_key_function(PROFILES["default"])


def compiled_keys(units: list[bytes]) -> list[bytes | None]:
    """Keys from fresh tables: no block is built before the call."""
    steps = (drop_invisible, nfkc, (casefold, fold_punctuation))
    keys = compiled_key_function(*steps, CharacterTables(*steps))
    assert keys is not None
    return keys(units)


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # lone surrogates make invalid UTF-8


def test_every_code_point_among_neighbours() -> None:
    codes = list(range(0x110000))
    shuffled = codes.copy()
    random.Random(5).shuffle(shuffled)
    units = [
        encode("A " + "".join(map(chr, order[start : start + 6])) + "\u2019B\u00a0")
        for order in (codes, shuffled)
        for start in range(0, len(order), 6)
    ]
    keys = compiled_keys(units)
    left_to_python = sum(key is None for key in keys)
    assert left_to_python < len(units) / 4  # most of them were keyed in C
    for unit, key in zip(units, keys, strict=True):
        if key is not None:
            assert key == single(unit), unit


def test_no_character_that_can_compose_with_the_one_before_is_inert() -> None:
    seconds = {chr(code) for code in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))}
    for code in range(0x110000):
        mapping = unicodedata.decomposition(chr(code)).split()
        if len(mapping) == 2 and not mapping[0].startswith("<"):
            seconds.add(chr(int(mapping[1], 16)))
    assert not [char for char in seconds if is_inert(char)]


_alphabet = st.sampled_from(
    [
        *"aZ 9.,`'\t\r\n\x0b\x0c\x1c\x1f",
        *"éÉßİıſﬁ²½Å",  # precomposed, case and compatibility mappings
        "e\u0301",  # a letter and a combining mark: NFKC composes them
        "\u0301",
        "\u1100\u1161\u11a8",  # Hangul jamo compose into a syllable
        "\uac00",
        *"\u00a0\u2003\u3000\u0085\u2028\u1680",  # exotic whitespace
        *"\u00ad\u200b\ufeff",  # invisible
        *"\u2018\u2019\u201c\u201d\u2013\u2014\u2032\u2033\u00b4",  # folded punctuation
        *"ЖжΣσς中文한ア\uff21\uff41",
        "\U0001f600",
        "\ud800",  # a lone surrogate: invalid UTF-8 once encoded
    ]
)


@given(st.lists(st.lists(_alphabet, max_size=12).map("".join), max_size=6))
def test_compiled_keys_equal_python_keys(texts: list[str]) -> None:
    units = list(map(encode, texts))
    bulk = make_bulk_key_function(PROFILES["default"])
    assert bulk(units) == list(map(single, units))


@given(st.lists(st.binary(max_size=16), max_size=6))
def test_any_bytes_get_the_python_key(units: list[bytes]) -> None:
    bulk = make_bulk_key_function(PROFILES["default"])
    assert bulk(units) == list(map(single, units))


def test_units_that_are_not_simple_are_left_to_python() -> None:
    units = [
        "Caf\u00e9 \u201cok\u201d".encode(),
        "cafe\u0301".encode(),  # composes
        b"caf\xe9",  # Latin-1, not UTF-8
        "\u1100\u1161".encode(),  # jamo
    ]
    assert compiled_keys(units) == ['caf\u00e9 "ok"'.encode(), None, None, None]


def test_characters_met_for_the_first_time_are_worked_out_and_the_unit_retried() -> None:
    # Cyrillic, Hangul syllables, a ligature and CJK: four blocks, all new to the tables.
    unit = "\u041f\u0440\u0438\u0432\u0435\u0442 \uac00\ub098 \ufb01 \u4e2d\u6587".encode()
    assert compiled_keys([unit, b"Plain"]) == [single(unit), b"plain"]


def test_characters_met_later_in_a_block_are_worked_out_then() -> None:
    steps = (drop_invisible, nfkc, (casefold, fold_punctuation))
    tables = CharacterTables(*steps)
    keys = compiled_key_function(*steps, tables)
    assert keys is not None
    first = "Caf\u00e9 \u00bd".encode()
    assert keys([first]) == [single(first)]
    table = tables.blocks[0]
    assert table is not None
    (unmet,) = struct.unpack_from("I", table, 4 * 0xFC)  # ü: in the block, not met yet
    assert unmet & 0xFF == 254
    later = ["\u00fcber \u00ff \u00e9".encode(), "\u00c6on \u00bd".encode()]
    assert keys(later) == list(map(single, later))
    (met,) = struct.unpack_from("I", tables.blocks[0] or b"", 4 * 0xFC)
    assert met & 0xFF == len("\u00fc".encode())


def spans_of(units: list[bytes]) -> tuple[bytes, array[int], array[int]]:
    """The units joined by a newline, and the span of each in the joined body."""
    body = b"\n".join(units)
    starts, ends, at = array("q"), array("q"), 0
    for unit in units:
        starts.append(at)
        ends.append(at + len(unit))
        at += len(unit) + 1
    return body, starts, ends


@given(st.lists(st.lists(_alphabet, max_size=12).map("".join), max_size=6))
def test_span_keys_equal_the_keys_of_the_units(texts: list[str]) -> None:
    units = list(map(encode, texts))
    expected = list(map(single, units))
    for compiled in (True, False):
        span_keys = make_span_key_function(PROFILES["default"], compiled=compiled)
        assert span_keys(*spans_of(units)) == expected


# Units of several hundred bytes, mostly ASCII words, with the characters C leaves to
# Python among them: such a unit is keyed piece by piece, cut after ASCII whitespace.
_LONG_TEXT = st.lists(
    _alphabet | st.sampled_from(["word ", "x" * 60 + " ", "  \t", "\n"]), min_size=30, max_size=150
).map("".join)


@settings(max_examples=200)
@given(st.lists(_LONG_TEXT, max_size=4))
def test_span_keys_of_long_units_left_to_python_equal_their_keys(texts: list[str]) -> None:
    units = list(map(encode, texts))
    span_keys = make_span_key_function(PROFILES["default"])
    assert span_keys(*spans_of(units)) == list(map(single, units))


# Keys of every kind: ASCII runs with whitespace to collapse, letters that fold to other
# lengths, characters that C leaves to Python, and units long enough to pass a limit.
@settings(max_examples=300)
@given(st.lists(_LONG_TEXT | _alphabet, max_size=6), st.integers(0, 90), st.booleans())
# A key exactly as long as the limit, with whitespace and a dropped character after it.
@example(["word \u00ad"], 4, True)
@example(["Plain  text\t\u200b "], 10, True)
def test_keys_over_the_longest_key_come_back_empty_and_the_others_whole(
    texts: list[str], longest_key: int, compiled: bool
) -> None:
    units = list(map(encode, texts))
    span_keys = make_span_key_function(PROFILES["default"], compiled)
    expected = [key if len(key) <= longest_key else b"" for key in map(single, units)]
    assert span_keys(*spans_of(units), longest_key) == expected


def test_a_negative_longest_key_is_refused() -> None:
    steps = (drop_invisible, nfkc, (casefold, fold_punctuation))
    span_keys = compiled_span_key_function(*steps)
    assert span_keys is not None
    with pytest.raises(ValueError, match="longest_key"):
        span_keys(b"short", array("q", [0]), array("q", [5]), 100, -1)


def test_span_keys_work_out_new_characters_and_leave_long_units_to_python() -> None:
    steps = (drop_invisible, nfkc, (casefold, fold_punctuation))
    span_keys = compiled_span_key_function(*steps, CharacterTables(*steps))
    assert span_keys is not None
    units = ["\u041f\u0440\u0438 \u4e2d".encode(), b"Plain  text", b"Twelve bytes"]
    assert span_keys(*spans_of(units), 11) == [single(units[0]), b"plain text", None]


def test_span_keys_reject_spans_outside_the_body() -> None:
    steps = (drop_invisible, nfkc, (casefold, fold_punctuation))
    span_keys = compiled_span_key_function(*steps)
    assert span_keys is not None
    with pytest.raises(ValueError, match="outside the body"):
        span_keys(b"short", array("q", [0]), array("q", [6]), 100)
    with pytest.raises(ValueError, match="outside the body"):
        span_keys(b"short", array("q", [3]), array("q", [2]), 100)
    with pytest.raises(ValueError, match="differ in length"):
        span_keys(b"short", array("q", [0, 1]), array("q", [2]), 100)
    with pytest.raises(TypeError, match="array"):
        span_keys(b"short", array("i", [0]), array("q", [2]), 100)


# ASCII text long enough for the eight-byte steps of the C loop, at every alignment:
# single and double spaces, the other whitespace, and bytes the table changes.
@settings(max_examples=400)
@given(
    st.lists(
        st.sampled_from([*"aZ`.,", "word", " ", "  ", "\t", "\n", "\x1c", "\x0b"]), max_size=40
    )
)
def test_compiled_keys_of_long_ascii_text_equal_python_keys(pieces: list[str]) -> None:
    units = [piece.encode() for piece in ("".join(pieces), "x" + "".join(pieces))]
    assert compiled_keys(units) == list(map(single, units))
