"""The explain view and the diff: a cleaned document shown with what was removed and why.

:func:`explain_lines` turns a :class:`CleanResult` into data (lines cut into kept and
removed pieces, with a tag naming the rule and the kept copy); :func:`plain_view` and
:func:`rich_view` print that data for a pipe or a terminal. Only the removed lines and a
few lines of context are shown unless the whole document is asked for, so a 2,000-line
document stays readable. :func:`removal_diff` is the same information as a unified diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .results import CleanResult, Decision
from .segment import BOM

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class ExplainLine:
    """One line of the input: its 1-based number, its pieces (text, removed?), and tags."""

    number: int
    pieces: list[tuple[str, bool]]
    tags: list[str] = field(default_factory=list)

    @property
    def removed(self) -> bool:
        """True when anything on the line was removed."""
        return any(removed for _, removed in self.pieces)

    @property
    def whole(self) -> bool:
        """True when the whole visible line was removed."""
        return all(removed or not text.strip() for text, removed in self.pieces)


def tag(decision: Decision, document: str) -> str:
    """The margin tag of a removal: the rule, and for a repeat where the kept copy is.

    >>> from dedup.results import Decision, Location
    >>> tag(Decision(4, 90, 120, 9, 9, "repeat", Location("a.txt", 2)), "a.txt")
    'repeat ← line 2'
    >>> tag(Decision(4, 90, 120, 9, 9, "repeat:batch", Location("b.txt", 7)), "a.txt")
    'repeat:batch ← b.txt:7'
    """
    kept = decision.kept
    if kept is None:
        return decision.rule
    where = f"line {kept.line}" if kept.document == document else f"{kept.document}:{kept.line}"
    return f"{decision.rule} ← {where}"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").rstrip("\r\n")


def explain_lines(result: CleanResult) -> list[ExplainLine]:
    """Every line of the input, cut into kept and removed pieces, tagged where units start."""
    data = result.data
    decisions = sorted(result.decisions, key=lambda decision: decision.start)
    lines: list[ExplainLine] = []
    start = len(BOM) if data.startswith(BOM) else 0
    index = 0  # first decision that may still touch the current line
    number = 0
    while start < len(data) or number == 0:
        number += 1
        newline = data.find(b"\n", start)
        end = len(data) if newline < 0 else newline + 1
        pieces: list[tuple[str, bool]] = []
        tags: list[str] = []
        position = start
        scan = index
        while scan < len(decisions) and decisions[scan].start < end:
            decision = decisions[scan]
            if decision.end > position:
                cut_start, cut_end = max(decision.start, position), min(decision.end, end)
                if cut_start > position:
                    pieces.append((_text(data[position:cut_start]), False))
                pieces.append((_text(data[cut_start:cut_end]), True))
                position = cut_end
                if decision.start >= start:
                    tags.append(tag(decision, result.name))
            scan += 1
        while index < len(decisions) and decisions[index].end <= end:
            index += 1
        if position < end:
            pieces.append((_text(data[position:end]), False))
        lines.append(ExplainLine(number, [piece for piece in pieces if piece[0]], tags))
        if newline < 0:
            break
        start = end
    return lines


def hunks(lines: list[ExplainLine], context: int | None) -> Iterator[list[ExplainLine]]:
    """The runs of lines to show: removed lines with ``context`` lines around them.

    ``context=None`` shows the whole document as one run.
    """
    if context is None:
        yield lines
        return
    shown = [False] * len(lines)
    for index, line in enumerate(lines):
        if line.removed:
            for near in range(max(0, index - context), min(len(lines), index + context + 1)):
                shown[near] = True
    run: list[ExplainLine] = []
    for index, line in enumerate(lines):
        if shown[index]:
            run.append(line)
        elif run:
            yield run
            run = []
    if run:
        yield run


def title(result: CleanResult) -> str:
    """One line naming the document and what was removed from it."""
    counts = ", ".join(f"{rule} {count}" for rule, count in sorted(result.rule_counts().items()))
    removed = f"{len(result.decisions)} of {result.units} units removed"
    return f"{result.name}: {removed}" + (f" ({counts})" if counts else "")


def plain_view(result: CleanResult, context: int | None = 2) -> str:
    """The explain view as plain text (for a pipe or a file).

    A ``#`` line above a removed unit names its rule; ``-`` marks a removed line, ``~`` a
    line partly removed, with the removed parts between ``[-`` and ``-]``.
    """
    width = len(str(len(result.data.splitlines()) or 1))
    out = [f"==> {title(result)}"]
    for number, run in enumerate(hunks(explain_lines(result), context)):
        if number:
            out.append(f"{'':>{width}}  ...")
        for line in run:
            for text in line.tags:
                out.append(f"{'':>{width}}  # {text}")
            if line.whole and line.removed:
                body, mark = "".join(text for text, _ in line.pieces), "-"
            elif line.removed:
                body = "".join(f"[-{text}-]" if cut else text for text, cut in line.pieces)
                mark = "~"
            else:
                body, mark = "".join(text for text, _ in line.pieces), " "
            out.append(f"{line.number:>{width}} {mark} {body}".rstrip())
    return "\n".join(out) + "\n"


REMOVED_STYLE = "dim strike"


def rich_view(console: Console, result: CleanResult, context: int | None = 2) -> None:
    """Print the explain view on a rich console: removed text struck and dimmed, tags in the
    right margin."""
    from rich.table import Table
    from rich.text import Text

    console.print(Text(title(result), style="bold"))
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column(justify="right", style="dim", no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    table.add_column(style="yellow", no_wrap=True, max_width=max(20, console.width // 3))
    for number, run in enumerate(hunks(explain_lines(result), context)):
        if number:
            table.add_row("⋮", "", "")
        for line in run:
            text = Text()
            for piece, cut in line.pieces:
                text.append(piece, style=REMOVED_STYLE if cut else "")
            table.add_row(str(line.number), text, Text("; ".join(line.tags)))
    console.print(table)


def removal_diff(result: CleanResult) -> bytes:
    """A unified diff from the input to the cleaned output (bytes, line endings kept)."""
    name = result.name.encode("utf-8", "surrogateescape")
    lines = difflib.diff_bytes(
        difflib.unified_diff,
        result.data.splitlines(keepends=True),
        result.output.splitlines(keepends=True),
        name,
        name + b" (cleaned)",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)
