"""What cleaning a document produced: its output, one decision per removed unit, and the
totals the report shows.

Results cross from the worker processes of ``--jobs`` to the parent by pickle, so they
are built and pickled column by column: a document can have a decision for most of its
units.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import itemgetter, sub
from typing import NamedTuple, overload


def _load_span_char_counts() -> Callable[[bytes, array[int], array[int]], bytes] | None:
    try:
        from ._fold import span_char_counts
    except ImportError:  # the extension is not built: removed_chars decodes in Python
        return None
    return span_char_counts


_compiled_span_char_counts = _load_span_char_counts()


def removed_chars(data: bytes, starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """The characters of each span of data, an invalid sequence counting as one (as
    decoding with "replace" counts them): in C where ``dedup._fold`` is built, where only
    the spans that are not UTF-8 are decoded."""
    if _compiled_span_char_counts is not None:
        counts = array("q")
        counts.frombytes(_compiled_span_char_counts(data, array("q", starts), array("q", ends)))
        chars = counts.tolist()
        undecided = compress(range(len(chars)), map((-1).__eq__, chars))
    else:
        chars = list(map(sub, ends, starts))
        undecided = compress(range(len(chars)), repeat(True))
    for index in undecided:
        text = data[starts[index] : ends[index]]
        chars[index] = len(text) if text.isascii() else len(text.decode("utf-8", "replace"))
    return chars


# Decisions and locations are named tuples: one is built per removed unit, and a frozen
# dataclass took several times as long to build.
class Location(NamedTuple):
    """Where a kept copy is: the document's name and the 1-based line its unit starts on."""

    document: str
    line: int


class Decision(NamedTuple):
    """A removed unit: its span in the input, the rule, and where the kept copy is."""

    unit: int
    start: int  # byte offsets into the whole input, BOM included
    end: int
    line: int  # 1-based line of the unit's first byte
    end_line: int
    rule: str
    kept: Location | None = None


class RuleTotal(NamedTuple):
    """What one rule removed from a document."""

    units: int
    bytes: int
    chars: int


@dataclass
class CleanResult:
    """What cleaning one document produced."""

    name: str
    data: bytes
    output: bytes
    units: int
    # A list, or a DecisionList, which makes its decisions when first read.
    decisions: Sequence[Decision] = field(default_factory=list)
    # The input byte ranges left out of output (units and the gaps that went with them).
    deleted: list[tuple[int, int]] = field(default_factory=list)
    _totals: dict[str, RuleTotal] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def changed(self) -> bool:
        """True when anything was removed."""
        return bool(self.decisions)

    def rule_counts(self) -> dict[str, int]:
        """Removed units per rule."""
        counts: dict[str, int] = {}
        for decision in self.decisions:
            counts[decision.rule] = counts.get(decision.rule, 0) + 1
        return counts

    def rule_totals(self) -> dict[str, RuleTotal]:
        """Removed units, bytes and characters per rule, in the order rules first occur."""
        if self._totals is None:
            decisions = self.decisions
            if isinstance(decisions, DecisionList):
                rules, starts, ends = decisions.rules, decisions.starts, decisions.ends
            else:
                rules = list(map(_RULE, decisions))
                starts = list(map(_START, decisions))
                ends = list(map(_END, decisions))
            totals: dict[str, list[int]] = {}
            for rule, start, end, chars in zip(
                rules, starts, ends, removed_chars(self.data, starts, ends), strict=True
            ):
                total = totals.get(rule)
                if total is None:
                    total = totals[rule] = [0, 0, 0]
                total[0] += 1
                total[1] += end - start
                total[2] += chars
            self._totals = {rule: RuleTotal(*total) for rule, total in totals.items()}
        return self._totals

    def __reduce__(self) -> tuple[Callable[..., CleanResult], tuple[object, ...]]:
        # A worker of --jobs sends its results to the parent by pickle, which took a
        # second per 200 MB for the decisions alone, one named tuple at a time: they go
        # as columns, in typed arrays where they are numbers.
        decisions = self.decisions
        numbers = array("q", chain.from_iterable(map(_NUMBERS, decisions)))
        kept = list(map(_KEPT, decisions))
        documents = [None if location is None else location.document for location in kept]
        kept_lines = array("q", [0 if location is None else location.line for location in kept])
        deleted = array("q", chain.from_iterable(self.deleted))
        columns = (numbers, list(map(_RULE, decisions)), documents, kept_lines, deleted)
        # The totals are worked out in the worker, not in the parent that reports them.
        totals = self.rule_totals()
        return _unpickled_result, (self.name, self.data, self.output, self.units, columns, totals)


class DecisionList(Sequence[Decision]):
    """A result's decisions, made when first read: a run that only counts and totals the
    removals (the command without a log) never makes a named tuple per removed unit,
    nor looks up their line numbers. ``rules``, ``starts`` and ``ends`` are at hand."""

    def __init__(
        self,
        rules: list[str],
        starts: list[int],
        ends: list[int],
        make: Callable[[], list[Decision]],
    ) -> None:
        self.rules, self.starts, self.ends = rules, starts, ends
        self._make: Callable[[], list[Decision]] | None = make
        self._decisions: list[Decision] = []

    def _made(self) -> list[Decision]:
        if self._make is not None:
            self._decisions = self._make()
            self._make = None  # and what it held
        return self._decisions

    def __len__(self) -> int:
        return len(self.rules)

    @overload
    def __getitem__(self, index: int) -> Decision: ...
    @overload
    def __getitem__(self, index: slice) -> list[Decision]: ...
    def __getitem__(self, index: int | slice) -> Decision | list[Decision]:
        return self._made()[index]

    def __iter__(self) -> Iterator[Decision]:
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return self._made() == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the list it stands for

    def __repr__(self) -> str:
        return repr(self._made())


_NUMBERS = itemgetter(0, 1, 2, 3, 4)  # unit, start, end, line, end_line
_START = itemgetter(1)
_END = itemgetter(2)
_RULE = itemgetter(5)
_KEPT = itemgetter(6)


def _unpickled_result(
    name: str,
    data: bytes,
    output: bytes,
    units: int,
    columns: tuple[array[int], list[str], list[str | None], array[int], array[int]],
    totals: dict[str, RuleTotal],
) -> CleanResult:
    """The CleanResult that :meth:`CleanResult.__reduce__` took apart."""
    numbers, rules, documents, kept_lines, deleted = columns
    locations: dict[tuple[str, int], Location] = {}  # shared, as the cleaner shares them
    kept: list[Location | None] = []
    for document, line in zip(documents, kept_lines, strict=True):
        if document is None:
            kept.append(None)
            continue
        location = locations.get((document, line))
        if location is None:
            location = locations[document, line] = Location(document, line)
        kept.append(location)
    columns_of = [numbers[field::5] for field in range(5)]
    decisions = list(map(Decision, *columns_of, rules, kept))
    pairs = list(zip(deleted[0::2], deleted[1::2], strict=True))
    result = CleanResult(name, data, output, units, decisions, pairs)
    result._totals = totals
    return result
