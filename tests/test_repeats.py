"""First copies and the copied runs behind repeated blocks: the C loops (dedup._repeats)
equal Python's."""

from __future__ import annotations

from array import array
from unittest.mock import patch

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup import cleaner as cleaner_module
from dedup import detectors, results
from dedup.detectors import copied_runs

pytest.importorskip("dedup._repeats")


def first_copies(fingerprints: list[int]) -> list[int]:
    first: dict[int, int] = {}
    return [first.setdefault(fp, position) for position, fp in enumerate(fingerprints)]


# Few distinct values, so that runs, and fingerprints with more than 16 copies, are common.
@given(st.lists(st.sampled_from([0, 1, 2, 3, 2**64 - 1]), max_size=120))
def test_compiled_runs_equal_python_runs(fingerprints: list[int]) -> None:
    first_of = first_copies(fingerprints)
    repeats = [position for position, first in enumerate(first_of) if first != position]
    in_python = copied_runs(fingerprints, first_of, repeats)  # a list: the Python loop
    in_c = copied_runs(array("Q", fingerprints), array("q", first_of), array("q", repeats))
    assert isinstance(in_c, array)
    assert list(in_c) == list(in_python)


def test_a_copied_paragraph_is_one_run() -> None:
    fingerprints = array("Q", [7, 8, 9, 1, 7, 8, 9])
    first_of = first_copies(list(fingerprints))
    assert list(copied_runs(fingerprints, array("q", first_of), array("q", [4, 5, 6]))) == [1, 2, 3]


def test_a_repeat_outside_the_fingerprints_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        copied_runs(array("Q", [1, 1]), array("q", [0, 0]), array("q", [5]))


@pytest.mark.parametrize("wrong", ["first_of", "repeats", "out"])
def test_an_array_of_the_wrong_type_is_refused(wrong: str) -> None:
    compiled = detectors._compiled
    assert compiled is not None
    arrays = {"first_of": array("q", [0, 0]), "repeats": array("q", [1]), "out": array("q", [0])}
    arrays[wrong] = array("i", arrays[wrong])
    with pytest.raises(TypeError, match=wrong):
        compiled.copied_runs(
            array("Q", [1, 1]), arrays["first_of"], arrays["repeats"], arrays["out"]
        )


@pytest.mark.parametrize(("later_copies", "run"), [(16, 2), (17, 1)])
def test_runs_follow_the_first_16_later_copies_only(later_copies: int, run: int) -> None:
    a, b, c, z = 1, 2, 3, 4
    # A's last later copy before "A B" is followed by the first B; "A B" then copies it
    # when that copy is among the first 16 of A.
    values = [a, z, *[a, c] * (later_copies - 1), a, b, a, b]
    first_of = first_copies(values)
    repeats = [position for position, first in enumerate(first_of) if first != position]
    for fingerprints in (values, array("Q", values)):
        runs = copied_runs(fingerprints, array("q", first_of), array("q", repeats))
        assert runs[-1] == run


@given(st.lists(st.sampled_from([0, 1, 2, 3, 2**64 - 1]) | st.integers(0, 2**64 - 1), max_size=300))
def test_compiled_first_copies_equal_python_first_copies(fingerprints: list[int]) -> None:
    first_of, repeats = detectors.first_copies(array("Q", fingerprints))
    assert list(first_of) == first_copies(fingerprints)
    in_python = detectors.first_copies(fingerprints)  # a list: the dict
    assert (list(first_of), list(repeats)) == (list(in_python[0]), list(in_python[1]))


@given(st.lists(st.sampled_from([0, 1, 2, 3, 2**64 - 1]), max_size=200), st.data())
def test_first_copies_among_active_units_equal_hashing_them(
    fingerprints: list[int], data: st.DataObject
) -> None:
    first_of_all, _ = detectors.first_copies(array("Q", fingerprints))
    kept = data.draw(
        st.lists(st.booleans(), min_size=len(fingerprints), max_size=len(fingerprints))
    )
    active = [unit for unit, keep in enumerate(kept) if keep]
    theirs = [fingerprints[unit] for unit in active]
    first_of, repeats = detectors.first_copies_among(first_of_all, active, array("Q", theirs))
    expected = detectors.first_copies(theirs)  # a list: the dict
    assert (list(first_of), list(repeats)) == (list(expected[0]), list(expected[1]))


@pytest.mark.parametrize(
    ("first_of_all", "active", "message"),
    [
        ([0, 1, 0], [2, 1], "ascending"),
        ([0, 1, 0], [1, 1], "ascending"),
        ([0, 1, 0], [0, 3], "ascending"),
        ([0, 2, 0], [1], "after its unit"),
        ([0, -1, 0], [1], "after its unit"),
    ],
)
def test_first_copies_among_refuses_what_is_no_first_copy(
    first_of_all: list[int], active: list[int], message: str
) -> None:
    compiled = detectors._compiled
    assert compiled is not None
    first_of = array("q", [0] * len(active))
    with pytest.raises(ValueError, match=message):
        compiled.first_copies_among(array("q", first_of_all), active, first_of)


