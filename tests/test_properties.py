"""The promises of design.md, checked on generated documents (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import CleanConfig, Cleaner
from dedup.segment import segment

UNITS = ("auto", "line", "paragraph", "sentence")

# Lines drawn from a small pool so that repeats, blocks and boilerplate are common.
POOL = [
    b"The committee met on Tuesday to discuss the budget for next year.",
    b"Residents were invited to comment on the proposal until March.",
    b"Yes.",
    b"* * *",
    b"Home",
    b"No comments:",
    b"Post a Comment",
    b"THE COMMITTEE MET ON TUESDAY TO DISCUSS THE BUDGET FOR NEXT YEAR.",
    b"Caf\xc3\xa9 prices rose by 3.5 % in the city. Mr. Smith disagreed.",
    b"Invalid \xff\xfe bytes here, kept exactly as they were in the input.",
    "Привет мир. Как дела?".encode(),
    "第一句。第二句。".encode(),
    b"  indented line with trailing spaces   ",
    b"",
    b"   ",
]

lines = st.lists(st.one_of(st.sampled_from(POOL), st.binary(max_size=30)), max_size=40)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    body = draw(lines)
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    mixed = draw(st.booleans())
    parts = []
    for index, line in enumerate(body):
        sep = b"\r\n" if mixed and index % 3 == 0 else newline
        parts.append(line.replace(b"\n", b" ").replace(b"\r", b" ") + sep)
    data = b"".join(parts)
    if draw(st.booleans()) and data:
        data = data[: -len(newline)]
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


def is_deletion_of_whole_units(data: bytes, output: bytes, kept: list[bytes]) -> bool:
    """output is data with byte ranges deleted: the kept units, intact and in order,
    with only whitespace between them."""
    position = 0
    for byte in output:
        position = data.find(bytes([byte]), position)
        if position < 0:
            return False
        position += 1
    cursor = 3 if output.startswith(b"\xef\xbb\xbf") else 0
    for unit_bytes in kept:
        found = output.find(unit_bytes, cursor)
        if found < 0 or not _only_space(output[cursor:found]):
            return False
        cursor = found + len(unit_bytes)
    return _only_space(output[cursor:])


def _only_space(gap: bytes) -> bool:
    return not gap.decode("utf-8", "surrogateescape").replace("\ufeff", "").strip()


@settings(max_examples=150, deadline=None)
@given(documents(), st.sampled_from(UNITS))
def test_output_is_input_with_whole_units_removed(data: bytes, unit: str) -> None:
    result = Cleaner(CleanConfig(unit=unit)).clean(data)
    seg = segment(data, unit)
    removed = {decision.unit for decision in result.decisions}
    kept = [seg.unit(index) for index in range(len(seg)) if index not in removed]
    assert is_deletion_of_whole_units(data, result.output, kept)


@settings(max_examples=150, deadline=None)
@given(documents(), st.sampled_from(UNITS))
def test_idempotent(data: bytes, unit: str) -> None:
    config = CleanConfig(unit=unit)
    once = Cleaner(config).clean(data).output
    assert Cleaner(config).clean(once).output == once


@settings(max_examples=150, deadline=None)
@given(documents(), st.sampled_from(UNITS))
def test_keep_first(data: bytes, unit: str) -> None:
    result = Cleaner(CleanConfig(unit=unit)).clean(data, "doc")
    for decision in result.decisions:
        if decision.kept is not None:
            assert decision.kept.line <= decision.line


@settings(max_examples=100, deadline=None)
@given(documents())
def test_bom_crlf_and_invalid_bytes_preserved(data: bytes) -> None:
    output = Cleaner().clean(data).output
    if data.startswith(b"\xef\xbb\xbf") and output:
        assert output.startswith(b"\xef\xbb\xbf")
    # Every CRLF line of the output was a CRLF line of the input.
    for line in output.removeprefix(b"\xef\xbb\xbf").split(b"\n")[:-1]:
        if line.endswith(b"\r"):
            assert line + b"\n" in data
    # Invalid UTF-8 sequences survive untouched inside kept lines.
    body = output.removeprefix(b"\xef\xbb\xbf")
    for line in body.split(b"\n"):
        assert line in data
