"""What cleaning a document produced: its output, one decision per removed unit, and the
totals the report shows.

Results cross from the worker processes of ``--jobs`` to the parent by pickle, so they
are built and pickled column by column: a document can have a decision for most of its
units.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import chain, compress, repeat, starmap
from operator import is_not, itemgetter, sub
from typing import Any, NamedTuple, overload

from .native import int64s, optional
from .render import KeptPieces, cut

# Without the extension: removed_chars decodes in Python.
_compiled_span_char_counts: Callable[[bytes, array[int], array[int]], bytes] | None = optional(
    "_fold", "span_char_counts"
)


def removed_chars(data: bytes, starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """The characters of each span of data, an invalid sequence counting as one (as
    decoding with "replace" counts them): in C where ``dedup._fold`` is built, where only
    the spans that are not UTF-8 are decoded."""
    return _removed_char_counts(data, starts, ends).tolist()


def _removed_char_counts(data: bytes, starts: Sequence[int], ends: Sequence[int]) -> array[int]:
    undecided: Iterable[int]
    if _compiled_span_char_counts is not None:
        raw = _compiled_span_char_counts(data, int64s(starts), int64s(ends))
        counts = _column_of(raw)
        # -1 marks a span that is not UTF-8: rare, so searched for only if there is one.
        # Its bytes are all 0xff, which no count of a span of a document holds.
        maybe = _ALL_ONES in raw
        undecided = compress(range(len(counts)), map((-1).__eq__, counts)) if maybe else ()
    else:
        counts = array("q", map(sub, ends, starts))
        undecided = range(len(counts))
    for index in undecided:
        text = data[starts[index] : ends[index]]
        counts[index] = len(text) if text.isascii() else len(text.decode("utf-8", "replace"))
    return counts


# Without the extension: finding_columns maps in Python.
_compiled_finding_columns: Callable[..., tuple[Any, ...]] | None = optional(
    "_repeats", "finding_columns"
)
# Without the extension: rule_totals sums in Python.
_compiled_rule_totals: Callable[..., dict[str, list[int]]] | None = optional(
    "_repeats", "rule_totals"
)


class FindingColumns(NamedTuple):
    """A document's findings as the columns of its decisions (see :class:`DecisionList`):
    the removed units in order, their spans, their rules, and for those with a kept copy
    their positions among the units, the copy's start, and the copy."""

    units: array[int]
    starts: array[int]
    ends: array[int]
    rules: list[str]
    copied: array[int]
    copy_starts: array[int]
    copy_units: array[int]


def finding_columns(
    findings: Mapping[int, tuple[str, int | None]],
    starts: array[int],
    ends: array[int],
    offset: int,
) -> FindingColumns:
    """The columns of ``findings`` (unit -> (rule, kept unit or None)) for units whose
    spans are ``starts``/``ends``, moved by ``offset``: in one C pass where
    ``dedup._repeats`` is built (a document can have a finding for most of its units),
    else with C-level maps."""
    if _compiled_finding_columns is not None and isinstance(findings, dict):
        units, unit_starts, unit_ends, rules, copied, copy_starts, copy_units = (
            _compiled_finding_columns(findings, starts, ends, offset)
        )
        return FindingColumns(
            _column_of(units),
            _column_of(unit_starts),
            _column_of(unit_ends),
            rules,
            _column_of(copied),
            _column_of(copy_starts),
            _column_of(copy_units),
        )
    units = sorted(findings)
    found = list(map(findings.__getitem__, units))
    copies = list(map(itemgetter(1), found))
    copied = list(compress(range(len(units)), map(is_not, copies, repeat(None))))
    copy_units = list(map(copies.__getitem__, copied))
    return FindingColumns(
        array("q", units),
        array("q", map(offset.__add__, map(starts.__getitem__, units))),
        array("q", map(offset.__add__, map(ends.__getitem__, units))),
        list(map(itemgetter(0), found)),
        array("q", copied),
        array("q", map(offset.__add__, map(starts.__getitem__, copy_units))),
        array("q", copy_units),
    )


