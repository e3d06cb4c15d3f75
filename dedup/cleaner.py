"""The cleaner: one document in, its cleaned bytes and one decision per removed unit out.

A :class:`Cleaner` holds the state of a run (for ``--scope batch``, the units kept in
earlier documents), so results never depend on anything but the inputs and the config.
It does no I/O and prints nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, filterfalse
from operator import ne, not_

from .boilerplate import STRONG, Rule, builtin_matcher
from .config import CleanConfig
from .detectors import REPEAT_BATCH, Finding, find_boilerplate, find_repeats
from .hashing import fingerprinter
from .normalize import get_profile, make_bulk_key_function, make_key_function
from .render import render
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

    def __init__(self, config: CleanConfig | None = None) -> None:
        self.config = config or CleanConfig()
        self._key = make_key_function(get_profile(self.config.profile))
        self._keys = make_bulk_key_function(get_profile(self.config.profile))
        self._fingerprint = fingerprinter(self.config.hash_bits)
        self._matcher = builtin_matcher(self.config.profile) if self.config.boilerplate else None
        self._patterns = [
            (f"pattern:{number}", re.compile(pattern.encode("utf-8")))
            for number, pattern in enumerate(self.config.patterns, 1)
        ]
        self._keep = [re.compile(pattern.encode("utf-8")) for pattern in self.config.keep_patterns]
        # --scope batch: fingerprint of every unit kept so far -> where it was kept.
        self._batch_seen: dict[int, Location] = {}

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
        units = list(map(seg.body.__getitem__, map(slice, seg.starts, seg.ends)))
        keys = self._keys(units)
        fingerprints = list(map(self._fingerprint, keys))
        key_lengths = list(map(len, keys))
        for index in compress(range(count), map(not_, map(bytes.isascii, keys))):
            key_lengths[index] = _char_count(keys[index])
        if self._keep:
            protected = [self._is_protected(u, k) for u, k in zip(units, keys, strict=True)]
        else:
            protected = [False] * count
        # Whether a unit is structural only matters once it repeats (in the document or the
        # batch), and a unit that repeats among any subset of units repeats among all.
        first: dict[int, int] = {}
        first_of = list(map(first.setdefault, fingerprints, range(count)))
        repeated = set(compress(range(count), map(ne, first_of, range(count))))
        if self._batch_seen:
            in_batch = map(self._batch_seen.__contains__, fingerprints)
            repeated.update(compress(range(count), in_batch))
        structural = protected.copy()
        for index in repeated:
            structural[index] = protected[index] or is_structural(keys[index])
        rules = self._match_rules(units, keys, protected)
        findings = self._detect(fingerprints, key_lengths, protected, structural, rules, repeated)
        keep = [True] * count
        for unit in findings:
            keep[unit] = False
        output = render(seg, keep)
        decisions = self._decisions(data, seg, name, findings)
        if self.config.scope == "batch":
            for decision_line, unit in self._kept_lines(data, seg, keep):
                self._batch_seen.setdefault(fingerprints[unit], Location(name, decision_line))
        return CleanResult(name, data, output, count, decisions)

    def _is_protected(self, unit: bytes, key: bytes) -> bool:
        return any(pattern.search(unit) for pattern in self._keep) if self._keep else False

    def _match_rules(
        self, units: list[bytes], keys: list[bytes], protected: list[bool]
    ) -> list[Rule | None]:
        matcher = self._matcher
        rules: list[Rule | None]
        rules = matcher.match_many(keys) if matcher is not None else [None] * len(keys)
        if self._patterns:
            for index, unit in enumerate(units):
                if rules[index] is not None:
                    continue
                for name, pattern in self._patterns:
                    if pattern.search(unit):
                        rules[index] = Rule(name, STRONG)
                        break
        if self._keep:
            rules = [None if kept else rule for rule, kept in zip(rules, protected, strict=True)]
        return rules

    def _detect(
        self,
        fingerprints: list[int],
        key_lengths: list[int],
        protected: list[bool],
        structural: list[bool],
        rules: list[Rule | None],
        repeated: set[int],
    ) -> dict[int, Finding]:
        """Run every detector until the kept units are stable (this makes cleaning idempotent).

        ``repeated`` holds every unit whose fingerprint occurs earlier in the document or in
        the batch. Another pass can only find something when a unit with a boilerplate rule
        or a repeated unit is still kept: removing units changes what is adjacent, and
        adjacency only matters to boilerplate regions, stutters and blocks.
        """
        config = self.config
        active: Sequence[int] = range(len(fingerprints))
        findings: dict[int, Finding] = {}
        ruled = list(compress(active, rules))
        batch_seen = self._batch_seen
        while active:
            found = find_boilerplate(active, rules) if ruled else {}
            remaining = list(filterfalse(found.__contains__, active)) if found else active
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
            if config.scope == "batch" and batch_seen:
                seen = map(batch_seen.__contains__, map(fingerprints.__getitem__, remaining))
                for unit in compress(remaining, seen):
                    if (
                        unit not in found
                        and key_lengths[unit] >= config.min_chars
                        and not structural[unit]
                    ):
                        found[unit] = Finding(REPEAT_BATCH)
            for unit, finding in found.items():
                if not protected[unit]:
                    findings[unit] = finding
            if len(findings) == len(fingerprints) - len(active):
                break  # nothing new: the kept units are stable
            if not any(unit not in findings for unit in ruled) and not any(
                unit not in findings for unit in repeated
            ):
                break  # proven stable without another pass (see the docstring)
            active = list(filterfalse(findings.__contains__, active))
        return findings

    def _decisions(
        self, data: bytes, seg: Segmentation, name: str, findings: dict[int, Finding]
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
                kept = self._batch_seen.get(self._fingerprint_of(seg, unit))
            elif finding.kept_unit is not None:
                source = findings.get(finding.kept_unit)
                if source is not None and source.rule == REPEAT_BATCH:
                    kept = self._batch_seen.get(self._fingerprint_of(seg, unit))
                else:
                    kept = Location(name, line_of[seg.starts[finding.kept_unit] + offset])
            start, end = seg.starts[unit] + offset, seg.ends[unit] + offset
            decisions.append(
                Decision(
                    unit, start, end, line_of[start], line_of[end], finding.rule, kept
                )
            )
        return decisions

    def _fingerprint_of(self, seg: Segmentation, unit: int) -> int:
        return self._fingerprint(self._key(seg.unit(unit)))

    def _kept_lines(
        self, data: bytes, seg: Segmentation, keep: list[bool]
    ) -> Iterator[tuple[int, int]]:
        offset = len(seg.bom)
        kept = list(compress(range(len(seg)), keep))
        line_of = _lines_at(data, [seg.starts[unit] + offset for unit in kept])
        for unit in kept:
            yield line_of[seg.starts[unit] + offset], unit


def _lines_at(data: bytes, positions: list[int]) -> dict[int, int]:
    """Map byte offsets to 1-based line numbers, counting newlines between sorted offsets."""
    result: dict[int, int] = {}
    line, previous = 1, 0
    count = data.count
    for position in sorted(positions):
        line += count(b"\n", previous, position)
        previous = position
        result[position] = line
    return result
