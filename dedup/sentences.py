"""Sentence boundaries for Latin, Cyrillic, Greek and CJK text.

A boundary is terminal punctuation (``. ! ? …`` and the full-width ``。！？``), optional
closing quotes or brackets, then whitespace and a word that does not start in lower
case. A full stop after a known abbreviation, a single letter (an initial) or inside a
number is not a boundary. Full-width terminators end a sentence with or without a space.

>>> text = "Mr. Smith paid $3.50. He left! Then? А потом. 第一句。第二句"
>>> [text[start:end] for start, end in split_sentences(text)]
['Mr. Smith paid $3.50.', 'He left!', 'Then?', 'А потом.', '第一句。', '第二句']
"""

from __future__ import annotations

import re

# Lower-cased, without the final dot. Kept short and cross-language: titles, Latin
# shorthands, and the common abbreviations of the languages the benchmark covers.
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "cf",
        "al",
        "approx",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "est",
        "fig",
        "gen",
        "gov",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "vol",
        "pp",
        "ed",
        "eds",
        "rev",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
        "mme",
        "mlle",
        "mm",
        "bzw",
        "usw",
        "z.b",
        "d.h",
        "ca",
        "nr",
        "str",
        "sra",
        "sres",
        "srta",
        "dra",
        "av",
        "pág",
        "p.ej",
        "etc",
        "ob",
        "ul",
        "г",
        "гг",
        "т.е",
        "т.д",
        "т.п",
        "им",
        "см",
        "стр",
        "ср",
    ]
)

# A run of terminators of one kind, then closers and space. The run starts with one
# class holding both kinds, and a lookbehind picks which kind may follow: a pattern that
# starts with a single class lets the regex engine skip from one terminator to the next,
# where alternatives at the start made it try every character (four times as slow).
_CANDIDATE = re.compile(
    r"(?P<stop>[.!?…‼⁇⁈⁉。！？｡](?:(?<=[.!?…‼⁇⁈⁉])[.!?…‼⁇⁈⁉]*|(?<=[。！？｡])[。！？｡]*))"
    r"(?P<close>[\"'”’»」』）)\]]*)(?P<space>\s*)"
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_WORD_CHAR = re.compile(r"[\w.]")
_WORD_RUN = re.compile(r"[\w.]+")
# How far back a stop looks for its word. Searching from the start of the text made
# sentence splitting quadratic in the length of a paragraph; no abbreviation is this long.
_WORD_WINDOW = 64
_FULL_WIDTH = frozenset("。！？｡")
_OPENERS = "\"'“‘«「『（([¿¡-—"


def _starts_sentence(text: str, pos: int) -> bool:
    """True when the text at pos looks like the start of a sentence."""
    while pos < len(text) and text[pos] in _OPENERS:
        pos += 1
    if pos >= len(text):
        return False
    ch = text[pos]
    return ch.isalnum() and not ch.islower()


def _is_abbreviation(text: str, stop_at: int) -> bool:
    """True when the full stop at stop_at ends an abbreviation or an initial."""
    window = max(0, stop_at - _WORD_WINDOW)
    if stop_at > 0 and text[stop_at - 1] == "\n":
        match = _WORD_BEFORE.search(text, window, stop_at)  # "$" also matches before it
        if not match:
            return False
        start, end = match.span(1)
    else:
        # The run of word characters that ends at the stop, read backwards: one match
        # instead of a search that tries every start in the window.
        run = _WORD_RUN.match(text[window:stop_at][::-1])
        if not run:
            return False
        start, end = stop_at - run.end(), stop_at
    if start == window and window > 0 and _WORD_CHAR.match(text, window - 1):
        return False  # a word longer than the window: no abbreviation
    return is_abbreviation_word(text[start:end])


def is_abbreviation_word(word: str) -> bool:
    """True when the run of word characters and dots before a full stop is an
    abbreviation or an initial."""
    word = word.lower().strip(".")
    if len(word) == 1 and word.isalpha():
        return True
    return word in ABBREVIATIONS


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character spans of the sentences of text, whitespace excluded."""
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for match in _CANDIDATE.finditer(text):
        stop = match.group("stop")
        end = match.end("close")
        after = match.end()
        if stop[-1] in _FULL_WIDTH:
            boundary = True
        else:
            boundary = (
                bool(match.group("space"))
                and _starts_sentence(text, after)
                and not (stop == "." and _is_abbreviation(text, match.start()))
            )
        if boundary and end > start and after < len(text):
            spans.append((start, end))
            start = after
    tail_end = len(text.rstrip())
    if tail_end > start:
        spans.append((start, tail_end))
    return spans