def _column_of(raw: bytes) -> array[int]:
    """The array('q') of native int64 bytes, as the C functions return them."""
    column = array("q")
    column.frombytes(raw)
    return column


_ALL_ONES = b"\xff" * 8  # -1 as a native int64


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
    """What cleaning one document produced.

    ``output`` is the input without the ``deleted`` ranges. Given as None, it is made
    when first read: the command writes :meth:`output_pieces` instead, and a worker of
    ``--jobs`` sends the ranges, not a second copy of the text.
    """

    name: str
    data: bytes
    given_output: bytes | None
    units: int
    # A list, or a DecisionList, which makes its decisions when first read.
    decisions: Sequence[Decision] = field(default_factory=list)
    # The input byte ranges left out of output (units and the gaps that went with them).
    deleted: list[tuple[int, int]] = field(default_factory=list)
    _totals: dict[str, RuleTotal] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _made_output: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def output(self) -> bytes:
        """The cleaned bytes."""
        if self.given_output is not None:
            return self.given_output
        if self._made_output is None:
            self._made_output = cut(self.data, self.deleted)
        return self._made_output

    @property
    def output_size(self) -> int:
        """``len(output)``, without making it."""
        if self.given_output is not None:
            return len(self.given_output)
        removed: int = -sum(starmap(sub, self.deleted))  # sub gives start - end
        return len(self.data) - removed

    def output_pieces(self) -> Iterable[bytes | memoryview]:
        """The output's bytes in order, as views of the input where it is not made."""
        if self.given_output is not None or self._made_output is not None:
            return (self.output,)
        return KeptPieces(self.data, self.deleted)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CleanResult):
            return NotImplemented
        return (self.name, self.data, self.output, self.units, self.decisions, self.deleted) == (
            other.name,
            other.data,
            other.output,
            other.units,
            other.decisions,
            other.deleted,
        )

    @property
    def changed(self) -> bool:
        """True when anything was removed."""
        return bool(self.decisions)

    def rule_counts(self) -> dict[str, int]:
        """Removed units per rule."""
        return {rule: total.units for rule, total in self.rule_totals().items()}

    def rule_totals(self) -> dict[str, RuleTotal]:
        """Removed units, bytes and characters per rule, in the order rules first occur."""
        if self._totals is None:
            decisions = self.decisions
            starts: Sequence[int]
            ends: Sequence[int]
            if isinstance(decisions, DecisionList):
                rules, starts, ends = decisions.rules, decisions.starts, decisions.ends
            else:
                rules = list(map(_RULE, decisions))
                starts = list(map(_START, decisions))
                ends = list(map(_END, decisions))
            chars = _removed_char_counts(self.data, starts, ends)
            totals: dict[str, list[int]] | None = None
            if _compiled_rule_totals is not None:
                listed = rules if isinstance(rules, list) else list(rules)
                with suppress(TypeError):  # a rule that is not a str: summed in Python
                    totals = _compiled_rule_totals(listed, int64s(starts), int64s(ends), chars)
            if totals is None:
                totals = {}
                for rule, start, end, count in zip(rules, starts, ends, chars, strict=True):
                    total = totals.get(rule)
                    if total is None:
                        total = totals[rule] = [0, 0, 0]
                    total[0] += 1
                    total[1] += end - start
                    total[2] += count
            self._totals = {rule: RuleTotal(*total) for rule, total in totals.items()}
        return self._totals

    def __reduce__(self) -> tuple[Callable[..., CleanResult], tuple[object, ...]]:
        # A worker of --jobs sends its results to the parent by pickle, which took a
        # second per 200 MB for the decisions alone, one named tuple at a time: they go
        # as columns, in typed arrays where they are numbers.
        decisions: DecisionList | tuple[object, ...]
        if isinstance(self.decisions, DecisionList):
            decisions = self.decisions
        else:
            numbers = array("q", chain.from_iterable(map(_NUMBERS, self.decisions)))
            kept = list(map(_KEPT, self.decisions))
            documents = [None if place is None else place.document for place in kept]
            lines = array("q", [0 if place is None else place.line for place in kept])
            decisions = (numbers, list(map(_RULE, self.decisions)), documents, lines)
        deleted = array("q", chain.from_iterable(self.deleted))
        # The totals are worked out in the worker, not in the parent that reports them.
        totals = self.rule_totals()
        state = (self.name, self.data, self.given_output, self.units, decisions, deleted, totals)
        return _unpickled_result, state


