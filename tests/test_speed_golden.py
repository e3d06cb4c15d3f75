"""Outputs and decisions recorded from the code before the speed work: they must not move.

The fast paths (fused line loop, ASCII shortcuts, skipped fixpoint passes, worker
processes) are only allowed if they give exactly these bytes and these decisions.
``bench/snapshot.py`` runs the same check over the whole dev bench.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.cleaner import Cleaner, CleanResult
from dedup.config import CleanConfig

DATA = Path(__file__).parent / "data" / "speed"
UNITS = ["auto", "line", "paragraph", "sentence"]


def describe(result: CleanResult) -> str:
    lines = [
        f"{d.start} {d.end} {d.line} {d.end_line} {d.rule} "
        + (f"{d.kept.document}:{d.kept.line}" if d.kept else "-")
        for d in result.decisions
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("name", ["seed", "mixed"])
def test_document_scope_unchanged(name: str, unit: str) -> None:
    result = Cleaner(CleanConfig(unit=unit)).clean((DATA / f"{name}.txt").read_bytes(), name)
    assert result.output == (DATA / f"{name}.{unit}.out").read_bytes()
    assert describe(result) == (DATA / f"{name}.{unit}.decisions").read_text()


def test_batch_scope_unchanged() -> None:
    cleaner = Cleaner(CleanConfig(scope="batch"))
    for index, name in enumerate(["mixed", "seed", "mixed"]):
        result = cleaner.clean((DATA / f"{name}.txt").read_bytes(), f"{index}-{name}")
        assert result.output == (DATA / f"batch.{index}.out").read_bytes()
        expected = (DATA / f"batch.{index}.decisions").read_text()
        assert describe(result) == expected
