"""Golden boilerplate cases (tests/cases/boilerplate.json) per platform and language, and
negative cases: article text with platform words in it that must survive."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup import Cleaner, boilerplate, clean_text
from dedup.boilerplate import (
    _PLACEHOLDER,
    EDGE,
    STRONG,
    WEAK,
    Rule,
    builtin_matcher,
    load_entries,
)
from dedup.detectors import find_boilerplate
from dedup.normalize import get_profile, make_key_function

CASES = json.loads((Path(__file__).parent / "cases" / "boilerplate.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_boilerplate_case(case: dict[str, str]) -> None:
    data = case["input"].encode()
    assert clean_text(data).decode() == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_boilerplate_case_is_stable(case: dict[str, str]) -> None:
    expected = case["expected"].encode()
    assert clean_text(expected) == expected


def test_removals_name_platform_and_language() -> None:
    case = next(c for c in CASES if c["name"] == "wordpress-ru")
    rules = Cleaner().clean(case["input"].encode()).rule_counts()
    assert set(rules) == {"boilerplate:wordpress:ru"}


def test_library_is_broad() -> None:
    entries = load_entries()
    languages: dict[str, set[str]] = {}
    for entry in entries:
        languages.setdefault(entry.platform, set()).add(entry.lang)
        assert entry.strength in (STRONG, WEAK, EDGE)
    assert len(languages["wordpress"]) >= 22
    assert len(languages["klaro"]) >= 20
    assert len(languages["jetpack"]) >= 15
    assert len(languages["blogger"]) >= 15
    assert len(set().union(*languages.values())) >= 25


def test_every_library_file_names_its_source() -> None:
    folder = Path(__file__).parent.parent / "dedup" / "data" / "boilerplate"
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text("utf-8"))
        assert data["source"].strip(), path.name
        assert data["entries"], path.name


def test_a_strong_match_does_not_take_a_long_run_of_short_lines_after_it() -> None:
    # A list or a poem is all short lines; a footer sentence quoted near its start must
    # not turn the rest of it into the footer's filler.
    verses = b"".join(b"verse %d of the list\n" % number for number in range(200))
    text = b"Subscribe to: Post Comments (Atom)\n" + verses
    assert clean_text(text) == verses


def test_a_footer_still_takes_the_few_short_lines_after_it() -> None:
    article = b"A paragraph of the article that is long enough to stay where it is.\n"
    footer = b"Subscribe to: Post Comments (Atom)\nJane Doe\nMarch 2019\n"
    assert clean_text(article + footer) == article


_SAMPLES = {"n": "12", "name": "Ann Lee", "time": "10:30", "date": "3 nov. 2019", "any": "a b"}


@cache
def _library_keys() -> list[bytes]:
    """Keys of every text of the library with its placeholders filled, and pieces of them."""
    key = make_key_function(get_profile("default"))
    keys = []
    for entry in load_entries():
        if entry.is_regex:
            keys += [key(f"we use {hint} files".encode()) for hint in entry.hints]
            continue
        text = _PLACEHOLDER.sub(lambda m: _SAMPLES[m.group(1)], entry.text)
        whole = key(text.replace("{{", "{").replace("}}", "}").encode())
        keys += [whole, whole[:40], whole[4:], whole + b" more", b"x " + whole]
    return keys


@pytest.mark.skipif(boilerplate._compiled_prefilter is None, reason="not built")
@given(st.lists(st.sampled_from(_library_keys()) | st.binary(max_size=20), max_size=6))
def test_the_c_prefilter_leaves_out_no_key_that_matches(pieces: list[bytes]) -> None:
    matcher = builtin_matcher("default")
    keys = [*_library_keys()[:200], b" ".join(pieces), b"".join(pieces)]
    assert matcher.match_many(keys) == matcher._match_each(keys)


@pytest.mark.skipif(boilerplate._compiled_prefilter is None, reason="not built")
def test_the_c_prefilter_keeps_every_library_key_that_matches() -> None:
    matcher = builtin_matcher("default")
    keys = _library_keys()
    expected = matcher._match_each(keys)
    assert sum(rule is not None for rule in expected) > len(keys) / 3  # the test has teeth
    assert matcher.match_many(keys) == expected


_RULE_OR_NONE = st.sampled_from(
    [None, None, Rule("boilerplate:x:en", STRONG), Rule("boilerplate:x:en", WEAK)]
)


@given(
    st.lists(st.tuples(_RULE_OR_NONE, st.booleans(), st.booleans()), max_size=40),
    st.tuples(st.booleans(), st.booleans()),
)
def test_regions_from_the_ruled_units_equal_regions_from_every_unit(
    units: list[tuple[Rule | None, bool, bool]], edges: tuple[bool, bool]
) -> None:
    rules = [rule for rule, _, _ in units]
    short = [is_short for _, is_short, _ in units]
    ruled = [unit for unit, rule in enumerate(rules) if rule is not None]
    for active in (range(len(units)), [unit for unit, (*_, kept) in enumerate(units) if kept]):
        expected = find_boilerplate(active, rules, short, edges, max_filler_run=2, max_tail=5)
        found = find_boilerplate(
            active, rules, short, edges, max_filler_run=2, max_tail=5, ruled=ruled
        )
        assert found == expected
