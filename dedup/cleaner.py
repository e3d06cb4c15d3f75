"""The cleaner: one document in, its cleaned bytes and one decision per removed unit out.

A :class:`Cleaner` holds the state of a run (for ``--scope batch``, the units kept in
earlier documents), so results never depend on anything but the inputs and the config.
It does no I/O and prints nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .boilerplate import STRONG, Rule, builtin_matcher
from .config import CleanConfig
from .detectors import REPEAT_BATCH, Finding, find_boilerplate, find_repeats
from .hashing import fingerprinter
from .normalize import get_profile, make_key_function
from .render import render
from .seen import MemorySeen, SeenStore
from .segment import Segmentation, segment

_HAS_WORD = re.compile(r"[^\W_]")


def _char_count(key: bytes) -> int:
    return len(key.decode("utf-8", "surrogateescape"))


def is_structural(key: bytes) -> bool:
    """True for a unit with no letter or digit at all ("* * *", "---", "◆ ◆ ◆")."""
    return not _HAS_WORD.search(key.decode("utf-8", "surrogateescape"))


@dataclass(frozen=True)
class Location:
    """Where a kept copy is: the document's name and the 1-based line its unit starts on."""

    document: str
    line: int


@dataclass(frozen=True)
class Decision:
    """A removed unit: its span in the input, the rule, and where the kept copy is."""

    unit: int
    start: int  # byte offsets into the whole input, BOM included
    end: int
    line: int  # 1-based line of the unit's first byte
    end_line: int
    rule: str
    kept: Location | None = None


@dataclass
class CleanResult:
    """What cleaning one document produced."""

    name: str
    data: bytes
    output: bytes
    units: int
    decisions: list[Decision] = field(default_factory=list)

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


