"""Fuzzing the promises of design.md over arbitrary bytes and layouts, per unit mode.

``check_promises`` is the oracle; ``bench/fuzz.py`` runs the same oracle with a large
budget (``python bench/fuzz.py --budget 10000``). Here each mode gets a small budget so
that the test suite stays fast; the last test runs the script itself with a tiny budget
so CI exercises it too.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import CleanConfig, Cleaner
from dedup.cleaner import is_structural
from dedup.nested import NESTED
from dedup.segment import Segmentation, segment

from .conftest import ROOT

UNITS = ("auto", "line", "paragraph", "sentence")

# Units that make repeats, blocks, boilerplate, sentences and odd bytes likely.
_POOL = [
    b"The committee met on Tuesday to discuss the budget for next year.",
    b"the committee met on tuesday   to discuss the budget for next year.",
    b"Residents may comment until March. Mr. Smith disagreed! Why?",
    b"Yes.",
    b"* * *",
    b"Home",
    b"No comments:",
    b"Post a Comment",
    b"Share this:",
    b"Caf\xc3\xa9 cr\xe8me br\xfbl\xe9e in Latin-1, kept as it is.",
    b"Invalid \xff\xfe\x80 bytes and a NUL \x00 inside a line.",
    "Привет мир. Как дела? Всё хорошо.".encode(),
    "第一句。第二句！第三句？".encode(),
    b"\xef\xbb\xbfa stray BOM inside",
    b"  indented line with trailing spaces   ",
    b"\t",
    b"",
]
_SEPARATORS = [b"\n", b"\r\n", b"\r", b"\n\n", b"\r\n\r\n", b" ", b"\n \n", b"\t\n", b"\n\r"]

_units = st.one_of(
    st.sampled_from(_POOL),
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """Arbitrary bytes, or units from a small pool joined by arbitrary line layouts."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=300))
    # A few distinct units, reused, so that repeats and repeated blocks are common.
    pool = draw(st.lists(_units, min_size=1, max_size=8))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), max_size=30))
    parts: list[bytes] = []
    for pick in picks:
        parts.append(pool[pick])
        parts.append(draw(st.sampled_from(_SEPARATORS)))
    data = b"".join(parts)
    if draw(st.booleans()):
        data = data.rstrip(b"\r\n")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


configs = st.builds(
    CleanConfig,
    unit=st.sampled_from(UNITS),
    boilerplate=st.booleans(),
    min_chars=st.sampled_from([0, 1, 5, 20]),
    block_min_chars=st.sampled_from([0, 10, 40]),
    profile=st.sampled_from(["default", "default", "loose", "exact"]),
)


def _is_deletion(seg: Segmentation, output: bytes, kept: list[int]) -> bool:
    """True when output = prefix, the kept units byte for byte, each separated by one of
    the original gaps between them, and the suffix: the input with whole units deleted."""
    body, starts, ends = seg.body, seg.starts, seg.ends
    if not output.startswith(seg.bom):
        return False
    out = output[len(seg.bom) :]
    if not starts:
        return out == body
    if not kept:
        return out == b""
    head = body[: starts[0]] + body[starts[kept[0]] : ends[kept[0]]]
    tail = body[ends[-1] :]
    if not (out.startswith(head) and out.endswith(tail)) or len(out) < len(head) + len(tail):
        return False

    @cache
    def rest_matches(index: int, position: int) -> bool:
        if index == len(kept) - 1:
            return position == len(out) - len(tail)
        left, right = kept[index], kept[index + 1]
        unit = body[starts[right] : ends[right]]
        gaps = {body[ends[gap] : starts[gap + 1]] for gap in range(left, right)}
        return any(
            out.startswith(gap + unit, position)
            and rest_matches(index + 1, position + len(gap) + len(unit))
            for gap in gaps
        )

    return rest_matches(0, len(head))


def check_promises(data: bytes, config: CleanConfig) -> None:
    """Assert the promises of design.md for one input under one config."""
    result = Cleaner(config).clean(data, "doc")
    seg = segment(data, config.unit)
    removed = {decision.unit for decision in result.decisions}
    kept = [index for index in range(len(seg)) if index not in removed]

    # 1. It only deletes: whole units, and what is kept is byte for byte the input.
    assert _is_deletion(seg, result.output, kept), "output is not a deletion of whole units"
    assert len(result.decisions) == len(removed), "a unit was removed twice"

    # 2. Idempotent.
    again = Cleaner(config).clean(result.output, "doc").output
    assert again == result.output, "cleaning the output changed it"

    # 3. Keep-first: a kept copy is never after the copy removed in its favour (a
    # wrapper line is no copy: it goes in favour of its pieces, the units after it)...
    for decision in result.decisions:
        if decision.kept is None:
            continue
        if decision.rule == NESTED:
            assert decision.kept.line >= decision.end_line, "a wrapper's pieces come before it"
        else:
            assert decision.kept.line <= decision.line, "kept copy comes after the removed one"
    if config.boilerplate:
        return
    # ...and without boilerplate rules, of every long repeated unit exactly the first
    # copy is kept.
    cleaner = Cleaner(config)
    first_of: dict[bytes, int] = {}
    for index in range(len(seg)):
        key = cleaner.key(seg.unit(index))
        text = key.decode("utf-8", "surrogateescape")
        if len(text) < config.min_chars or is_structural(key):
            continue
        first = first_of.setdefault(key, index)
        assert (index in removed) == (index != first), f"unit {index} vs its first copy {first}"


def fuzz_settings(budget: int, derandomize: bool = False) -> settings:
    return settings(
        max_examples=budget,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=derandomize,
        database=None,
    )


@pytest.mark.parametrize("unit", UNITS)
def test_promises_hold_on_arbitrary_input(unit: str) -> None:
    # Derandomized so that the suite is stable; bench/fuzz.py explores at random.
    @fuzz_settings(150, derandomize=True)
    @given(documents(), configs)
    def run(data: bytes, config: CleanConfig) -> None:
        check_promises(data, replace(config, unit=unit))

    run()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n\n",
        b"\r\r\r",
        b"\x00",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbf\n",
        b"no newline at the end of this rather long line",
        b"same line that is long enough\rsame line that is long enough\r",
        b"same line that is long enough\r\nsame line that is long enough\n",
    ],
)
@pytest.mark.parametrize("unit", UNITS)
def test_promises_hold_on_edge_cases(data: bytes, unit: str) -> None:
    check_promises(data, CleanConfig(unit=unit))
    check_promises(data, CleanConfig(unit=unit, boilerplate=False, min_chars=0))


_SENTENCE = b"The committee met on Tuesday to discuss the budget for next year."


def test_sentence_mode_idempotence_counterexample() -> None:
    """Found by bench/fuzz.py: a sentence glued to a structural tail ('* * *' after a
    lone CR) used to be cut differently once its earlier copies were gone."""
    data = (_SENTENCE + b"\n") * 5 + b"\n" + _SENTENCE + b"\n" + _SENTENCE + b"\r* * *\n"
    data += _SENTENCE + b"\n"
    config = CleanConfig(unit="sentence", boilerplate=False, min_chars=0, block_min_chars=0)
    check_promises(data, config)


def test_fuzz_script_runs_with_a_small_budget() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fuzz.py"), "--budget", "20", "--seed", "0"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "0 failures" in completed.stdout
