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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .normalize import get_profile, make_key_function

STRONG = "strong"
WEAK = "weak"
# Strong at the start or end of a document, weak inside it (a cookie banner's sentence).
EDGE = "edge"

_PLACEHOLDER = re.compile(r"\{(n|name|time|date|any)\}")
_PLACEHOLDER_REGEX = {
    "n": rb"\d+(?:[.,\s]\d+)*",
    "name": rb"\S+(?: \S+){0,5}",
    "time": rb"\S{0,12}\d{1,2}[:.h]\d{2}(?: ?\S{1,6})?",
    # A date has a digit somewhere ("3 nov. 2019", "November 3, 2019", "2019-11-03").
    "date": rb"(?:\S{1,12} ){0,3}\S*\d\S*",
    "any": rb".{1,300}?",
}
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
# Units longer than this are prose, never a platform string; skip the regex work.
MAX_KEY_BYTES = 600


@dataclass(frozen=True)
class Rule:
    """A named reason to remove a unit, e.g. ``boilerplate:blogger:fr``."""

    name: str
    strength: str


@dataclass(frozen=True)
class Entry:
    """One string of the library."""

    platform: str
    kind: str
    lang: str
    strength: str
    text: str
    # A regular expression searched in the key, instead of a text matched whole.
    is_regex: bool = False


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
                )
            )
    return entries


class Matcher:
    """Matches a unit key against literal strings and templates, strong entries first."""

    def __init__(self, entries: Iterable[Entry], key_function: Callable[[bytes], bytes]):
        self.literals: dict[bytes, Rule] = {}
        self._by_prefix: dict[bytes, list[tuple[re.Pattern[bytes], Rule]]] = {}
        self._unindexed: list[tuple[re.Pattern[bytes], Rule]] = []
        self._searched: list[tuple[re.Pattern[bytes], Rule]] = []
        # Strong entries are added first so a text listed both ways counts as strong.
        ordered = sorted(entries, key=lambda entry: entry.strength != STRONG)
        for entry in ordered:
            self._add(entry, key_function)

    def _add(self, entry: Entry, key_function: Callable[[bytes], bytes]) -> None:
        if entry.is_regex:
            rule = Rule(f"boilerplate:{entry.platform}:{entry.lang}", entry.strength)
            self._searched.append((re.compile(entry.text.encode("utf-8"), re.DOTALL), rule))
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
        compiled = re.compile(pattern, re.DOTALL)
        prefix = parts[0][:2]
        if len(prefix) == 2:
            self._by_prefix.setdefault(prefix, []).append((compiled, rule))
        else:
            self._unindexed.append((compiled, rule))

    def match(self, key: bytes) -> Rule | None:
        """The rule whose entry matches the whole key, or None."""
        if not key or len(key) > MAX_KEY_BYTES:
            return None
        rule = self.literals.get(key)
        if rule is not None:
            return rule
        for compiled, rule in self._by_prefix.get(key[:2], ()):
            if compiled.fullmatch(key):
                return rule
        for compiled, rule in self._unindexed:
            if compiled.fullmatch(key):
                return rule
        for compiled, rule in self._searched:
            if compiled.search(key):
                return rule
        return None


@lru_cache(maxsize=8)
def builtin_matcher(profile_name: str) -> Matcher:
    """The matcher for the shipped library under a normalization profile (built once)."""
    return Matcher(load_entries(), make_key_function(get_profile(profile_name)))
