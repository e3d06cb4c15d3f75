"""Golden cases: every file in samples/input cleans to samples/expected, and is stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup import Cleaner, clean_text

from .conftest import SAMPLES

CASES = sorted(path.name for path in (SAMPLES / "input").glob("*.txt"))


def test_there_are_samples() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("name", CASES)
def test_sample_cleans_to_expected(name: str) -> None:
    data = (SAMPLES / "input" / name).read_bytes()
    expected = (SAMPLES / "expected" / name).read_bytes()
    assert clean_text(data) == expected


@pytest.mark.parametrize("name", CASES)
def test_sample_is_stable(name: str) -> None:
    expected = (SAMPLES / "expected" / name).read_bytes()
    assert clean_text(expected) == expected


def test_seed_keeps_its_54_distinct_lines_in_order(seed_bytes: bytes) -> None:
    result = Cleaner().clean(seed_bytes, "seed")
    kept = [line for line in result.output.split(b"\n") if line.strip()]
    assert len(kept) == 54
    distinct: list[bytes] = []
    for line in seed_bytes.split(b"\n"):
        if line.strip() and line not in distinct:
            distinct.append(line)
    footer = [b"Aucun commentaire:", b"Enregistrer un commentaire"]
    assert kept == [line for line in distinct if line not in footer]


def test_seed_decisions_name_rules_and_kept_copies(seed_bytes: bytes) -> None:
    result = Cleaner().clean(seed_bytes, "seed")
    rules = result.rule_counts()
    assert rules["boilerplate:blogger:fr"] == 2
    lines = seed_bytes.split(b"\n")
    for decision in result.decisions:
        removed = seed_bytes[decision.start : decision.end]
        assert removed == lines[decision.line - 1]
        if decision.rule.startswith("repeat"):
            assert decision.kept is not None
            assert decision.kept.line < decision.line
            assert lines[decision.kept.line - 1] == removed


def test_expected_files_exist_for_every_input() -> None:
    assert sorted(p.name for p in Path(SAMPLES / "expected").glob("*.txt")) == CASES
