from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.normalize import (
    PROFILES,
    get_profile,
    key_text,
    make_bulk_key_function,
    make_key_function,
)

default_key = make_key_function(PROFILES["default"])


@pytest.mark.parametrize(
    ("variant", "original"),
    [
        ("The  end\u00a0is near.", "The end is near."),  # spaces and NBSP
        ("THE END IS NEAR.", "The end is near."),  # case
        ("The end is ne\u200bar.", "The end is near."),  # zero-width space
        ("The end is ne\u00adar.", "The end is near."),  # soft hyphen
        ("It\u2019s \u201cnear\u201d", 'It\'s "near"'),  # curly quotes
        ("1990\u20131999", "1990-1999"),  # en dash
        ("\uff11\uff19\uff19\uff10", "1990"),  # full-width digits
        ("  The end is near.  \r", "The end is near."),  # trailing whitespace and CR
        ("Stra\u00dfe", "STRASSE"),  # case folding beyond ASCII
    ],
)
def test_variants_share_a_key(variant: str, original: str) -> None:
    assert default_key(variant.encode()) == default_key(original.encode())


@pytest.mark.parametrize(
    ("one", "other"),
    [("The end is near.", "The end is nearer."), ("3 comments", "4 comments"), ("cafe", "café")],
)
def test_different_text_different_key(one: str, other: str) -> None:
    assert default_key(one.encode()) != default_key(other.encode())


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_fast_path_equals_full_pipeline(text: str) -> None:
    assert default_key(text.encode()) == key_text(text).encode()


@given(st.binary(max_size=60))
def test_key_is_total_on_arbitrary_bytes(raw: bytes) -> None:
    assert isinstance(default_key(raw), bytes)


# Units as a scraper hands them over: ASCII with every kind of whitespace run, any text,
# and invalid UTF-8.
_unit = st.one_of(
    st.lists(
        st.sampled_from(["a", "B", " ", "  ", "\t", "\r", "\n", "\x0b", "\x0c", "\x1f", "`"])
    ).map(lambda parts: "".join(parts).encode()),
    st.text().map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=12),
)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
@pytest.mark.parametrize("profile", list(PROFILES))
@given(units=st.lists(_unit, max_size=8))
def test_bulk_keys_equal_one_by_one(profile: str, compiled: bool, units: list[bytes]) -> None:
    single = make_key_function(PROFILES[profile])
    bulk = make_bulk_key_function(PROFILES[profile], compiled=compiled)
    assert bulk(units) == list(map(single, units))


def test_loose_profile_folds_digits_and_punctuation() -> None:
    loose = make_key_function(get_profile("loose"))
    assert loose(b"3 comments:") == loose(b"12 Comments")


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(KeyError, match="default"):
        get_profile("nope")
