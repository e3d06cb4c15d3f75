from __future__ import annotations

import gc
import pickle
from unittest.mock import patch

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dedup import CleanConfig, Cleaner, clean_text
from dedup import cleaner as cleaner_module
from dedup import results as results_module
from dedup.cleaner import is_structural, structural_flags
from dedup.render import cut

LONG_A = b"The council approved the new cycle lanes after a long debate."
LONG_B = b"Work on the first section will start in the spring of next year."
LONG_C = b"Shop owners on the high street had asked for more parking instead."


def lines(*items: bytes) -> bytes:
    return b"\n".join(items) + b"\n"


def test_repeats_are_dropped_keep_first() -> None:
    data = lines(LONG_A, LONG_B, LONG_A)
    result = Cleaner().clean(data, "doc")
    assert result.output == lines(LONG_A, LONG_B)
    (decision,) = result.decisions
    assert decision.rule == "repeat"
    assert decision.line == 3
    assert decision.kept is not None and decision.kept.line == 1


def test_short_legit_repeats_survive() -> None:
    data = lines(b"Yes.", LONG_A, b"Yes.", LONG_B, b"* * *", LONG_C, b"* * *")
    assert clean_text(data) == data


def test_adjacent_stutter_of_a_short_unit_goes() -> None:
    assert clean_text(lines(LONG_A, b"Story Timeline", b"Story Timeline")) == lines(
        LONG_A, b"Story Timeline"
    )


def test_repeated_block_of_short_units_goes_whole() -> None:
    block = [b"Email This", b"Share to Twitter", b"Share to Facebook"]
    data = lines(*block, LONG_A, *block)
    result = Cleaner(CleanConfig(boilerplate=False)).clean(data)
    assert result.output == lines(*block, LONG_A)
    assert {d.rule for d in result.decisions} == {"repeat-block"}


def test_min_chars_controls_what_counts_as_short() -> None:
    data = lines(b"Short line here", LONG_A, b"Short line here")
    assert clean_text(data) == data
    assert clean_text(data, CleanConfig(min_chars=5)) == lines(b"Short line here", LONG_A)


def test_weak_boilerplate_in_the_middle_stays() -> None:
    data = lines(LONG_A, b"Home", LONG_B, b"Share", b"Comments", LONG_C)
    assert clean_text(data) == data


def test_footer_region_goes_with_its_weak_words() -> None:
    data = lines(LONG_A, LONG_B, b"No comments:", b"Post a Comment", b"Home")
    result = Cleaner().clean(data)
    assert result.output == lines(LONG_A, LONG_B)
    assert {d.rule for d in result.decisions} == {"boilerplate:blogger:en"}


def test_batch_scope_drops_units_kept_in_earlier_documents() -> None:
    cleaner = Cleaner(CleanConfig(scope="batch"))
    cleaner.clean(lines(LONG_A, LONG_B), "a.txt")
    second = cleaner.clean(lines(LONG_C, LONG_A), "b.txt")
    assert second.output == lines(LONG_C)
    (decision,) = second.decisions
    assert decision.rule == "repeat-batch"
    assert decision.kept is not None
    assert (decision.kept.document, decision.kept.line) == ("a.txt", 1)


def test_document_scope_forgets_between_documents() -> None:
    cleaner = Cleaner()
    cleaner.clean(lines(LONG_A), "a.txt")
    assert cleaner.clean(lines(LONG_A), "b.txt").output == lines(LONG_A)


def test_keep_pattern_wins_over_every_rule() -> None:
    data = lines(LONG_A, LONG_A, b"No comments:")
    config = CleanConfig(keep_patterns=("council", "comments"))
    assert clean_text(data, config) == data


def test_user_pattern_drops_matching_units() -> None:
    data = lines(LONG_A, b"Advertisement", LONG_B)
    result = Cleaner(CleanConfig(patterns=("^Advert",))).clean(data)
    assert result.output == lines(LONG_A, LONG_B)
    assert result.decisions[0].rule == "pattern:1"


