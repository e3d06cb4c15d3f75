"""User rules: patterns that drop units, and a keep-list that wins over every rule.

A patterns file has one rule per line::

    # comments and blank lines are ignored
    Advertisement                 drop units whose text is this (compared by key)
    re:^Read more( »)?$           drop units in which this regular expression is found
    keep:Yes.                     never drop units whose text is this
    keep-re:^Chapter \\d+          never drop units in which this expression is found

Regular expressions run with a time limit per unit (the ``regex`` module's timeout), so
a pattern with catastrophic backtracking cannot hang a batch: a unit on which it runs
out of time is treated as not matching, and the run reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

DROP = "drop"
KEEP = "keep"
# Seconds one pattern may spend on one unit.
MATCH_TIMEOUT = 0.25


class PatternError(ValueError):
    """A pattern that does not compile, or a patterns file line that cannot be read."""


@dataclass(frozen=True)
class UserRule:
    """One user rule: its name (for decisions), drop or keep, and a regex or a text."""

    name: str
    action: str
    value: str
    is_regex: bool = True


def parse_patterns_file(text: str, source: str = "patterns") -> list[UserRule]:
    """Parse a patterns file into rules named ``pattern-file:LINE``.

    >>> [(r.action, r.is_regex, r.value) for r in parse_patterns_file("# x\\nAds\\nre:^Ad\\n")]
    [('drop', False, 'Ads'), ('drop', True, '^Ad')]
    """
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name = f"pattern-file:{number}"
        for prefix, action, is_regex in (
            ("keep-re:", KEEP, True),
            ("keep:", KEEP, False),
            ("re:", DROP, True),
        ):
            if stripped.startswith(prefix):
                value = stripped[len(prefix) :]
                rules.append(UserRule(name, action, value, is_regex))
                break
        else:
            rules.append(UserRule(name, DROP, stripped, False))
    for rule in rules:
        if rule.is_regex:
            try:
                compile_pattern(rule.value)
            except PatternError as error:
                raise PatternError(f"{source}, {rule.name.split(':')[1]}: {error}") from None
    return rules


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """Compile a user regex, with a one-line error for a bad one."""
    import regex  # only runs that have user patterns pay for importing it

    try:
        return regex.compile(pattern)
    except regex.error as error:
        raise PatternError(f"{pattern!r} is not a valid regex: {error}") from None


class UserRules:
    """Matches unit texts against the user's drop and keep rules."""

    def __init__(self, rules: Iterable[UserRule], key: Callable[[bytes], bytes]) -> None:
        self._drop_regex: list[tuple[str, regex.Pattern[str]]] = []
        self._keep_regex: list[regex.Pattern[str]] = []
        self._drop_keys: dict[bytes, str] = {}
        self._keep_keys: set[bytes] = set()
        self.timeouts = 0
        for rule in rules:
            if rule.is_regex:
                compiled = compile_pattern(rule.value)
                if rule.action == KEEP:
                    self._keep_regex.append(compiled)
                else:
                    self._drop_regex.append((rule.name, compiled))
            elif rule.action == KEEP:
                self._keep_keys.add(key(rule.value.encode("utf-8")))
            else:
                self._drop_keys.setdefault(key(rule.value.encode("utf-8")), rule.name)

    def __bool__(self) -> bool:
        return bool(self._drop_regex or self._keep_regex or self._drop_keys or self._keep_keys)

    def keeps(self, unit: bytes, unit_key: bytes) -> bool:
        """True when the keep-list protects this unit."""
        if unit_key in self._keep_keys:
            return True
        if not self._keep_regex:
            return False
        text = unit.decode("utf-8", "surrogateescape")
        return any(self._search(pattern, text) for pattern in self._keep_regex)

    def drops(self, unit: bytes, unit_key: bytes) -> str | None:
        """The name of the first drop rule that matches this unit, or None."""
        name = self._drop_keys.get(unit_key)
        if name is not None or not self._drop_regex:
            return name
        text = unit.decode("utf-8", "surrogateescape")
        for name, pattern in self._drop_regex:
            if self._search(pattern, text):
                return name
        return None

    def _search(self, pattern: regex.Pattern[str], text: str) -> bool:
        try:
            return pattern.search(text, timeout=MATCH_TIMEOUT) is not None
        except TimeoutError:
            self.timeouts += 1
            return False
