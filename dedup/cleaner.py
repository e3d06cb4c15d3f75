"""The cleaner: one document in, its cleaned bytes and one decision per removed unit out.

A :class:`Cleaner` holds the state of a run (for ``--scope batch``, the units kept in
earlier documents), so results never depend on anything but the inputs and the config.
It does no I/O and prints nothing.
"""

from __future__ import annotations

import gc
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from itertools import compress, repeat
from operator import not_, or_
from typing import ParamSpec, TypeVar, overload

from .boilerplate import MAX_KEY_BYTES, WEAK, Rule, builtin_matcher
from .config import CleanConfig
from .detectors import (
    REPEAT,
    REPEAT_BATCH,
    Finding,
    find_boilerplate,
    find_repeats,
    first_copies,
)
from .fingerprint_set import EarlierUnits
from .hashing import fingerprinter, fingerprints_of
from .learn import LEARNED, distinct
from .native import optional
from .nested import AdjacentPairs, find_nested
from .normalize import (
    get_profile,
    make_bulk_key_function,
    make_key_function,
    make_span_key_function,
    shortened,
)
from .patterns import DROP, KEEP, UserRule, UserRules
from .render import deleted_ranges
from .results import (
    CleanResult,
    Decision,
    DecisionList,
    Location,
    finding_columns,
    line_numbers,
)
from .seen import MemorySeen, SeenStore
from .segment import Segmentation, segment

