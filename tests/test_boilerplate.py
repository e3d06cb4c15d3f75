"""Golden boilerplate cases (tests/cases/boilerplate.json) per platform and language, and
negative cases: article text with platform words in it that must survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup import Cleaner, clean_text
from dedup.boilerplate import EDGE, STRONG, WEAK, load_entries

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
    assert len(languages["wordpress"]) >= 20
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
