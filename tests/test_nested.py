"""Wrapper lines (a scraper's nested elements): the ``repeat-nested`` rule."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup import Cleaner, clean_text, nested
from dedup.nested import AdjacentPairs

TITLE = "Cycle lanes approved for the high street"
BODY_A = "The council approved the new cycle lanes after a long debate on Tuesday night."
BODY_B = "Work on the first section will start in the spring of next year, officials said."
CAPTION = "The high street on a Saturday morning."
CREDIT = "Photo: J. Smith / City Archive"


def lines(*items: str) -> bytes:
    return "".join(item + "\n" for item in items).encode()


def test_wrapper_holding_a_share_bar_goes_and_its_pieces_stay() -> None:
    wrapper = f"{TITLE} {BODY_A} {BODY_B} Share this: Facebook X"
    data = lines(wrapper, TITLE, BODY_A, BODY_B, "Share this:", "Facebook", "X")
    result = Cleaner().clean(data, "page")
    assert result.output.decode().splitlines()[:3] == [TITLE, BODY_A, BODY_B]
    (nested,) = [d for d in result.decisions if d.rule == "repeat-nested"]
    assert nested.line == 1
    assert nested.kept is not None and nested.kept.line == 2  # its first piece


def test_nested_wrappers_go_when_an_inner_piece_is_chrome() -> None:
    article = f"{BODY_A} {BODY_B}"
    page = f"{article} Leave a Reply Your email address will not be published."
    data = lines(
        page,
        article,
        BODY_A,
        BODY_B,
        "Leave a Reply Your email address will not be published.",
        "Leave a Reply",
        "Your email address will not be published.",
    )
    output = clean_text(data)
    assert output.decode().splitlines()[:3] == [article, BODY_A, BODY_B]


def test_wrapper_of_prose_alone_stays() -> None:
    figure = f"{CAPTION} {CREDIT}"
    data = lines(TITLE, figure, CAPTION, CREDIT, BODY_A, BODY_B)
    assert clean_text(data) == data


def test_line_that_only_starts_like_the_next_ones_stays() -> None:
    # The first line is not made of the lines after it: "Share this:" is a strong match,
    # but nothing here is a wrapper.
    data = lines(f"{BODY_A} More on this story soon.", BODY_A, "Share this:", BODY_B)
    output = clean_text(data)
    assert output.decode().splitlines() == [f"{BODY_A} More on this story soon.", BODY_A, BODY_B]


def test_wrapper_with_other_separators_and_letters_beyond_ascii() -> None:
    wrapper = "Le conseil a approuvé les pistes cyclables. — Partager : Facebook"
    data = lines(wrapper, "Le conseil a approuvé les pistes cyclables.", "Partager :", "Facebook")
    result = Cleaner().clean(data)
    assert [d.rule for d in result.decisions if d.line == 1] == ["repeat-nested"]
    assert b"Le conseil a approuv\xc3\xa9 les pistes cyclables.\n" in result.output


def test_cleaning_twice_changes_nothing() -> None:
    wrapper = f"{TITLE} {BODY_A} Share this: Facebook"
    data = lines(TITLE, wrapper, TITLE, BODY_A, "Share this:", "Facebook", BODY_B)
    once = clean_text(data)
    assert clean_text(once) == once


MENU = ["News", "Sport", "Business", "Culture", "Travel", "Weather", "Video", "Contact"]


def test_wrapper_holding_a_menu_goes() -> None:
    page = " ".join([*MENU, BODY_A, BODY_B])
    data = lines(page, *MENU, BODY_A, BODY_B)
    result = Cleaner().clean(data)
    assert [d.rule for d in result.decisions] == ["repeat-nested"]
    assert result.output == lines(*MENU, BODY_A, BODY_B)


def test_wrapper_of_a_short_list_in_an_article_stays() -> None:
    steps = ["Preheat the oven", "Butter the tin", "Mix the flour and sugar"]
    recipe = " ".join([BODY_A, *steps])
    data = lines(recipe, BODY_A, *steps)
    assert clean_text(data) == data


# Keys that often start one another: few letters, punctuation, and characters beyond ASCII
# (where a head may cut a character in two), some of them not letters; and a few keys
# that are not UTF-8 at all.
_KEY = st.text(alphabet="ab :-é中—·", max_size=60).map(str.encode) | st.binary(max_size=60)


@contextmanager
def _in_python(python: bool) -> Iterator[None]:
    """Run the neighbour tests in Python (as without the extension), or as they are."""
    names = ["_compiled_tests", "_compiled_candidates"] if python else []
    with ExitStack() as stack:
        for name in names:
            stack.enter_context(patch.object(nested, name, None))
        yield


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
@given(keys=st.lists(_KEY, min_size=2, max_size=40), data=st.data())
def test_bulk_neighbour_test_equals_one_pair_at_a_time(
    compiled: bool, keys: list[bytes], data: st.DataObject
) -> None:
    if compiled and nested._compiled_tests is None:
        pytest.skip("dedup._nested is not built")
    with _in_python(not compiled):
        _check_candidates(keys, data)


def _check_candidates(keys: list[bytes], data: st.DataObject) -> None:
    pairs = AdjacentPairs(keys)
    count = len(keys)
    assert pairs.candidates(range(count), 0) == [
        unit for unit in range(count - 1) if pairs.may_wrap(unit, unit + 1)
    ]
    # After removals, units that became neighbours are tested anew.
    kept = data.draw(st.lists(st.booleans(), min_size=count, max_size=count))
    active = [unit for unit in range(count) if kept[unit]]
    expected = [
        position
        for position in range(len(active) - 1)
        if pairs.may_wrap(active[position], active[position + 1])
    ]
    assert pairs.candidates(active, 0) == expected


@pytest.mark.skipif(nested._compiled_tests is None, reason="dedup._nested is not built")
@pytest.mark.parametrize(
    "keys",
    [
        [b"bbbbbbbb", "a—".encode()],  # one letter and a wide byte: it starts anything
        [b": : : : -", b"a"],  # a head with no letter at all: anything starts it
        [b"bbbbbbbb", b"- -"],  # a following head with no letter starts nothing
        ["bébbbbbb".encode(), b"ab"],
        [b"bbbbbbbb", b"ab"],
    ],
)
def test_compiled_neighbour_tests_at_the_first_letter(keys: list[bytes]) -> None:
    compiled = AdjacentPairs(keys).candidates(range(len(keys)), 0)
    with _in_python(True):
        assert AdjacentPairs(keys).candidates(range(len(keys)), 0) == compiled


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_heads_are_compared_on_their_first_48_bytes(compiled: bool) -> None:
    if compiled and nested._compiled_tests is None:
        pytest.skip("dedup._nested is not built")
    same = b"a" * 47
    keys = [same + b"b and more words", same + b"c", same + b"d words", same + b"d"]
    with _in_python(not compiled):
        # Pair 0-1 differs in the 48th byte; pair 2-3 only after it.
        assert AdjacentPairs(keys).candidates(range(4), 0) == [2]


@pytest.mark.skipif(nested._compiled_skeleton is None, reason="dedup._nested is not built")
@given(_KEY | st.text().map(lambda text: text.encode("utf-8", "surrogatepass")))
def test_compiled_skeleton_equals_python_skeleton(key: bytes) -> None:
    assert nested.skeleton(key) == nested._skeleton_in_python(key)
