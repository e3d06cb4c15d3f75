"""Platform boilerplate: the built-in library of UI strings, as data, and its matcher.

Each file in ``dedup/data/boilerplate/`` holds one platform's strings in many languages,
taken from the platform's own translations, with a note of the source::

    {"platform": "blogger", "kind": "footer", "source": "...",
     "entries": [{"lang": "fr", "strength": "strong", "text": "Aucun commentaire:"},
                 {"lang": "en", "strength": "strong", "text": "Posted by {name} at {time}"},
                 {"lang": "en", "strength": "weak", "text": "Home"}]}

Entries are matched against a unit's whole comparison key, so case, spacing, quote and
dash variants match too. ``{n}``, ``{name}``, ``{time}``, ``{date}`` and ``{any}`` stand
for the variable parts. A *strong* entry is specific enough to remove anywhere; a
*weak* one ("Home", "Share") only inside a boilerplate region (see ``detectors``); an
*edge* one only in a region at the start or end of a document. An entry may give a
``"regex"`` (searched in the key) instead of a ``"text"``, for texts that are written
freely but always say the same things (a cookie notice).
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate, compress, repeat
from operator import and_, contains, is_, itemgetter, not_

from .native import optional
from .normalize import get_profile, make_key_function

# Without the extension: every key takes the Python path.
_compiled_prefilter: Callable[..., bytes] | None = optional("_prefilter", "flag_keys")
# The tests a key passed in the C pass, as its flag's bits (see dedup/_prefilter.c).
_HAS_PREFIX, _HAS_SUFFIX, _HAS_NEEDLE = 2, 4, 8

STRONG = "strong"
WEAK = "weak"
# Strong at the start or end of a document, weak inside it (a cookie banner's sentence).
EDGE = "edge"

_PLACEHOLDER = re.compile(r"\{(n|name|time|date|any)\}")
_PLACEHOLDER_REGEX = {
    "n": rb"\d+(?:[.,\s]\d+){0,4}",
    "name": rb"\S+(?: \S+){0,5}",
    "time": rb"\S{0,12}\d{1,2}[:.h]\d{2}(?: ?\S{1,6})?",
    # A date has a digit somewhere ("3 nov. 2019", "November 3, 2019", "2019-11-03").
    "date": rb"(?:\S{1,12} ){0,3}\S*\d\S*",
    "any": rb".{1,300}?",
}
# The most spaces each placeholder can match (None: any number), so that a template is
# only tried on keys with few enough words.
_PLACEHOLDER_SPACES = {"n": 4, "name": 5, "time": 1, "date": 3, "any": None}
# Placeholders are swapped for these markers before normalizing the template, so that
# normalization (case folding, whitespace collapse) cannot damage them.
_MARKER = "\ue000{}\ue001"
_MARKER_RE = re.compile(rb"\xee\x80\x80(n|name|time|date|any)\xee\x80\x81")
# A template whose literal part has too few letters around a free-text placeholder
# would match ordinary prose ("{name} on {any}", "Posted {any}"): with {any} it needs
# _STRONG_LITERAL_LETTERS to be used at all, with {name} _MIN_LITERAL_LETTERS, and below
# _STRONG_LITERAL_LETTERS it only counts as weak.
_MIN_LITERAL_LETTERS = 4
_STRONG_LITERAL_LETTERS = 8
_FREE_TEXT = re.compile(r"\{(name|any)\}")
# A key this long that starts a strong literal counts as that literal (a wrapped piece).
PREFIX_MIN_BYTES = 30
# Units longer than this are prose, never a platform string; skip the regex work.
MAX_KEY_BYTES = 600
# Templates are indexed by up to this many bytes of their leading or trailing literal:
# the most that dedup._prefilter packs into one integer. Fewer would file "This was
# posted {any}" under "this", and every sentence that starts so would be tried on it.
_AFFIX = 8
# Keys are looked up among the strong literals they may start by this many bytes.
_STRONG_HEAD = 8


@dataclass(frozen=True)
class Rule:
    """A named reason to remove a unit, e.g. ``boilerplate:blogger:fr``."""

    name: str
    strength: str


class _Template:
    """A template's regular expression, compiled the first time a key might match it.

    Most templates never meet a candidate key in a run, and compiling all of them took
    most of the start-up time of a ``dedup clean`` call.
    """

    __slots__ = ("_compiled", "source")

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._compiled: re.Pattern[bytes] | None = None

    def fullmatch(self, key: bytes) -> bool:
        """True when the template matches the whole key."""
        if self._compiled is None:
            self._compiled = re.compile(self.source, re.DOTALL)
        return self._compiled.fullmatch(key) is not None


_Ranked = tuple[int, _Template, Rule]


@dataclass(frozen=True)
class Entry:
    """One string of the library."""

    platform: str
    kind: str
    lang: str
    strength: str
    text: str
    # A regular expression searched in the key, instead of a text matched whole, and
    # words one of which a key must contain before the expression is tried.
    is_regex: bool = False
    hints: tuple[str, ...] = ()


def load_entries() -> list[Entry]:
    """Read every platform file shipped in the package."""
    entries: list[Entry] = []
    folder = resources.files("dedup") / "data" / "boilerplate"
    for item in sorted(folder.iterdir(), key=lambda item: item.name):
        if not item.name.endswith(".json"):
            continue
        data = json.loads(item.read_text(encoding="utf-8"))
        for raw in data["entries"]:
            entries.append(
                Entry(
                    platform=data["platform"],
                    kind=data.get("kind", "footer"),
                    lang=raw["lang"],
                    strength=raw.get("strength", WEAK),
                    text=raw.get("regex", raw.get("text", "")),
                    is_regex="regex" in raw,
                    hints=tuple(raw.get("hints", ())),
                )
            )
    return entries


class Matcher:
    """Matches a unit key against literal strings and templates, strong entries first."""

    def __init__(self, entries: Iterable[Entry], key_function: Callable[[bytes], bytes]):
        self.literals: dict[bytes, Rule] = {}
        self._by_prefix: dict[bytes, list[tuple[_Template, Rule]]] = {}
        self._unindexed: list[tuple[_Template, Rule]] = []
        self._searched: list[tuple[re.Pattern[bytes], Rule, tuple[bytes, ...]]] = []
        self._parts: dict[_Template, list[bytes]] = {}
        # Strong entries are added first so a text listed both ways counts as strong.
        ordered = sorted(entries, key=lambda entry: entry.strength != STRONG)
        for entry in ordered:
            self._add(entry, key_function)
        self._build_filters()

    def _add(self, entry: Entry, key_function: Callable[[bytes], bytes]) -> None:
        if entry.is_regex:
            rule = Rule(f"boilerplate:{entry.platform}:{entry.lang}", entry.strength)
            expression = re.compile(entry.text.encode("utf-8"), re.DOTALL)
            hints = tuple(key_function(hint.encode("utf-8")) for hint in entry.hints)
            self._searched.append((expression, rule, hints))
            return
        strength = entry.strength
        if _FREE_TEXT.search(entry.text):
            letters = sum(ch.isalpha() for ch in _PLACEHOLDER.sub("", entry.text))
            needed = _STRONG_LITERAL_LETTERS if "{any}" in entry.text else _MIN_LITERAL_LETTERS
            if letters < needed:
                return
            if letters < _STRONG_LITERAL_LETTERS:
                strength = WEAK
        rule = Rule(f"boilerplate:{entry.platform}:{entry.lang}", strength)
        marked = _PLACEHOLDER.sub(lambda m: _MARKER.format(m.group(1)), entry.text)
        marked = marked.replace("{{", "{").replace("}}", "}")
        key = key_function(marked.encode("utf-8"))
        if not key:
            return
        if not _MARKER_RE.search(key):
            self.literals.setdefault(key, rule)
            return
        parts = _MARKER_RE.split(key)
        # split() alternates literal text and placeholder names.
        pattern = b"".join(
            re.escape(part) if i % 2 == 0 else _PLACEHOLDER_REGEX[part.decode()]
            for i, part in enumerate(parts)
        )
        compiled = _Template(pattern)
        self._parts[compiled] = parts
        prefix = parts[0][:2]
        if len(prefix) == 2:
            self._by_prefix.setdefault(prefix, []).append((compiled, rule))
        else:
            self._unindexed.append((compiled, rule))

    def _build_filters(self) -> None:
        """Index every template by a literal it cannot match without, for :meth:`match_many`.

        A template's key must start with its leading literal and end with its trailing one,
        so a template is filed under up to the last ``_AFFIX`` bytes of the longer of the
        two, else under its longest inner literal (tested with ``in``). Each template keeps
        its rank (library order, grouped by the first two literal bytes; templates without a
        literal start come last), and the first template that matches by rank wins.
        """
        ranked = [item for patterns in self._by_prefix.values() for item in patterns]
        ranked += self._unindexed
        self._heads: dict[int, dict[bytes, list[_Ranked]]] = {}
        self._tails: dict[int, dict[bytes, list[_Ranked]]] = {}
        self._inner: dict[bytes, list[_Ranked]] = {}
        # Per inner literal, the most spaces a key matching one of its templates can hold.
        self._inner_spaces: dict[bytes, int | None] = {}
        self._anywhere: list[_Ranked] = []
        for rank, (compiled, rule) in enumerate(ranked):
            literals = self._parts[compiled][::2]
            head, tail = literals[0][:_AFFIX], literals[-1][-_AFFIX:]
            item = (rank, compiled, rule)
            if len(tail) >= 2 and len(tail) >= len(head):
                self._tails.setdefault(len(tail), {}).setdefault(tail, []).append(item)
            elif len(head) >= 2:
                self._heads.setdefault(len(head), {}).setdefault(head, []).append(item)
            elif max(map(len, literals)) >= 2:
                inner = max(literals, key=len)
                spaces = _max_spaces(self._parts[compiled])
                known = self._inner_spaces.get(inner, 0)
                if spaces is None or known is None:
                    self._inner_spaces[inner] = None
                else:
                    self._inner_spaces[inner] = max(known, spaces)
                self._inner.setdefault(inner, []).append(item)
            else:
                self._anywhere.append(item)
        self._long_literals = any(len(key) > MAX_KEY_BYTES for key in self.literals)
        # Strong literals, sorted, to find the ones a key is the start of (see _prefix_rule).
        self._strong_sorted = sorted(
            key for key, rule in self.literals.items() if rule.strength == STRONG
        )
        self._strong_heads = {
            key[:_STRONG_HEAD] for key in self._strong_sorted if len(key) >= PREFIX_MIN_BYTES
        }
        # What a key must start with, end with or hold to match anything but a literal.
        prefixes = [head for table in self._heads.values() for head in table]
        prefixes += self._strong_heads
        suffixes = [tail for table in self._tails.values() for tail in table]
        # Needles, each with the most spaces a key matching by it holds (-1: any number).
        needles = [
            (inner, -1 if most is None else most) for inner, most in self._inner_spaces.items()
        ]
        needles += [(hint, -1) for _, _, hints in self._searched for hint in hints]
        if self._anywhere or any(not hints for _, _, hints in self._searched):
            needles.append((b"", -1))  # every key holds it: all short keys are tried
        # Literals only match keys up to MAX_KEY_BYTES; no longer key needs a lookup.
        literal_max = min(max(map(len, self.literals), default=0), MAX_KEY_BYTES)
        self._prefilter = (self.literals, literal_max, MAX_KEY_BYTES, prefixes, suffixes, needles)

    def match(self, key: bytes) -> Rule | None:
        """The rule whose entry matches the whole key, or None."""
        return self.match_many([key])[0]

    def _prefix_rule(self, key: bytes) -> Rule | None:
        """The rule of a strong literal that starts with this key, when the key is long.

        A scraper that hard-wraps text cuts a long platform sentence ("Save my name,
        email, and website in this browser for the next time I comment.") into lines; the
        first piece is still specific enough to count, and the rest are short units that
        the boilerplate region takes along.
        """
        if not PREFIX_MIN_BYTES <= len(key) <= MAX_KEY_BYTES:
            return None
        index = bisect_left(self._strong_sorted, key)
        if index < len(self._strong_sorted) and self._strong_sorted[index].startswith(key):
            return self.literals[self._strong_sorted[index]]
        return None

    def match_many(self, keys: Sequence[bytes]) -> list[Rule | None]:
        """The rule of every key: literal entries, then templates, then searched entries,
        then the start of a long strong literal.

        Where ``dedup._prefilter`` is built, one C pass first leaves out the keys that
        cannot match (neither a literal nor, when short, holding one of the literal
        pieces that templates and searched entries are indexed by): most of a document.
        """
        prefilter = _compiled_prefilter
        if prefilter is None or not isinstance(keys, list):
            return self._match_each(keys)
        flags = prefilter(keys, *self._prefilter)
        flagged = list(compress(range(len(keys)), flags))
        rules: list[Rule | None] = [None] * len(keys)
        kinds = list(map(flags.__getitem__, flagged))
        matched = self._match_each(list(map(keys.__getitem__, flagged)), kinds)
        for index, rule in zip(flagged, matched):
            rules[index] = rule
        return rules

    def _match_each(
        self, keys: Sequence[bytes], kinds: Sequence[int] | None = None
    ) -> list[Rule | None]:
        """:meth:`match_many` without the C pass; the per-key work is in C-level calls.

        Only keys that share a literal with some template reach a regular expression.
        ``kinds`` may say, per key, which of the C pass's tests it passed (the
        ``_HAS_`` bits): a key is then only looked up by head if it has one of the
        prefixes, and so on.
        """
        rules = list(map(self.literals.get, keys))
        if self._long_literals:
            too_long = map(MAX_KEY_BYTES.__lt__, map(len, keys))
            rules = [None if long else rule for long, rule in zip(too_long, rules, strict=True)]
        # Templates and searched entries only ever match short keys, and most of the bytes
        # of a document are in its long units: select the short ones once, in C. A key
        # that matched a literal is done.
        indices: Sequence[int] = range(len(keys))
        short = keys
        unmatched = list(map(is_, rules, repeat(None)))
        if max(map(len, keys), default=0) > MAX_KEY_BYTES or not all(unmatched):
            sized = map(MAX_KEY_BYTES.__ge__, map(len, keys))
            indices = list(compress(indices, map(and_, sized, unmatched)))
            short = list(map(keys.__getitem__, indices))

        kinds_of_short = None if kinds is None else list(map(kinds.__getitem__, indices))

        def passing(kind: int) -> tuple[Sequence[int], Sequence[bytes]]:
            """The indices and keys among the short ones that passed this test in C."""
            if kinds_of_short is None:
                return indices, short
            having = list(compress(range(len(short)), map(and_, repeat(kind), kinds_of_short)))
            return list(map(indices.__getitem__, having)), list(map(short.__getitem__, having))

        candidates: dict[int, list[_Ranked]] = {}
        headed, head_keys = passing(_HAS_PREFIX)
        for length, table in self._heads.items():
            cut = itemgetter(slice(0, length))
            for index in compress(headed, map(table.get, map(cut, head_keys))):
                candidates.setdefault(index, []).extend(table[keys[index][:length]])
        tailed, tail_keys = passing(_HAS_SUFFIX)
        for length, table in self._tails.items():
            cut = itemgetter(slice(-length, None))
            for index in compress(tailed, map(table.get, map(cut, tail_keys))):
                candidates.setdefault(index, []).extend(table[keys[index][-length:]])
        holding, hay = passing(_HAS_NEEDLE)
        haystack = _Haystack(hay)
        for inner, items in self._inner.items():
            bound = self._inner_spaces[inner]
            for position in haystack.holding(inner):
                if bound is None or hay[position].count(b" ") <= bound:
                    candidates.setdefault(holding[position], []).extend(items)
        if self._anywhere:
            for index in indices:
                candidates.setdefault(index, []).extend(self._anywhere)
        for index, items in candidates.items():
            key = keys[index]
            if rules[index] is not None or not key:
                continue
            for _, compiled, rule in sorted(items, key=itemgetter(0)):
                if compiled.fullmatch(key):
                    rules[index] = rule
                    break
        if self._searched:
            self._search_many(holding, haystack, rules)
        # Only keys that begin like some strong literal are looked up, selected in C.
        heads = map(itemgetter(slice(0, _STRONG_HEAD)), head_keys)
        for index in compress(headed, map(self._strong_heads.__contains__, heads)):
            if rules[index] is None:
                rules[index] = self._prefix_rule(keys[index])
        return rules

    def _search_many(
        self, indices: Sequence[int], haystack: _Haystack, rules: list[Rule | None]
    ) -> None:
        """Try the searched (regex) entries on the keys that hold one of their hints.

        ``haystack`` holds the keys of units ``indices``.
        """
        keys = haystack.keys
        for compiled, rule, hints in self._searched:
            hinted: set[int] = set()
            for hint in hints:
                hinted.update(haystack.holding(hint))
            positions = sorted(hinted) if hints else range(len(keys))
            for position in positions:
                index, key = indices[position], keys[position]
                if rules[index] is None and key and compiled.search(key):
                    rules[index] = rule


class _Haystack:
    """Keys joined by newlines, to find the ones that hold a literal in one fast scan.

    Testing every key with ``in`` costs a call per key per literal; ``bytes.find`` over
    the joined keys skips from hit to hit, and literals are rare in article text. A
    literal with a non-ASCII byte is only looked for in the non-ASCII keys.
    """

    def __init__(self, keys: Sequence[bytes], positions: Sequence[int] | None = None) -> None:
        self.keys = keys
        self._positions = positions  # where each key is in the full haystack, if a part
        self._joined = b"\n".join(keys)
        # ends[p] is one past the newline after key p.
        self._ends = array("q", accumulate(map((1).__add__, map(len, keys))))
        self._wide: _Haystack | None = None

    def holding(self, needle: bytes) -> list[int]:
        """Positions of the keys that contain ``needle``, in order."""
        if not needle or b"\n" in needle:  # could span two keys; such needles are rare
            return list(compress(range(len(self.keys)), map(contains, self.keys, repeat(needle))))
        if not needle.isascii() and self._positions is None:
            if self._wide is None:
                wide = list(
                    compress(range(len(self.keys)), map(not_, map(bytes.isascii, self.keys)))
                )
                self._wide = _Haystack(list(map(self.keys.__getitem__, wide)), wide)
            return self._wide.holding(needle)
        found: list[int] = []
        joined, ends = self._joined, self._ends
        start = joined.find(needle)
        while start >= 0:
            position = bisect_right(ends, start)
            found.append(position)
            start = joined.find(needle, ends[position])
        if self._positions is not None:
            return list(map(self._positions.__getitem__, found))
        return found


def _max_spaces(parts: list[bytes]) -> int | None:
    """The most spaces a key matching a template can hold (None when unbounded).

    ``parts`` alternates literal text and placeholder names, as the template was split.
    """
    total = 0
    for position, part in enumerate(parts):
        if position % 2 == 0:
            total += part.count(b" ")
            continue
        most = _PLACEHOLDER_SPACES[part.decode()]
        if most is None:
            return None
        total += most
    return total


@lru_cache(maxsize=8)
def builtin_matcher(profile_name: str) -> Matcher:
    """The matcher for the shipped library under a normalization profile (built once)."""
    return Matcher(load_entries(), make_key_function(get_profile(profile_name)))