def test_first_copies_among_needs_a_position_per_active_unit() -> None:
    compiled = detectors._compiled
    assert compiled is not None
    with pytest.raises(ValueError, match="one position per active unit"):
        compiled.first_copies_among(array("q", [0, 0]), [0, 1], array("q", [0]))


@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50), st.data())
def test_compiled_gather_equals_python_gather(values: list[int], data: st.DataObject) -> None:
    positions = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=60))
    gathered = detectors._gather(array("Q", values), positions)
    assert isinstance(gathered, array)
    assert list(gathered) == [values[position] for position in positions]


def test_a_position_outside_the_values_is_refused() -> None:
    with pytest.raises(IndexError, match="outside"):
        detectors._gather(array("Q", [1, 2]), [0, 2])


# Units with few distinct fingerprints (runs and stutters are common), key lengths around
# min_chars (10) and summing around block_min_chars (25), some protected; every unit
# active (the first pass) or some left out (a later one).
_UNIT = st.tuples(
    st.sampled_from([0, 1, 2, 3, 4]), st.integers(0, 14), st.booleans(), st.booleans()
)


@settings(max_examples=300)
@given(st.lists(_UNIT, max_size=60))
@example([(1, 10, False, False), (2, 3, False, False), (1, 10, False, False)])
@example([(1, 30, False, False), (2, 3, False, False), (1, 30, True, False)])
def test_compiled_repeats_equal_python_repeats(units: list[tuple[int, int, bool, bool]]) -> None:
    fingerprints = array("Q", [fingerprint for fingerprint, *_ in units])
    lengths = [length for _, length, *_ in units]
    protected = [is_protected for _, _, is_protected, _ in units]
    kept = [unit for unit, (*_, left_out) in enumerate(units) if not left_out]
    for active in (range(len(units)), kept):
        arguments = (active, fingerprints, None, lengths, protected, 10, 25)
        in_c = detectors.find_repeats(*arguments)
        assert all(type(finding) is detectors.Finding for finding in in_c.values())
        with patch.object(detectors, "_compiled", None):
            assert in_c == detectors.find_repeats(*arguments)


# Findings as the detectors make them: a rule, and for a repeat the unit of its kept copy.
_FINDINGS = st.dictionaries(
    st.integers(0, 29),
    st.tuples(st.sampled_from(["repeat", "boilerplate:x:en"]), st.none() | st.integers(0, 29)),
    max_size=30,
)


@settings(max_examples=300)
@given(_FINDINGS, st.integers(0, 3))
@example({0: ("repeat", 29), 29: ("repeat", None), 7: ("boilerplate:x:en", 0)}, 3)
def test_compiled_finding_columns_equal_python_columns(
    findings: dict[int, tuple[str, int | None]], offset: int
) -> None:
    starts = array("q", range(0, 300, 10))
    ends = array("q", range(7, 300, 10))
    compiled = results.finding_columns(findings, starts, ends, offset)
    with patch.object(results, "_compiled_finding_columns", None):
        in_python = results.finding_columns(findings, starts, ends, offset)
    assert compiled == in_python
    assert list(compiled.units) == sorted(findings)  # the test has teeth: units in order
    assert [compiled.units[i] for i in compiled.copied] == [
        unit for unit in sorted(findings) if findings[unit][1] is not None
    ]


@given(
    st.dictionaries(st.integers(0, 999), st.sampled_from([("repeat", 3), ("x", None)]), max_size=80)
)
def test_finding_columns_of_few_findings_among_many_units_equal_python_columns(
    findings: dict[int, tuple[str, int | None]],
) -> None:
    # Fewer findings than a sixteenth of the units are sorted; more are put in order by
    # unit: both ways give Python's columns.
    starts, ends = array("q", range(0, 3000, 3)), array("q", range(2, 3000, 3))
    compiled = results.finding_columns(findings, starts, ends, 0)
    with patch.object(results, "_compiled_finding_columns", None):
        assert compiled == results.finding_columns(findings, starts, ends, 0)
    assert list(compiled.units) == sorted(findings)


def test_finding_columns_refuse_a_unit_outside_the_spans() -> None:
    spans = array("q", [0, 5]), array("q", [4, 9])
    for findings in ({2: ("repeat", None)}, {1: ("repeat", 2)}, {-1: ("repeat", None)}):
        with pytest.raises(IndexError):
            results.finding_columns(findings, *spans, 0)
    with pytest.raises(TypeError):
        results.finding_columns({1: ("repeat",)}, *spans, 0)


