from __future__ import annotations

import re
from array import array
from unittest.mock import patch

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup import segment as segment_module
from dedup.segment import segment
from dedup.sentences import _CANDIDATE, ABBREVIATIONS, _is_abbreviation, split_sentences


def units(data: bytes, unit: str) -> list[bytes]:
    seg = segment(data, unit)
    return [seg.unit(i) for i in range(len(seg))]


def test_line_units_skip_blank_lines_and_keep_cr() -> None:
    assert units(b"a\r\n\r\n  \nb\n", "line") == [b"a\r", b"b"]


def test_bom_is_not_part_of_the_first_unit() -> None:
    seg = segment(b"\xef\xbb\xbfHello\n", "line")
    assert seg.bom == b"\xef\xbb\xbf"
    assert seg.unit(0) == b"Hello"


def test_auto_uses_lines_for_one_paragraph_per_line() -> None:
    data = b"First paragraph as one long line.\nSecond one.\nThird one here.\n"
    assert units(data, "auto") == units(data, "line")


def test_auto_keeps_hard_wrapped_paragraphs_whole() -> None:
    para = (
        b"Municipal libraries in the region lent more e-books than printed\n"
        b"books for the first time last year, according to figures published\n"
        b"on Monday by the regional culture office."
    )
    data = para + b"\n\n" + para + b"\n"
    assert units(data, "auto") == [para, para]


