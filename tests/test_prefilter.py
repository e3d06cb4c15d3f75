"""dedup._prefilter.flag_keys against its contract, written plainly in Python.

A key is flagged when it is one of the literals (and no longer than ``literal_max``),
or, no longer than ``short_max``, when it starts with a prefix, ends with a suffix, or
holds a needle with no more spaces than the needle allows (-1: any number). The C code
only adds ways of failing fast (bit maps, a scan that strides, a set of needles per
range of space counts), so it must flag exactly these keys. The flag is 1 for a literal,
else 2 for a prefix, 4 for a suffix and 8 for a needle, added up.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

flag_keys = pytest.importorskip("dedup._prefilter").flag_keys

Needle = tuple[bytes, int]


def flag_keys_in_python(
    keys: list[bytes],
    literals: dict[bytes, object],
    literal_max: int,
    short_max: int,
    prefixes: list[bytes],
    suffixes: list[bytes],
    needles: list[Needle],
) -> bytes:
    def flagged(key: bytes) -> int:
        if len(key) <= literal_max and key in literals:
            return 1
        if len(key) > short_max:
            return 0
        prefixed = any(key.startswith(prefix) for prefix in prefixes)
        suffixed = any(key.endswith(suffix) for suffix in suffixes)
        holding = any(
            needle in key and (most < 0 or key.count(b" ") <= most) for needle, most in needles
        )
        return 2 * prefixed | 4 * suffixed | 8 * holding

    return bytes(map(flagged, keys))


# A small alphabet (with the space that bounds count) so that keys hold the pieces.
_TEXT = st.binary(max_size=40).map(lambda raw: bytes(b" abc\xc3"[byte % 5] for byte in raw))
_PIECE = st.binary(min_size=1, max_size=8).map(
    lambda raw: bytes(b" abc\xc3"[byte % 5] for byte in raw)
)
_NEEDLE = st.tuples(
    st.binary(max_size=12).map(lambda raw: bytes(b" abc\xc3"[byte % 5] for byte in raw)),
    st.integers(-1, 6),
)


@settings(max_examples=400)
@given(
    st.lists(_TEXT, max_size=30),
    st.lists(_TEXT, max_size=4),
    st.integers(0, 40),
    st.integers(0, 40),
    st.lists(_PIECE, max_size=6),
    st.lists(_PIECE, max_size=6),
    st.lists(_NEEDLE, max_size=6),
)
@example(  # a needle of 9 bytes met at every offset of a stride of 6 (its length less 3)
    [b"x" * skip + b"abcabc bca" + b"x" * 3 for skip in range(8)],
    [],
    0,
    40,
    [],
    [],
    [(b"abcabc bc", -1)],
)
@example(  # one bounded needle, met in keys of one space too many and just enough
    [b"a b c a", b"a b c  a", b"aa bb"],
    [],
    0,
    40,
    [],
    [],
    [(b"c a", 3), (b"bb", 1), (b"abcd", -1)],
)
@example(  # affixes of every length class at the key's two ends, and keys shorter
    [b"a", b"ab", b"abc", b"abcd", b"abcdefgh", b"xbcdefgh", b"abcdefg", b"cba", b"hgfedcba"],
    [],
    0,
    40,
    [b"a", b"abc", b"abcdefgh"],
    [b"ba", b"dcba", b"c"],
    [],
)
def test_flag_keys_equals_its_contract(
    keys: list[bytes],
    literal_list: list[bytes],
    literal_max: int,
    short_max: int,
    prefixes: list[bytes],
    suffixes: list[bytes],
    needles: list[Needle],
) -> None:
    literals = dict.fromkeys(literal_list)
    expected = flag_keys_in_python(
        keys, literals, literal_max, short_max, prefixes, suffixes, needles
    )
    assert flag_keys(keys, literals, literal_max, short_max, prefixes, suffixes, needles) == (
        expected
    )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="1 to 8 bytes"):
        flag_keys([b"a"], {}, 0, 9, [b"123456789"], [], [])
    with pytest.raises(ValueError, match="1 to 8 bytes"):
        flag_keys([b"a"], {}, 0, 9, [b"ab"], [b""], [])
    with pytest.raises(TypeError, match="needles"):
        flag_keys([b"a"], {}, 0, 9, [], [], [b"ab"])
    with pytest.raises(TypeError, match="keys must be bytes"):
        flag_keys(["a"], {}, 0, 9, [], [], [])