class Cleaner:
    """Cleans documents one after another under one config."""

    def __init__(self, config: CleanConfig | None = None, seen: SeenStore | None = None) -> None:
        self.config = config or CleanConfig()
        self._key = make_key_function(get_profile(self.config.profile))
        self._fingerprint = fingerprinter(self.config.hash_bits)
        self._matcher = builtin_matcher(self.config.profile) if self.config.boilerplate else None
        self._patterns = [
            (f"pattern:{number}", re.compile(pattern.encode("utf-8")))
            for number, pattern in enumerate(self.config.patterns, 1)
        ]
        self._keep = [re.compile(pattern.encode("utf-8")) for pattern in self.config.keep_patterns]
        # --scope batch: fingerprint of every unit kept so far -> where it was kept
        # (in memory, or a persistent index: see dedup.seen).
        self._batch_seen: SeenStore = seen if seen is not None else MemorySeen()

    def key(self, text: bytes) -> bytes:
        """The comparison key of a unit's bytes."""
        return self._key(text)

    def fingerprint(self, text: bytes) -> int:
        """The fingerprint of a unit's bytes."""
        return self._fingerprint(self._key(text))

    def clean(self, data: bytes, name: str = "-") -> CleanResult:
        """Clean one document; with ``scope="batch"`` it also drops units kept earlier."""
        seg = segment(data, self.config.unit)
        count = len(seg)
        keys = [self._key(seg.unit(index)) for index in range(count)]
        fingerprint = self._fingerprint
        fingerprints = [fingerprint(key) for key in keys]
        key_lengths = [len(key) if key.isascii() else _char_count(key) for key in keys]
        protected = [self._is_protected(seg.unit(index), key) for index, key in enumerate(keys)]
        structural = [
            is_protected or is_structural(key) for is_protected, key in zip(protected, keys)
        ]
        rules = self._match_rules(seg, keys, protected)
        batch = self.config.scope == "batch"
        known = self._batch_seen.lookup(fingerprints) if batch else {}
        findings = self._detect(fingerprints, key_lengths, protected, structural, rules, known)
        keep = [True] * count
        for unit in findings:
            keep[unit] = False
        output = render(seg, keep)
        decisions = self._decisions(data, seg, name, findings, known)
        if batch:
            self._batch_seen.add(
                name,
                (
                    (fingerprints[unit], kept_line)
                    for kept_line, unit in self._kept_lines(data, seg, keep)
                ),
            )
        return CleanResult(name, data, output, count, decisions)

    def _is_protected(self, unit: bytes, key: bytes) -> bool:
        return any(pattern.search(unit) for pattern in self._keep) if self._keep else False

    def _match_rules(
        self, seg: Segmentation, keys: list[bytes], protected: list[bool]
    ) -> list[Rule | None]:
        rules: list[Rule | None] = [None] * len(keys)
        matcher = self._matcher
        for index, key in enumerate(keys):
            if protected[index]:
                continue
            if matcher is not None:
                rules[index] = matcher.match(key)
            if rules[index] is None and self._patterns:
                unit = seg.unit(index)
                for name, pattern in self._patterns:
                    if pattern.search(unit):
                        rules[index] = Rule(name, STRONG)
                        break
        return rules

    def _detect(
        self,
        fingerprints: list[int],
        key_lengths: list[int],
        protected: list[bool],
        structural: list[bool],
        rules: list[Rule | None],
        known: Mapping[int, Location],
    ) -> dict[int, Finding]:
        """Run every detector until the kept units are stable (this makes cleaning idempotent)."""
        config = self.config
        active = list(range(len(fingerprints)))
        findings: dict[int, Finding] = {}
        while active:
            found = find_boilerplate(active, rules)
            remaining = [unit for unit in active if unit not in found]
            found.update(
                find_repeats(
                    remaining,
                    fingerprints,
                    key_lengths,
                    structural,
                    config.min_chars,
                    config.block_min_chars,
                )
            )
            if config.scope == "batch":
                for unit in remaining:
                    if (
                        unit not in found
                        and fingerprints[unit] in known
                        and key_lengths[unit] >= config.min_chars
                        and not structural[unit]
                    ):
                        found[unit] = Finding(REPEAT_BATCH)
            for unit, finding in found.items():
                if not protected[unit]:
                    findings[unit] = finding
            new_active = [unit for unit in active if unit not in findings]
            if len(new_active) == len(active):
                break
            active = new_active
        return findings

    def _decisions(
        self,
        data: bytes,
        seg: Segmentation,
        name: str,
        findings: dict[int, Finding],
        known: Mapping[int, Location],
    ) -> list[Decision]:
        if not findings:
            return []
        offset = len(seg.bom)
        wanted = sorted(
            {seg.starts[unit] for unit in findings}
            | {seg.ends[unit] for unit in findings}
            | {
                seg.starts[finding.kept_unit]
                for finding in findings.values()
                if finding.kept_unit is not None
            }
        )
        line_of = _lines_at(data, [position + offset for position in wanted])
        decisions = []
        for unit in sorted(findings):
            finding = findings[unit]
            kept = None
            if finding.rule == REPEAT_BATCH:
                kept = known.get(self._fingerprint_of(seg, unit))
            elif finding.kept_unit is not None:
                source = findings.get(finding.kept_unit)
                if source is not None and source.rule == REPEAT_BATCH:
                    kept = known.get(self._fingerprint_of(seg, unit))
                else:
                    kept = Location(name, line_of[seg.starts[finding.kept_unit] + offset])
            start, end = seg.starts[unit] + offset, seg.ends[unit] + offset
            decisions.append(
                Decision(unit, start, end, line_of[start], line_of[end], finding.rule, kept)
            )
        return decisions

    def _fingerprint_of(self, seg: Segmentation, unit: int) -> int:
        return self._fingerprint(self._key(seg.unit(unit)))

    def _kept_lines(
        self, data: bytes, seg: Segmentation, keep: list[bool]
    ) -> Iterator[tuple[int, int]]:
        offset = len(seg.bom)
        kept = [unit for unit in range(len(seg)) if keep[unit]]
        line_of = _lines_at(data, [seg.starts[unit] + offset for unit in kept])
        for unit in kept:
            yield line_of[seg.starts[unit] + offset], unit


def _lines_at(data: bytes, positions: list[int]) -> dict[int, int]:
    """Map byte offsets to 1-based line numbers, counting newlines once, left to right."""
    result: dict[int, int] = {}
    line, previous = 1, 0
    for position in sorted(set(positions)):
        line += data.count(b"\n", previous, position)
        previous = position
        result[position] = line
    return result
