"""Units: the spans of a document that are compared and kept or removed whole.

A document is bytes. A leading UTF-8 byte-order mark is set aside (it belongs to the
file, not to the first unit). Every unit is a ``[start, end)`` byte span of the body;
what lies between two units (newlines, blank lines, the spaces between sentences) is a
gap, and gaps are only ever copied, never changed.

- ``line``: every non-blank line is a unit (its ``\\r`` included, so CRLF survives).
- ``paragraph``: every run of non-blank lines is a unit.
- ``auto``: paragraph when a block is a hard-wrapped paragraph (or a single line),
  otherwise each of its lines is a unit (one-paragraph-per-line scraper output).
- ``sentence``: the sentences of each non-blank line (a sentence never spans a line
  break, so removing one never changes how the rest is cut).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import and_, le, ne, not_, sub, truth

from .native import optional
from .sentences import ABBREVIATIONS, is_abbreviation_word, split_sentences

# Longer lines are cut into sentences in Python, which holds one byte per character
# where C holds twelve (96 MB for a line this long).
_MAX_LINE_IN_C = 8 << 20
# Without the extension: _split_lines does it in Python.
_line_table: Callable[[bytes], tuple[bytes, bytes, bytes]] | None = optional("_lines", "line_table")
# Without the extension: blocks are found in Python.
_block_table: Callable[..., tuple[bytes, bytes]] | None = optional("_lines", "block_table")
# Without the extension: the spans are gathered in Python.
_block_spans: Callable[..., bytes] | None = optional("_lines", "block_spans")
# Without the extension: split_sentences runs per line.
_sentence_spans_in_c: Callable[..., bytes] | None = optional("_sentences", "sentence_spans")

BOM = b"\xef\xbb\xbf"
_SENTENCE_END = tuple(mark.encode() for mark in '.!?:;"”»。！？')


@dataclass(frozen=True)
class Segmentation:
    """A document cut into units: the BOM, the body, and parallel arrays of unit spans.

    Spans are typed arrays, not lists: 8 bytes per offset instead of a list slot and an
    int object, which matters for a document of millions of units.
    """

    bom: bytes
    body: bytes
    starts: array[int]
    ends: array[int]

    def __init__(self, bom: bytes, body: bytes, starts: Iterable[int], ends: Iterable[int]):
        object.__setattr__(self, "bom", bom)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "starts", array("q", starts))
        object.__setattr__(self, "ends", array("q", ends))

    def __len__(self) -> int:
        return len(self.starts)

    def unit(self, index: int) -> bytes:
        """The original bytes of unit ``index``."""
        return self.body[self.starts[index] : self.ends[index]]


def _char_lengths(lines: list[bytes]) -> list[int]:
    """Each line's length in characters without trailing whitespace; only the lines
    beyond ASCII are decoded."""
    lengths = list(map(len, map(bytes.rstrip, lines)))
    wide = list(compress(range(len(lines)), map(not_, map(bytes.isascii, lines))))
    texts = map(bytes.decode, map(lines.__getitem__, wide), repeat("utf-8"), repeat("replace"))
    for index, length in zip(wide, map(len, map(str.rstrip, texts)), strict=True):
        lengths[index] = length
    return lengths


def looks_hard_wrapped(lines: list[bytes]) -> bool:
    """True when lines read as one paragraph wrapped at a fixed width.

    Wrapped lines are of similar length up to the wrap column and rarely end a
    sentence; scraper output with one paragraph per line has long or ragged lines that
    each end with punctuation.

    >>> wrapped = [b"The quick brown fox jumps over the lazy",
    ...            b"dog, and then it ran off into the woods", b"again."]
    >>> looks_hard_wrapped(wrapped)
    True
    >>> looks_hard_wrapped([b"Newer Post", b"Older Post", b"Home"])
    False
    """
    if len(lines) < 2:
        return True
    if len(lines) < 3:
        # Two lines are too little evidence on their own; see _paragraph_blocks.
        return False
    stripped = list(map(bytes.rstrip, lines))
    lengths = _char_lengths(lines)
    widest = max(lengths)
    if not 30 <= widest <= 120:
        return False
    body = stripped[:-1]
    full = sum(map(le, repeat(0.6 * widest), lengths[:-1]))
    ended = sum(map(bytes.endswith, body, repeat(_SENTENCE_END)))
    return full >= 0.8 * len(body) and ended <= 0.5 * len(body)


def _paragraph_blocks(
    count: int, lines_of: Callable[[int], list[bytes]], wrapped: Sequence[bool] | None = None
) -> list[bool]:
    """For auto mode: which of ``count`` blocks of more than one line are one paragraph
    (the rest are lines). ``lines_of(index)`` makes a block's lines; ``wrapped`` is
    :func:`looks_hard_wrapped` of each block, when already known.

    A block is a paragraph when it looks hard-wrapped. When most blocks of the document
    are wrapped, the document is wrapped text, and every block whose lines fill its wrap
    width is a paragraph too, even a short one that happens to end lines with
    punctuation.
    """
    if wrapped is None:
        wrapped = [looks_hard_wrapped(lines_of(index)) for index in range(count)]
    verdicts = list(wrapped)
    wrapped_blocks = list(compress(range(count), verdicts))
    if count and len(wrapped_blocks) * 2 >= count:
        width = max(max(_char_lengths(lines_of(index))) for index in wrapped_blocks)
        for index in range(count):
            lengths = _char_lengths(lines_of(index))
            full = sum(1 for length in lengths[:-1] if length >= 0.6 * width)
            if max(lengths) <= width + 2 and full >= 0.8 * (len(lengths) - 1):
                verdicts[index] = True
    return verdicts


def _blocks(
    body: bytes, line_starts: array[int], line_ends: array[int], filled: bytes, judge: bool
) -> tuple[Sequence[int], Sequence[int], bytes | None]:
    """The first and last line of every block (run of non-blank lines), and, if judge,
    per block 1 when it is one line or :func:`looks_hard_wrapped`, 0 when not, 2 when
    undecided: in C (``dedup._lines``) where it is built, else the verdicts are None."""
    if _block_table is not None:
        pairs, verdicts = _block_table(body, line_starts, line_ends, filled, _SENTENCE_END, judge)
        blocks = array("q")
        blocks.frombytes(pairs)
        return blocks[0::2], blocks[1::2], verdicts
    before = b"\0" + filled[:-1]
    after = filled[1:] + b"\0"
    firsts_list = list(compress(range(len(filled)), map(and_, filled, map(not_, before))))
    lasts_list = list(compress(range(len(filled)), map(and_, filled, map(not_, after))))
    return firsts_list, lasts_list, None


def _strip_span(body: bytes, start: int, end: int) -> tuple[int, int]:
    """Narrow a span to exclude leading and trailing whitespace."""
    chunk = body[start:end]
    stripped = chunk.strip()
    if not stripped:
        return start, start
    lead = len(chunk) - len(chunk.lstrip())
    return start + lead, start + lead + len(stripped)


def _sentence_spans(body: bytes, start: int, end: int) -> list[tuple[int, int]]:
    chunk = body[start:end]
    if chunk.isascii():
        return [(start + a, start + b) for a, b in split_sentences(chunk.decode("ascii"))]
    text = chunk.decode("utf-8", "surrogateescape")
    spans = []
    # Map character offsets back to byte offsets incrementally.
    char_pos = byte_pos = 0
    for a, b in split_sentences(text):
        byte_pos += len(text[char_pos:a].encode("utf-8", "surrogateescape"))
        byte_a = byte_pos
        byte_pos += len(text[a:b].encode("utf-8", "surrogateescape"))
        spans.append((start + byte_a, start + byte_pos))
        char_pos = b
    return spans


def _sentences_of_lines(
    body: bytes, line_starts: array[int], line_ends: array[int], filled: bytes
) -> tuple[Sequence[int], Sequence[int]]:
    """The starts and ends of the sentences of the lines of body, in order: in C
    (``dedup._sentences``) where it is built, but for lines over ``_MAX_LINE_IN_C``.
    ``filled`` is 1 for a line that is not blank; C is given every line (a blank one
    holds no sentence), Python only those."""
    if _sentence_spans_in_c is not None:

        def long_line(start: int, end: int) -> list[tuple[int, int]]:
            return _sentence_spans(body, *_strip_span(body, start, end))

        spans = array("q")
        spans.frombytes(
            _sentence_spans_in_c(
                body,
                line_starts,
                line_ends,
                ABBREVIATIONS,
                is_abbreviation_word,
                _MAX_LINE_IN_C,
                long_line,
            )
        )
        return spans[0::2], spans[1::2]
    starts: list[int] = []
    ends: list[int] = []
    for start, end in zip(compress(line_starts, filled), compress(line_ends, filled)):
        for a, b in _sentence_spans(body, *_strip_span(body, start, end)):
            starts.append(a)
            ends.append(b)
    return starts, ends


def _split_lines(body: bytes) -> tuple[array[int], array[int], bytes]:
    """The start and end offsets of every line of body (its newline excluded), and
    per line 1 when it is not blank: in C (``dedup._lines``) where it is built, else
    with C-level ``map``/``accumulate`` so that no Python frame runs per line."""
    starts, ends = array("q"), array("q")
    if _line_table is not None:
        start_bytes, end_bytes, filled = _line_table(body)
        starts.frombytes(start_bytes)
        ends.frombytes(end_bytes)
        return starts, ends, filled
    lines = body.split(b"\n")
    after = list(accumulate(map((1).__add__, map(len, lines))))  # end + 1 of each line
    starts.append(0)
    starts.extend(after[:-1])
    ends.extend(map(sub, after, repeat(1)))
    return starts, ends, bytes(map(and_, map(truth, lines), map(not_, map(bytes.isspace, lines))))


def segment(data: bytes, unit: str = "auto") -> Segmentation:
    """Cut a document into units of the given mode.

    >>> seg = segment(b"A line.\\r\\n\\r\\nAnother one.\\r\\n", "line")
    >>> [seg.unit(i) for i in range(len(seg))]
    [b'A line.\\r', b'Another one.\\r']
    """
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom) :]
    line_starts, line_ends, filled = _split_lines(body)
    if unit == "line":
        return Segmentation(bom, body, compress(line_starts, filled), compress(line_ends, filled))
    if unit == "sentence":
        # Sentences are cut within each line: a sentence never spans a line break, so
        # removing sentences never changes how the rest of the text is cut (cutting
        # across wrapped lines depended on layout decisions that a removal could flip).
        return Segmentation(bom, body, *_sentences_of_lines(body, line_starts, line_ends, filled))
    firsts, lasts, verdicts = _blocks(body, line_starts, line_ends, filled, unit != "paragraph")
    multi = list(compress(range(len(firsts)), map(ne, firsts, lasts)))
    if unit == "paragraph" or not multi:
        whole = multi  # every block is one unit
    else:
        # A one-line block is always a paragraph; only the others need a verdict.
        block_firsts = list(map(firsts.__getitem__, multi))
        block_lasts = list(map(lasts.__getitem__, multi))

        def lines_of(index: int) -> list[bytes]:
            lines = slice(block_firsts[index], block_lasts[index] + 1)
            return list(map(body.__getitem__, map(slice, line_starts[lines], line_ends[lines])))

        wrapped = None
        if verdicts is not None:
            known = list(map(verdicts.__getitem__, multi))
            wrapped = [
                looks_hard_wrapped(lines_of(index)) if verdict == 2 else verdict == 1
                for index, verdict in enumerate(known)
            ]
        whole = list(compress(multi, _paragraph_blocks(len(multi), lines_of, wrapped)))
    if _block_spans is not None and isinstance(firsts, array) and isinstance(lasts, array):
        cut = bytearray(len(firsts))
        for block in set(multi).difference(whole):
            cut[block] = 1
        spans = array("q")
        spans.frombytes(_block_spans(line_starts, line_ends, firsts, lasts, bytes(cut)))
        return Segmentation(bom, body, spans[0::2], spans[1::2])
    if len(whole) == len(multi):
        return Segmentation(
            bom, body, map(line_starts.__getitem__, firsts), map(line_ends.__getitem__, lasts)
        )
    # Between two blocks cut into lines, the blocks are whole: their spans go in bulk.
    piece_starts, piece_ends = array("q"), array("q")
    done = 0  # the blocks before this one are in
    for block in sorted(set(multi).difference(whole)):
        piece_starts.extend(map(line_starts.__getitem__, firsts[done:block]))
        piece_ends.extend(map(line_ends.__getitem__, lasts[done:block]))
        piece_starts.extend(line_starts[firsts[block] : lasts[block] + 1])
        piece_ends.extend(line_ends[firsts[block] : lasts[block] + 1])
        done = block + 1
    piece_starts.extend(map(line_starts.__getitem__, firsts[done:]))
    piece_ends.extend(map(line_ends.__getitem__, lasts[done:]))
    return Segmentation(bom, body, piece_starts, piece_ends)
