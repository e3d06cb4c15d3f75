from __future__ import annotations

import pytest

from dedup.segment import segment
from dedup.sentences import split_sentences


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