def test_removing_a_paragraph_leaves_no_doubled_blank_line() -> None:
    data = LONG_A + b"\n\n" + LONG_B + b"\n\n" + LONG_A + b"\n\n" + LONG_C + b"\n"
    assert clean_text(data) == LONG_A + b"\n\n" + LONG_B + b"\n\n" + LONG_C + b"\n"


def test_sentence_mode_keeps_paragraph_layout() -> None:
    data = b"One sentence is here. Two sentences are here.\n\nTwo sentences are here. Three.\n"
    config = CleanConfig(unit="sentence")
    assert clean_text(data, config) == b"One sentence is here. Two sentences are here.\n\nThree.\n"


def test_128_bit_fingerprints_give_the_same_result() -> None:
    data = lines(LONG_A, LONG_B, LONG_A)
    assert clean_text(data, CleanConfig(hash_bits=128)) == clean_text(data)


@given(
    st.lists(st.binary(max_size=8) | st.text("a0Z_ -*\u00e9\u2014").map(str.encode), max_size=12)
)
@example([bytes([byte]) for byte in b"09AZaz/:@[`{"])  # the ends of each range
def test_structural_flags_in_bulk_equal_one_by_one(keys: list[bytes]) -> None:
    expected = [is_structural(key) for key in keys]
    assert structural_flags(keys) == expected
    with patch.object(cleaner_module, "_compiled_word_flags", None):
        assert structural_flags(keys) == expected


@pytest.mark.skipif(
    results_module._compiled_line_numbers is None, reason="dedup._lines is not built"
)
@given(st.binary(max_size=40).map(lambda data: data.replace(b"x", b"\n")), st.data())
def test_compiled_line_numbers_equal_python_line_numbers(data: bytes, draw: st.DataObject) -> None:
    positions = sorted(draw.draw(st.lists(st.integers(0, len(data)))))
    compiled = list(results_module.line_numbers(data, positions))
    with patch.object(results_module, "_compiled_line_numbers", None):
        assert compiled == list(results_module.line_numbers(data, positions))
    assert compiled == [data.count(b"\n", 0, position) + 1 for position in positions]


def test_cleaning_leaves_the_garbage_collector_as_it_found_it() -> None:
    data = b"A line that repeats.\nA line that repeats.\n"
    assert gc.isenabled()
    Cleaner().clean(data)
    assert gc.isenabled()
    failing = patch.object(cleaner_module, "find_repeats", side_effect=RuntimeError("boom"))
    with failing, pytest.raises(RuntimeError):
        Cleaner().clean(data)
    assert gc.isenabled()
    gc.disable()
    try:
        Cleaner().clean(data)
        assert not gc.isenabled()  # a caller's choice stands
    finally:
        gc.enable()


def test_the_collector_is_paused_while_cleaning() -> None:
    states = []

    def find_repeats(*args: object) -> dict[int, object]:
        states.append(gc.isenabled())
        return {}

    with patch.object(cleaner_module, "find_repeats", side_effect=find_repeats):
        Cleaner().clean(b"one\ntwo\n")
    assert states and not any(states)


@pytest.mark.skipif(cleaner_module._compiled_char_counts is None, reason="not built")
@given(
    st.lists(st.binary(max_size=12) | st.text().map(lambda t: t.encode("utf-8", "surrogatepass")))
)
@example([b"a" * skip + "\u00e9".encode() + b"b" * 9 for skip in range(9)] + [b"x" * 17 + b"\xff"])
def test_compiled_char_counts_equal_python_char_counts(keys: list[bytes]) -> None:
    compiled = cleaner_module.char_counts(keys)
    assert compiled == [len(key.decode("utf-8", "surrogateescape")) for key in keys]
    with patch.object(cleaner_module, "_compiled_char_counts", None):
        assert cleaner_module.char_counts(keys) == compiled