# Without the extension: a regex searches each key.
_compiled_word_flags: Callable[[list[bytes]], bytes] | None = optional("_fold", "word_flags")
# Without the extension: kept_among filters in Python.
_compiled_still_kept: Callable[[list[int], bytearray], list[int]] | None = optional(
    "_repeats", "still_kept"
)
# Without the extension: kept_among compresses a range.
_compiled_kept_positions: Callable[[bytearray], list[int]] | None = optional(
    "_repeats", "kept_positions"
)
# Without the extension: _unmark sets each flag by a call.
_compiled_unmark: Callable[[bytearray, dict[int, Finding]], None] | None = optional(
    "_repeats", "unmark"
)
# Without the extension: char_counts decodes in Python.
_compiled_char_counts: Callable[[list[bytes]], list[int]] | None = optional("_fold", "char_counts")

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _collector_paused(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run function with the cyclic garbage collector paused.

    Cleaning a big document builds millions of lists, tuples and dict entries without
    a reference cycle among them, and each full collection walked every one: a quarter
    of the time of a 200 MB document in sentence mode. Cycles made meanwhile are
    collected once the collector runs again.
    """

    @wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused


# An unmatched unit this short may sit inside a boilerplate region (a name, a label).
FILLER_MAX_CHARS = 60
# A document that learned chrome would cover beyond this share of its characters is
# another version of a document of its group (a second scrape, a draft), not a page of
# the site: its learned rules are not applied, so that it is not emptied.
MAX_CHROME_SHARE = 0.9
_HAS_WORD = re.compile(r"[^\W_]")
_ASCII_ALNUM = re.compile(rb"[0-9A-Za-z]")
# A key that ends like a sentence (or a label: "Share this:"), so is not a menu item.
_SENTENCE_END = re.compile(rb"(?:[.!?:;]|\xe3\x80\x82|\xef\xbc[\x81\x9f])[\W_]*$")


def char_counts(keys: list[bytes]) -> list[int]:
    """The length in characters of each key, as ``surrogateescape`` decodes it; in C
    (``dedup._fold``) where it is built, else only the keys beyond ASCII are decoded."""
    if _compiled_char_counts is not None:
        return _compiled_char_counts(keys)
    counts = list(map(len, keys))
    for index in compress(range(len(keys)), map(not_, map(bytes.isascii, keys))):
        counts[index] = len(keys[index].decode("utf-8", "surrogateescape"))
    return counts


def is_structural(key: bytes) -> bool:
    """True for a unit with no letter or digit at all ("* * *", "---", "◆ ◆ ◆")."""
    return not _HAS_WORD.search(key.decode("utf-8", "surrogateescape"))


def structural_flags(keys: Sequence[bytes]) -> list[bool]:
    """:func:`is_structural` of every key. A key with an ASCII letter or digit is not
    structural, which one pass in C finds (``dedup._fold``; else a regex search per key),
    most keys at their first byte; only the others beyond ASCII are decoded."""
    if _compiled_word_flags is not None:
        flags = list(map(not_, _compiled_word_flags(list(keys))))
    else:
        flags = list(map(not_, map(_ASCII_ALNUM.search, keys)))
    for index in compress(range(len(keys)), flags):
        if not keys[index].isascii():
            flags[index] = is_structural(keys[index])
    return flags


@dataclass
class _Units:
    """A segmented document with its keys and per-unit facts, in parallel lists.

    ``units`` (the unit bytes) is only kept while the user's rules need it: in a big
    document it is as large as the text.
    """

    seg: Segmentation
    units: list[bytes] | None
    keys: list[bytes]
    fingerprints: Sequence[int]
    key_lengths: list[int]
    protected: list[bool]


class Cleaner:
    """Cleans documents one after another under one config."""

    def __init__(self, config: CleanConfig | None = None, seen: SeenStore | None = None) -> None:
        self.config = config or CleanConfig()
        self._key = make_key_function(get_profile(self.config.profile))
        self._keys = make_bulk_key_function(get_profile(self.config.profile))
        self._span_keys = make_span_key_function(get_profile(self.config.profile))
        self._fingerprint = fingerprinter(self.config.hash_bits)
        self._matcher = builtin_matcher(self.config.profile) if self.config.boilerplate else None
        self._user = UserRules(
            [
                *(UserRule(f"pattern:{n}", DROP, p) for n, p in enumerate(self.config.patterns, 1)),
                *(UserRule("keep", KEEP, pattern) for pattern in self.config.keep_patterns),
                *self.config.user_rules,
            ],
            self._key,
        )
        # --scope batch: fingerprint of every unit kept so far -> where it was kept
        # (in memory, or a persistent index: see dedup.seen).
        self._batch_seen: SeenStore = seen if seen is not None else MemorySeen()
        # The units kept in the earlier windows of the stream being cleaned (see
        # clean_window): fingerprints only, in a compact set.
        self._earlier = EarlierUnits(self.config.hash_bits)

    def key(self, text: bytes) -> bytes:
        """The comparison key of a unit's bytes."""
        return self._key(text)

    def fingerprint(self, text: bytes) -> int:
        """The fingerprint of a unit's bytes."""
        return self._fingerprint(self._key(text))

    def _keyed(
        self, data: bytes, longest_key: int | None = None
    ) -> tuple[Segmentation, list[bytes] | None, list[bytes]]:
        """The document's units and their keys; the units' bytes only when the user's
        rules read them. A key over ``longest_key`` bytes is left empty."""
        seg = segment(data, self.config.unit)
        if self._user:
            units = list(map(seg.body.__getitem__, map(slice, seg.starts, seg.ends)))
            keys = self._keys(units)
            return seg, units, keys if longest_key is None else shortened(keys, longest_key)
        return seg, None, self._span_keys(seg.body, seg.starts, seg.ends, longest_key)

    def _analyse(self, data: bytes) -> _Units:
        seg, units, keys = self._keyed(data)
        user = self._user
        fingerprints = fingerprints_of(keys, self.config.hash_bits)
        key_lengths = char_counts(keys)
        if units is not None:
            protected = list(map(user.keeps, units, keys))
            return _Units(seg, units, keys, fingerprints, key_lengths, protected)
        return _Units(seg, None, keys, fingerprints, key_lengths, [False] * len(seg))

    @_collector_paused
    def unit_fingerprints(self, data: bytes) -> tuple[int, Sequence[int], list[int]]:
        """The map step of learning: (document fingerprint, the distinct fingerprints of
        the learnable units, those among them that are short)."""
        # Learnable: short enough and no divider, nor on the keep-list. The length first:
        # a key too long to learn is not even finished (it is left empty, as are the keys
        # of blank units), so only the units short enough are folded whole, searched for a
        # letter, fingerprinted and counted. Prose paragraphs hold most of the bytes.
        _, units, keys = self._keyed(data, MAX_KEY_BYTES)
        sized = list(compress(range(len(keys)), keys))  # the keys not left empty
        sized_keys = list(filter(None, keys))
        excluded: Iterable[bool] = structural_flags(sized_keys)
        if units is not None:
            kept_by_user = map(self._user.keeps, map(units.__getitem__, sized), sized_keys)
            excluded = map(or_, kept_by_user, excluded)
        learnable = list(compress(sized_keys, map(not_, excluded)))
        fingerprints = fingerprints_of(learnable, self.config.hash_bits)
        short_ones = map(self.config.min_chars.__gt__, char_counts(learnable))
        short = list(compress(fingerprints, short_ones))
        # Sent to the parent as they are: a typed array of 64-bit ones pickles as bytes.
        return self._fingerprint(data), distinct(fingerprints), short

    def clean(
        self, data: bytes, name: str = "-", chrome: Mapping[int, Rule] | None = None
    ) -> CleanResult:
        """Clean one document.

        With ``scope="batch"`` it also drops units kept in earlier documents; ``chrome``
        maps fingerprints of units learned as boilerplate (see :mod:`dedup.learn`) to
        their rule.
        """
        return self._clean(data, name, chrome, None)

    def start_stream(self) -> None:
        """Forget the windows of the previous stream (see :meth:`clean_window`)."""
        self._earlier = EarlierUnits(self.config.hash_bits)

    def clean_window(self, data: bytes, name: str, *, first: bool, last: bool) -> CleanResult:
        """Clean one window of a stream too long to hold (see :mod:`dedup.stream`).

        A unit kept in an earlier window of the stream goes as a repeat (its kept copy
        is not located: only fingerprints are remembered). Blocks, regions and wrappers
        are found within the window; only the ``first`` window holds the stream's start
        and only the ``last`` its end, which footer and header regions may touch.
        """
        return self._clean(data, name, None, (first, last))

    @_collector_paused
    def _clean(
        self,
        data: bytes,
        name: str,
        chrome: Mapping[int, Rule] | None,
        window: tuple[bool, bool] | None,
    ) -> CleanResult:
        units = self._analyse(data)
        seg, fingerprints, count = units.seg, units.fingerprints, len(units.keys)
        # Whether a unit is structural only matters once it repeats (in the document or
        # the batch), and a unit that repeats among any subset of units repeats among all.
        first_of, repeats = first_copies(fingerprints)
        repeated: Sequence[int] = repeats  # ascending
        batch = self.config.scope == "batch" and window is None
        known: Mapping[int, Location | None] = {}
        if batch:
            known = self._batch_seen.lookup(fingerprints)
        elif window is not None:
            known = dict.fromkeys(self._earlier.among(fingerprints))
        if known:
            in_batch = map(known.__contains__, fingerprints)
            repeated = sorted({*repeats, *compress(range(count), in_batch)})
        del repeats
        structural = units.protected.copy()
        flags = structural_flags(list(map(units.keys.__getitem__, repeated)))
        for index in compress(repeated, flags):
            structural[index] = True
        rules, user_drops = self._match_rules(units, chrome or {})
        units.units = None  # not needed any more; free them early
        short = _AtMost(units.key_lengths, FILLER_MAX_CHARS)
        findings = self._detect(
            first_of,
            units.keys,
            fingerprints,
            units.key_lengths,
            units.protected,
            structural,
            rules,
            short,
            user_drops,
            repeated,
            known,
            window or (True, True),
            REPEAT_BATCH if window is None else REPEAT,
        )
        # The keys are as large as the text: free them before the output is made.
        del units, rules, short, structural
        keep = bytearray(b"\1") * len(seg)  # 1 for a unit kept
        _unmark(keep, findings)
        deleted = deleted_ranges(seg, keep) if findings else []
        decisions = self._decisions(data, seg, name, findings, known, fingerprints)
        if batch:
            self._batch_seen.add(
                name,
                (
                    (fingerprints[unit], kept_line)
                    for kept_line, unit in self._kept_lines(data, seg, keep)
                ),
            )
        elif window is not None:
            self._earlier.add(compress(fingerprints, keep))
        # The output is made when read: the command writes the kept pieces of data.
        output = None if deleted else data
        return CleanResult(name, data, output, len(seg), decisions, deleted)

    def _match_rules(
        self, units: _Units, chrome: Mapping[int, Rule]
    ) -> tuple[list[Rule | None], dict[int, Finding]]:
        """Per unit, the library or learned rule it matches, if any; and the units that
        the user's patterns drop (those go alone, they do not make a region)."""
        keys = units.keys
        matcher, user = self._matcher, self._user
        rules: list[Rule | None]
        rules = matcher.match_many(keys) if matcher is not None else [None] * len(keys)
        if chrome and _chrome_share(units, chrome) <= MAX_CHROME_SHARE:
            for index, fingerprint in enumerate(units.fingerprints):
                if rules[index] is None:
                    rules[index] = chrome.get(fingerprint)
        user_drops: dict[int, Finding] = {}
        if user:
            assert units.units is not None  # kept for the user's rules
            for index, unit in enumerate(units.units):
                if units.protected[index]:
                    rules[index] = None
                    continue
                name = user.drops(unit, keys[index])
                if name is not None:
                    user_drops[index] = Finding(name)
                    rules[index] = None
        return rules, user_drops

    def _detect(
        self,
        first_of: Sequence[int],
        keys: list[bytes],
        fingerprints: Sequence[int],
        key_lengths: list[int],
        protected: list[bool],
        structural: list[bool],
        rules: list[Rule | None],
        short: Sequence[bool],
        preset: dict[int, Finding],
        repeated: Sequence[int],
        known: Mapping[int, Location | None],
        edges: tuple[bool, bool],
        seen_rule: str,
    ) -> dict[int, Finding]:
        """Run every detector until the kept units are stable (this makes cleaning idempotent).

        ``first_of`` gives, per unit, the index of the first unit with its fingerprint.
        ``preset`` holds units already decided (the user's patterns). ``repeated`` holds
        every unit whose fingerprint occurs earlier in the document or in the batch (or
        the stream), where ``known`` holds it and ``seen_rule`` names its removal.
        ``edges`` says whether the document's start and end are the input's own (not so
        for a window inside a stream).
        Another pass can only find something while a unit with a boilerplate rule or a
        repeated unit is still kept: removing units changes what is adjacent, and
        adjacency only matters to boilerplate regions, stutters, blocks, and wrappers
        (checked directly, as a removal can join a wrapper to its pieces).
        """
        config = self.config
        count = len(fingerprints)
        findings = dict(preset)
        # A byte per unit, 1 while it is kept: the units still kept are read off it in
        # one C-level pass (filtering them by the findings took a call per unit).
        kept = bytearray(b"\1") * count
        _unmark(kept, findings)
        active: Sequence[int] = range(count)
        if findings:
            active = kept_among(active, kept)
        ruled = list(compress(range(len(rules)), rules))
        any_protected = any(protected)  # else every finding stands, taken in one update

        # Asked only of the units inside a candidate wrapper, not worked out for every unit.
        def flagged(unit: int) -> bool:
            # A short line that recurs in a site ("Background", the site's name) is a fine
            # section heading; it does not make its wrapper chrome. A library word does.
            rule = rules[unit]
            return rule is not None and not (
                rule.strength == WEAK and rule.name.startswith(LEARNED)
            )

        def menu_like(unit: int) -> bool:
            return short[unit] and not _SENTENCE_END.search(keys[unit])

        pairs = AdjacentPairs(keys)
        batch_seen = known
        while active:
            found = find_nested(active, pairs, flagged, menu_like)
            found.update(
                find_boilerplate(active, rules, short, edges, ruled=ruled) if ruled else {}
            )
            remaining = active
            if found:
                kept_now = bytearray(kept)
                _unmark(kept_now, found)
                remaining = kept_among(active, kept_now)
            repeats_found = find_repeats(
                remaining,
                fingerprints,
                first_of,
                key_lengths,
                structural,
                config.min_chars,
                config.block_min_chars,
            )
            found = _merged(found, repeats_found)
            if batch_seen:
                seen = map(batch_seen.__contains__, map(fingerprints.__getitem__, remaining))
                for unit in compress(remaining, seen):
                    if (
                        unit not in found
                        and key_lengths[unit] >= config.min_chars
                        and not structural[unit]
                    ):
                        found[unit] = Finding(seen_rule)
            before = len(findings)
            if any_protected:
                found = {unit: found[unit] for unit in found if not protected[unit]}
            findings = _merged(findings, found)
            if len(findings) == before:
                break  # nothing new: the kept units are stable
            _unmark(kept, found)
            active = kept_among(active, kept)
            if (
                not any(unit not in findings for unit in ruled)
                and not any(unit not in findings for unit in repeated)
                and not find_nested(active, pairs, flagged, menu_like)
            ):
                break  # proven stable without another pass (see the docstring)
        return findings

    def _decisions(
        self,
        data: bytes,
        seg: Segmentation,
        name: str,
        findings: dict[int, Finding],
        known: Mapping[int, Location | None],
        fingerprints: Sequence[int],
    ) -> Sequence[Decision]:
        if not findings:
            return []
        # Columns made with C-level calls: a document can have a decision for most of its
        # units. Only the rules and spans are needed at once (for the report); the lines
        # and the decisions themselves are made if the decisions are read.
        columns = finding_columns(findings, seg.starts, seg.ends, len(seg.bom))
        units, rules, copied = columns.units, columns.rules, columns.copied
        # Kept in an earlier document: the batch's record says where (read now, before
        # the store takes this document's units). Without a record, none is.
        batch_kept: dict[int, Location | None] = {}
        if known:
            sources = map(findings.get, columns.copy_units)
            from_batch = compress(copied, map(_from_batch, sources))
            batch_repeats = compress(range(len(units)), map(REPEAT_BATCH.__eq__, rules))
            batch_kept = {
                index: known.get(fingerprints[units[index]])
                for index in sorted({*from_batch, *batch_repeats})
            }
        return DecisionList(name, data, columns[:6], batch_kept)

    def _kept_lines(
        self, data: bytes, seg: Segmentation, keep: bytearray
    ) -> Iterator[tuple[int, int]]:
        offset = len(seg.bom)
        kept = list(compress(range(len(seg)), keep))
        starts = list(map(offset.__add__, map(seg.starts.__getitem__, kept)))
        yield from zip(line_numbers(data, starts), kept)


class _AtMost(Sequence[bool]):
    """Per unit, whether its length is at most a limit: read for few units (those near
    boilerplate and in wrappers), so not worked out for all of them."""

    def __init__(self, lengths: list[int], limit: int) -> None:
        self._lengths, self._limit = lengths, limit

    def __len__(self) -> int:
        return len(self._lengths)

    @overload
    def __getitem__(self, index: int) -> bool: ...
    @overload
    def __getitem__(self, index: slice) -> list[bool]: ...
    def __getitem__(self, index: int | slice) -> bool | list[bool]:
        if isinstance(index, slice):
            return [length <= self._limit for length in self._lengths[index]]
        return self._lengths[index] <= self._limit


def kept_among(units: Sequence[int], flags: bytearray) -> list[int]:
    """The units whose flag is not 0, in order: one C pass where ``dedup._repeats`` is
    built (the same int objects, none made), else C-level calls per unit."""
    if isinstance(units, range) and units == range(len(flags)):
        if _compiled_kept_positions is not None:
            return _compiled_kept_positions(flags)
        return list(compress(units, flags))
    if _compiled_still_kept is not None and isinstance(units, list):
        return _compiled_still_kept(units, flags)
    return list(compress(units, map(flags.__getitem__, units)))


def _merged(one: dict[int, Finding], other: dict[int, Finding]) -> dict[int, Finding]:
    """Two dicts of findings for different units as one, made by adding the smaller to
    the larger (which is changed, and returned): in sentence mode a pass can find a
    repeat for half of the units, and copying those twice took as long as finding them."""
    if len(other) > len(one):
        one, other = other, one
    one.update(other)
    return one


def _unmark(flags: bytearray, units: Mapping[int, object]) -> None:
    """Set the flag of each unit (a key of units) to 0: one C pass where
    ``dedup._repeats`` is built, else a C-level call per unit."""
    if _compiled_unmark is not None and isinstance(units, dict):
        _compiled_unmark(flags, units)
        return
    deque(map(flags.__setitem__, units, repeat(0)), maxlen=0)


def _from_batch(finding: Finding | None) -> bool:
    return finding is not None and finding.rule == REPEAT_BATCH


def _chrome_share(units: _Units, chrome: Mapping[int, Rule]) -> float:
    """The share of a document's characters in units learned as chrome."""
    total = sum(units.key_lengths)
    if not total:
        return 0.0
    learned = map(chrome.__contains__, units.fingerprints)
    return sum(compress(units.key_lengths, learned)) / total