def test_paragraph_mode_joins_lines_between_blank_lines() -> None:
    assert units(b"a\nb\n\nc\n", "paragraph") == [b"a\nb", b"c"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Who paid 3.50 euros. Then he left.", ["Dr. Who paid 3.50 euros.", "Then he left."]),
        ("J. P. Morgan is a bank. It is big.", ["J. P. Morgan is a bank.", "It is big."]),
        ("Он пришёл. Она ушла!", ["Он пришёл.", "Она ушла!"]),
        ("天气很好。我们去公园吧！", ["天气很好。", "我们去公园吧！"]),
        ("e.g. this stays one sentence. Yes.", ["e.g. this stays one sentence.", "Yes."]),
        ("He said “Stop.” Then silence.", ["He said “Stop.”", "Then silence."]),
        ("Version 2.0 is out.", ["Version 2.0 is out."]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_sentence_units_are_byte_spans_of_non_ascii_text() -> None:
    data = "Café au lait. Très bien.\n".encode()
    assert units(data, "sentence") == ["Café au lait.".encode(), "Très bien.".encode()]


def _abbreviation_by_search(text: str, stop_at: int) -> bool:
    """The reference: the word before a stop found by a regex search of the window."""
    window = max(0, stop_at - 64)
    match = re.search(r"([\w.]+)$", text[:stop_at][window:])
    if not match:
        return False
    if match.start() == 0 and window > 0 and re.match(r"[\w.]", text[window - 1]):
        return False
    word = match.group(1).lower().strip(".")
    return (len(word) == 1 and word.isalpha()) or word in ABBREVIATIONS


# Long enough to cross the 64-character window, with words, stops and newlines.
_TEXT = st.lists(
    st.sampled_from(["a", "B", "é", "ß", ".", " ", "\n", "-", "7", "Mr", "etc", "x" * 30]),
    max_size=40,
).map("".join)


@given(_TEXT, st.integers(min_value=0, max_value=400))
def test_abbreviation_test_reads_the_word_before_the_stop(text: str, stop_at: int) -> None:
    stop_at = min(stop_at, len(text))
    assert _is_abbreviation(text, stop_at) == _abbreviation_by_search(text, stop_at)


# The candidate pattern as first written: a run of one kind of terminator, then closers
# and space. The shipped pattern is written for speed and must find the same matches.
_PLAIN_CANDIDATE = re.compile(
    r"(?P<stop>[.!?…‼⁇⁈⁉]+|[。！？｡]+)(?P<close>[\"'”’»」』）)\]]*)(?P<space>\s*)"
)


@given(st.lists(st.sampled_from([*".!?…‼。！？｡\"'”»」）] \nAb"]), max_size=30).map("".join))
def test_sentence_candidates_equal_the_plain_pattern(text: str) -> None:
    def spans(pattern: re.Pattern[str]) -> list[tuple[int, ...]]:
        return [(*m.span("stop"), *m.span("close"), *m.span()) for m in pattern.finditer(text)]

    assert spans(_CANDIDATE) == spans(_PLAIN_CANDIDATE)


# Lines of few kinds of bytes: blank ones (the whitespace bytes.isspace() knows, and
# \x1c, which it does not), empty ones, CRLF, and text.
_LINES = st.lists(st.sampled_from([b"", b" ", b"\t\x0b\x0c", b"\r", b"\x1c", b"a", b"b \r"]))


@pytest.mark.skipif(segment_module._line_table is None, reason="dedup._lines is not built")
@pytest.mark.parametrize("unit", ["line", "paragraph", "auto"])
@given(lines=_LINES)
def test_compiled_line_table_equals_python_lines(unit: str, lines: list[bytes]) -> None:
    data = b"\n".join(lines)
    compiled = segment(data, unit)
    with patch.object(segment_module, "_line_table", None):
        in_python = segment(data, unit)
    assert (compiled.starts, compiled.ends) == (in_python.starts, in_python.ends)


# Sentences made of a word, a stop, closers and a space, in every combination: both kinds
# of stops, spaces beyond ASCII, abbreviations (ASCII, Cyrillic, dotted), initials, upper
# and lower case beyond ASCII, digits, "_", words as long as the abbreviation window; and
# openers, CR, and bytes that are not UTF-8 between them.
_WORDS = ["Mr", "e.g", "т.е", "г", "St", "J", "x", "a_b", "The", "the", "Élan", "élan", "Ωmega"]
_WORDS += ["ωmega", "3", "4.5", "第一句", "." * 63 + "J", "w" * 64, "(The", "¿Qué", "—", ""]
_WORDS += ["approx", "Approx", "approxi"]  # the longest abbreviation, and one letter more
_STOPS = ["", ".", "!", "?", "…", "。", "！", "?!", "..."]
_SPACES = ["", " ", "  ", "\u00a0", "\u3000", "\t"]
_SENTENCE = st.tuples(
    st.sampled_from(_WORDS),
    st.sampled_from(_STOPS),
    st.sampled_from(["", '"', "”", "»", ")"]),
    st.sampled_from(_SPACES),
).map(lambda parts: "".join(parts).encode())
_PIECES = _SENTENCE | st.sampled_from([b"\xff", b"\xc3", b"\xe2\x80", b"\n", b"\r"])


@pytest.mark.skipif(segment_module._sentence_spans_in_c is None, reason="not built")
@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=12))
@example([b"J. The end. x. Then e.g. This and a_b. That, Mr. Smith."])
@example(["Ура г. Москва т.е. Это. Élan. Ωmega! ¿Qué? «Да.» Нет.".encode()])
@example([b"Word " + b"." * 63 + b"J. The end", b" and " + b"w" * 70 + b". Then"])
@example([b"Is it so? Yes it is. Why not? Because! Then, approx. Ten or etc. Now. . The end. Ok"])
def test_compiled_sentences_equal_python_sentences(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    compiled = segment(data, "sentence")
    with patch.object(segment_module, "_MAX_LINE_IN_C", 12):  # longer lines: in Python
        assert segment(data, "sentence") == compiled
    with patch.object(segment_module, "_sentence_spans_in_c", None):
        in_python = segment(data, "sentence")
    assert list(zip(compiled.starts, compiled.ends)) == list(zip(in_python.starts, in_python.ends))


@pytest.mark.skipif(segment_module._sentence_spans_in_c is None, reason="not built")
def test_compiled_abbreviations_are_whole_words_of_the_set() -> None:
    # The C lookup packs short words into integers: a set entry must not match a word
    # it only starts with, or that starts it.
    from dedup._sentences import sentence_spans

    body = b"We ab. The end. We abc. The end."
    lines = array("q", [0]), array("q", [len(body)])

    def cut(abbreviations: set[str]) -> list[bytes]:
        raw = array("q")
        raw.frombytes(sentence_spans(body, *lines, abbreviations, bool, 1 << 20, list))
        return [body[start:end] for start, end in zip(raw[0::2], raw[1::2])]

    assert cut({"ab\x00", "abcd", "a"}) == [b"We ab.", b"The end.", b"We abc.", b"The end."]
    assert cut({"ab", "abc"}) == [b"We ab. The end.", b"We abc. The end."]


@given(st.lists(st.binary(max_size=12) | st.text(" a\u00a0é\u3000").map(str.encode)))
def test_char_lengths_count_characters_without_trailing_whitespace(lines: list[bytes]) -> None:
    expected = [
        len(line.rstrip()) if line.isascii() else len(line.decode("utf-8", "replace").rstrip())
        for line in lines
    ]
    assert segment_module._char_lengths(lines) == expected


# Blocks around the rules of looks_hard_wrapped: a widest line near its bounds (30 and
# 120 characters), other lines near 0.6 of it, ends with and without a sentence mark,
# trailing whitespace of bytes and of str (\x1c, NBSP, ideographic space), characters
# beyond ASCII, and bytes that are not UTF-8.
_ENDS = ["", "", ".", ":", "”", "。", " ", "\x1c", "\u00a0", "\u3000", "\r", " ."]
_WRAP_LINE = st.tuples(
    st.sampled_from([1.0, 1.0, 0.6, 0.59, 0.5, 0.2]),
    st.sampled_from(_ENDS),
    st.sampled_from([b"", b"", b"", b"\xff", b"\xe2\x80"]),
)


@st.composite
def _wrap_blocks(draw: st.DrawFn) -> bytes:
    char = draw(st.sampled_from(["a", "é", "中"]))
    widest = draw(st.sampled_from([29, 30, 31, 50, 60, 100, 119, 120, 121]))
    lines = draw(st.lists(_WRAP_LINE, min_size=1, max_size=6))
    return b"\n".join(
        (char * round(widest * share) + end).encode() + junk for share, end, junk in lines
    )


@pytest.mark.skipif(segment_module._block_table is None, reason="dedup._lines is not built")
@settings(max_examples=500)
@given(st.lists(_wrap_blocks(), max_size=4))
@example([b"\n".join([("\u00e9" * 29 + "\u00a0").encode(), b"a" * 20, b"a" * 20])])
@example([b"\n".join([b"a" * 100, b"a" * 55, b"a" * 100, b"a" * 100, b"a" * 100])])
@example([b"\n".join([b"a" * 30, b"a" * 30, b"a" * 30])])
def test_compiled_block_verdicts_equal_looks_hard_wrapped(blocks: list[bytes]) -> None:
    data = b"\n\n".join(blocks)
    line_starts, line_ends, filled = segment_module._split_lines(data)
    firsts, lasts, verdicts = segment_module._blocks(data, line_starts, line_ends, filled, True)
    assert verdicts is not None
    for first, last, verdict in zip(firsts, lasts, verdicts, strict=True):
        lines = [data[line_starts[i] : line_ends[i]] for i in range(first, last + 1)]
        if verdict == 2:  # undecided: a line that is not UTF-8, which Python decodes
            assert len(lines) >= 3 and any(b"\xff" in line or b"\xe2\x80" in line for line in lines)
        else:
            assert verdict == segment_module.looks_hard_wrapped(lines), lines
    for unit in ("auto", "paragraph"):
        compiled = segment(data, unit)
        with patch.object(segment_module, "_block_table", None):
            in_python = segment(data, unit)
        assert (compiled.starts, compiled.ends) == (in_python.starts, in_python.ends)


@pytest.mark.skipif(segment_module._block_spans is None, reason="dedup._lines is not built")
def test_block_spans_refuse_a_block_beyond_the_lines() -> None:
    from dedup._lines import block_spans

    lines = array("q", [0, 4]), array("q", [3, 9])
    spans = array("q")
    spans.frombytes(block_spans(*lines, array("q", [0]), array("q", [1]), b"\1"))
    assert list(spans) == [0, 3, 4, 9]  # cut into its two lines
    with pytest.raises(ValueError, match="outside the lines"):
        block_spans(*lines, array("q", [1]), array("q", [2]), b"\0")
    with pytest.raises(ValueError, match="a byte per block"):
        block_spans(*lines, array("q", [0]), array("q", [1]), b"")