class DecisionList(Sequence[Decision]):
    """A result's decisions, made when first read: a run that only counts and totals the
    removals (the command without a log) never makes a named tuple per removed unit,
    nor looks up their line numbers. They are made from columns: per decision its unit,
    span (``starts``, ``ends``: offsets into ``data``) and rule; the decisions whose kept
    copy is in this document (``copied``, positions among the decisions) and that copy's
    start; and where the batch kept the copies of the others that have one
    (``batch_kept``: position -> location). The columns, not the decisions, are what a
    worker of ``--jobs`` sends."""

    def __init__(
        self,
        document: str,
        data: bytes,
        columns: tuple[array[int], array[int], array[int], list[str], array[int], array[int]],
        batch_kept: dict[int, Location | None],
    ) -> None:
        self.document, self.data, self.batch_kept = document, data, batch_kept
        self.units, self.starts, self.ends, self.rules, self.copied, self.copy_starts = columns
        self._decisions: list[Decision] | None = None

    def _made(self) -> list[Decision]:
        if self._decisions is None:
            # One shared Location per kept copy.
            places = sorted(set(self.copy_starts))
            located = zip(repeat(self.document), line_numbers(self.data, places))
            locations = dict(zip(places, map(tuple.__new__, repeat(Location), located)))
            kept: list[Location | None] = [None] * len(self.units)
            for index, location in zip(self.copied, map(locations.__getitem__, self.copy_starts)):
                kept[index] = location
            for index, batch_location in self.batch_kept.items():
                kept[index] = batch_location
            lines = line_numbers(self.data, self.starts)
            end_lines = line_numbers(self.data, self.ends)
            # tuple.__new__ over zipped columns: a NamedTuple's own __new__ is a Python call.
            columns = zip(self.units, self.starts, self.ends, lines, end_lines, self.rules, kept)
            self._decisions = list(map(tuple.__new__, repeat(Decision), columns))
        return self._decisions

    def __reduce__(self) -> tuple[type[DecisionList], tuple[object, ...]]:
        columns = (self.units, self.starts, self.ends, self.rules, self.copied, self.copy_starts)
        return DecisionList, (self.document, self.data, columns, self.batch_kept)

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
    output: bytes | None,
    units: int,
    decisions: DecisionList | tuple[array[int], list[str], list[str | None], array[int]],
    deleted: array[int],
    totals: dict[str, RuleTotal],
) -> CleanResult:
    """The CleanResult that :meth:`CleanResult.__reduce__` took apart."""
    pairs = list(zip(deleted[0::2], deleted[1::2], strict=True))
    if isinstance(decisions, DecisionList):
        result = CleanResult(name, data, output, units, decisions, pairs)
    else:
        numbers, rules, documents, kept_lines = decisions
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
        columns = [numbers[field::5] for field in range(5)]
        made = list(map(Decision, *columns, rules, kept))
        result = CleanResult(name, data, output, units, made, pairs)
    result._totals = totals
    return result


# Without the extension: line_numbers counts in Python.
_compiled_line_numbers: Callable[[bytes, array[int], array[int]], None] | None = optional(
    "_lines", "line_numbers"
)


def line_numbers(data: bytes, ascending: Sequence[int]) -> Sequence[int]:
    """The 1-based line number of each byte offset, for offsets in ascending order:
    newlines are counted once, left to right (in C where ``dedup._lines`` is built)."""
    if _compiled_line_numbers is not None:
        lines = array("q", bytes(8 * len(ascending)))
        _compiled_line_numbers(data, array("q", ascending), lines)
        return lines
    result: list[int] = []
    line, previous = 1, 0
    for position in ascending:
        line += data.count(b"\n", previous, position)
        previous = position
        result.append(line)
    return result