@given(
    st.binary(max_size=30) | st.text(max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.data(),
)
def test_removed_chars_count_as_replace_decoding_does(data: bytes, draw: st.DataObject) -> None:
    spans = draw.draw(st.lists(st.tuples(st.integers(0, len(data)), st.integers(0, len(data)))))
    starts = [min(span) for span in spans]
    ends = [max(span) for span in spans]
    expected = [len(data[s:e].decode("utf-8", "replace")) for s, e in zip(starts, ends)]
    assert results_module.removed_chars(data, starts, ends) == expected
    with patch.object(results_module, "_compiled_span_char_counts", None):
        assert results_module.removed_chars(data, starts, ends) == expected


def test_a_result_goes_through_pickle_whole() -> None:
    # As a worker of --jobs sends it: decisions with and without a kept copy, in batch
    # scope with copies kept in an earlier document, and the rule totals.
    cleaner = Cleaner(CleanConfig(scope="batch", unit="paragraph"))
    cleaner.clean(b"Kept in the first document, long enough.\n", "first")
    data = (
        "Kept in the first document, long enough.\n\nA paragraph of two lines,\n"
        "caf\u00e9.\n\nA paragraph of two lines,\ncaf\u00e9.\n\nLeave a Reply\n"
    ).encode()
    result = cleaner.clean(data, "second")
    kept = {decision.kept for decision in result.decisions}
    assert len(result.decisions) == 3 and len(kept) == 3  # two places and None
    assert any(decision.end_line > decision.line for decision in result.decisions)
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result
    assert copy.rule_totals() == result.rule_totals()
    assert sum(total.chars for total in copy.rule_totals().values()) == sum(
        len(data[d.start : d.end].decode()) for d in result.decisions
    )


def test_an_output_made_when_read_is_the_input_without_the_deleted_ranges() -> None:
    line = b"A line long enough to count as a repeat of itself.\n"
    data = line + b"Other line.\n" + line + b"\n" + line + b"End.\n"
    result = Cleaner(CleanConfig(unit="line")).clean(data)
    assert result.given_output is None  # the cleaner leaves it to be made
    assert len(result.deleted) == 2
    pieces = b"".join(result.output_pieces())
    assert pieces == cut(data, result.deleted) and result.output_size == len(pieces)
    copy = pickle.loads(pickle.dumps(result))  # sent without the output, as --jobs does
    assert result.output == pieces
    assert copy == result and copy.output == result.output
    assert b"".join(result.output_pieces()) == result.output  # once made, it is reused


def test_decisions_read_late_are_the_decisions_read_at_once() -> None:
    # A result's decisions are made when first read; the batch's record of kept units
    # grows meanwhile, which must not change them.
    documents = [
        b"Kept in the first document, long enough.\n",
        b"Kept in the first document, long enough.\nLater copy of the second, long enough.\n",
        b"Later copy of the second, long enough.\nKept in the first document, long enough.\n",
    ]
    cleaner = Cleaner(CleanConfig(scope="batch"))
    at_once = [list(cleaner.clean(data, f"doc{n}").decisions) for n, data in enumerate(documents)]
    cleaner = Cleaner(CleanConfig(scope="batch"))
    results = [cleaner.clean(data, f"doc{n}") for n, data in enumerate(documents)]
    assert [list(result.decisions) for result in results] == at_once
    assert [len(decisions) for decisions in at_once] == [0, 1, 2]
    assert at_once[2][0].kept == results_module.Location("doc1", 2)
    assert results[2].decisions == at_once[2]


def test_a_result_made_by_hand_goes_through_pickle_whole() -> None:
    data = b"One\nTwo\nOne\n"
    kept = results_module.Location("elsewhere", 7)
    decisions = [
        results_module.Decision(1, 4, 7, 2, 2, "pattern:1"),
        results_module.Decision(2, 8, 11, 3, 3, "repeat-batch", kept),
    ]
    result = results_module.CleanResult("doc", data, b"One\n", 3, decisions, [(4, 12)])
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result and copy.decisions == decisions
    assert copy.rule_totals() == {
        "pattern:1": results_module.RuleTotal(1, 3, 3),
        "repeat-batch": results_module.RuleTotal(1, 3, 3),
    }


def test_characters_removed_count_bytes_that_are_not_utf8_as_one_each() -> None:
    line = "A café line with a bad byte, long enough to repeat: ".encode() + b"\xff\n"
    result = Cleaner(CleanConfig(unit="line")).clean(line + b"Other.\n" + line)
    (total,) = result.rule_totals().values()
    removed = line.rstrip(b"\n")
    assert total.chars == len(removed.decode("utf-8", "replace")) == len(removed) - 1