@given(st.lists(st.booleans(), max_size=40), st.data())
def test_units_still_kept_are_read_off_their_flags(flags: list[bool], data: st.DataObject) -> None:
    kept = bytearray(flags)
    units = sorted(data.draw(st.sets(st.integers(0, max(len(flags) - 1, 0)))) if flags else [])
    expected = [unit for unit in units if flags[unit]]
    assert cleaner_module.kept_among(units, kept) == expected
    with patch.object(cleaner_module, "_compiled_still_kept", None):
        assert cleaner_module.kept_among(units, kept) == expected
    every = [unit for unit, flag in enumerate(flags) if flag]
    assert cleaner_module.kept_among(range(len(flags)), kept) == every
    with patch.object(cleaner_module, "_compiled_kept_positions", None):
        assert cleaner_module.kept_among(range(len(flags)), kept) == every


def test_any_flag_but_0_keeps_a_unit() -> None:
    flags = bytearray(b"\x00\x02\xff\x01")
    assert cleaner_module.kept_among(range(4), flags) == [1, 2, 3]
    assert cleaner_module.kept_among([0, 1, 2], flags) == [1, 2]


def test_still_kept_refuses_a_unit_outside_the_flags() -> None:
    from dedup._repeats import still_kept

    with pytest.raises(IndexError):
        still_kept([0, 3], bytearray(b"\1\1\1"))
    with pytest.raises(IndexError):
        still_kept([-1], bytearray(b"\1"))


@given(
    st.lists(
        st.tuples(st.sampled_from(["repeat", "boilerplate:x:en", "pattern:1"]), st.integers(0, 9)),
        max_size=30,
    )
)
def test_compiled_rule_totals_equal_python_totals(decided: list[tuple[str, int]]) -> None:
    # Spans of the data "aé" repeated: one or two bytes per character, and an invalid
    # byte (counted as one character, as "replace" decoding counts it).
    data = "a\u00e9".encode() * 20 + b"\xff" * 5
    starts = [5 * position % 60 for position in range(len(decided))]
    ends = [start + size for start, (_, size) in zip(starts, decided, strict=True)]
    decisions = [
        results.Decision(unit, start, end, 1, 1, rule)
        for unit, (start, end, (rule, _)) in enumerate(zip(starts, ends, decided, strict=True))
    ]
    compiled = results.CleanResult("doc", data, data, 0, decisions).rule_totals()
    with patch.object(results, "_compiled_rule_totals", None):
        in_python = results.CleanResult("doc", data, data, 0, decisions).rule_totals()
    assert compiled == in_python
    assert list(compiled) == list(dict.fromkeys(rule for rule, _ in decided))  # first seen
    assert sum(total.units for total in compiled.values()) == len(decided)


@given(st.dictionaries(st.integers(0, 19), st.none(), max_size=20))
def test_units_are_unmarked_in_c_as_in_python(units: dict[int, None]) -> None:
    flags = bytearray(b"\1") * 20
    cleaner_module._unmark(flags, units)
    expected = bytearray(b"\1") * 20
    with patch.object(cleaner_module, "_compiled_unmark", None):
        cleaner_module._unmark(expected, units)
    assert flags == expected == bytearray(unit not in units for unit in range(20))


def test_unmark_refuses_a_unit_outside_the_flags() -> None:
    from dedup._repeats import unmark

    with pytest.raises(IndexError):
        unmark(bytearray(3), {3: None})


def test_rule_totals_merge_equal_rule_names_that_are_not_one_object() -> None:
    from dedup._repeats import rule_totals

    other = "".join(["rep", "eat"])  # equal to "repeat", made apart
    assert other is not "repeat"  # noqa: F632 - the point of the test
    spans = array("q", [0, 2, 4]), array("q", [1, 3, 5]), array("q", [1, 1, 1])
    assert rule_totals(["repeat", "x", other], *spans) == {"repeat": [2, 2, 2], "x": [1, 1, 1]}


def test_rule_totals_of_a_rule_that_is_not_a_str_are_summed_in_python() -> None:
    data = b"abcdef"
    odd_rule: object = 7
    decisions = [
        results.Decision(0, 0, 2, 1, 1, "repeat"),
        results.Decision(1, 2, 5, 1, 1, odd_rule),  # type: ignore[arg-type]
    ]
    totals: dict[object, results.RuleTotal] = dict(
        results.CleanResult("doc", data, b"f", 2, decisions).rule_totals()
    )
    assert totals == {"repeat": results.RuleTotal(1, 2, 2), 7: results.RuleTotal(1, 3, 3)}
