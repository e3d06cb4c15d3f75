"""Units: the spans of a document that are compared and kept or removed whole.

A document is bytes. A leading UTF-8 byte-order mark is set aside (it belongs to the
file, not to the first unit). Every unit is a ``[start, end)`` byte span of the body;
what lies between two units (newlines, blank lines, the spaces between sentences) is a
gap, and gaps are only ever copied, never changed.

- ``line``: every non-blank line is a unit (its ``\\r`` included, so CRLF survives).
- ``paragraph``: every run of non-blank lines is a unit.
- ``auto``: paragraph when a block is a hard-wrapped paragraph (or a single line),
  otherwise each of its lines is a unit (one-paragraph-per-line scraper output).
- ``sentence``: the sentences of each ``auto`` unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sentences import split_sentences

BOM = b"\xef\xbb\xbf"
_SENTENCE_END = tuple(mark.encode() for mark in '.!?:;"”»。！？')


@dataclass(frozen=True)
class Segmentation:
    """A document cut into units: the BOM, the body, and parallel lists of unit spans."""

    bom: bytes
    body: bytes
    starts: list[int]
    ends: list[int]

    def __len__(self) -> int:
        return len(self.starts)

    def unit(self, index: int) -> bytes:
        """The original bytes of unit ``index``."""
        return self.body[self.starts[index] : self.ends[index]]


def _is_blank(line: bytes) -> bool:
    return not line or line.isspace()


def _char_len(line: bytes) -> int:
    if line.isascii():
        return len(line.rstrip())
    return len(line.decode("utf-8", "replace").rstrip())


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
    lengths = [_char_len(line) for line in lines]
    widest = max(lengths)
    if not 30 <= widest <= 120:
        return False
    body = lines[:-1]
    full = sum(1 for length in lengths[:-1] if length >= 0.6 * widest)
    ended = sum(1 for line in body if line.rstrip().endswith(_SENTENCE_END))
    return full >= 0.8 * len(body) and ended <= 0.5 * len(body)


def _paragraph_blocks(blocks: list[list[tuple[int, int, bytes]]]) -> list[bool]:
    """For auto mode: which blank-line blocks are one paragraph (the rest are lines).

    A block is a paragraph when it is one line or looks hard-wrapped. When most
    multi-line blocks of the document are wrapped, the document is wrapped text, and
    every block whose lines fill its wrap width is a paragraph too, even a short one
    that happens to end lines with punctuation.
    """
    lines_of = [[span[2] for span in block] for block in blocks]
    verdicts = [looks_hard_wrapped(lines) for lines in lines_of]
    multi = [index for index, lines in enumerate(lines_of) if len(lines) > 1]
    wrapped = [index for index in multi if verdicts[index]]
    if multi and len(wrapped) * 2 >= len(multi):
        width = max(_char_len(line) for index in wrapped for line in lines_of[index])
        for index in multi:
            lengths = [_char_len(line) for line in lines_of[index]]
            full = sum(1 for length in lengths[:-1] if length >= 0.6 * width)
            if max(lengths) <= width + 2 and full >= 0.8 * (len(lengths) - 1):
                verdicts[index] = True
    return verdicts


def _line_spans(body: bytes) -> list[tuple[int, int, bytes]]:
    spans = []
    pos = 0
    for line in body.split(b"\n"):
        end = pos + len(line)
        spans.append((pos, end, line))
        pos = end + 1
    return spans


def _blocks(body: bytes) -> list[list[tuple[int, int, bytes]]]:
    """Runs of non-blank lines, each as a list of (start, end, line)."""
    blocks: list[list[tuple[int, int, bytes]]] = []
    current: list[tuple[int, int, bytes]] = []
    for span in _line_spans(body):
        if _is_blank(span[2]):
            if current:
                blocks.append(current)
                current = []
        else:
            current.append(span)
    if current:
        blocks.append(current)
    return blocks


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


def segment(data: bytes, unit: str = "auto") -> Segmentation:
    """Cut a document into units of the given mode.

    >>> seg = segment(b"A line.\\r\\n\\r\\nAnother one.\\r\\n", "line")
    >>> [seg.unit(i) for i in range(len(seg))]
    [b'A line.\\r', b'Another one.\\r']
    """
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom) :]
    starts: list[int] = []
    ends: list[int] = []
    if unit == "line":
        for start, end, line in _line_spans(body):
            if not _is_blank(line):
                starts.append(start)
                ends.append(end)
        return Segmentation(bom, body, starts, ends)
    blocks = _blocks(body)
    as_paragraph = _paragraph_blocks(blocks) if unit != "paragraph" else [True] * len(blocks)
    for block, whole in zip(blocks, as_paragraph):
        if whole:
            pieces = [(block[0][0], block[-1][1])]
        else:
            pieces = [(s[0], s[1]) for s in block]
        for start, end in pieces:
            if unit == "sentence":
                for a, b in _sentence_spans(body, *_strip_span(body, start, end)):
                    starts.append(a)
                    ends.append(b)
            else:
                starts.append(start)
                ends.append(end)
    return Segmentation(bom, body, starts, ends)
