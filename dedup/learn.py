"""Chrome learned from a batch: units that recur across many documents of one group.

This is the batch's first pass, written as map and reduce steps: :func:`unit_fingerprints`
maps one document to the set of its units' fingerprints; :class:`ChromeTable` reduces
them to document frequencies per group (a site's folder, or the whole batch). A unit
that appears in enough *distinct* documents of its group is chrome: long ones are strong
(removed anywhere), short ones are weak (removed only inside a boilerplate region, so a
"Yes." that many articles share is not deleted from the middle of one). A group with
fewer documents than ``min_docs`` (a site with two pages) learns what all of them hold,
as weak only: two pages that quote the same sentence keep it, their shared nav goes.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress
from math import ceil
from operator import eq

from .boilerplate import STRONG, WEAK, Rule
from .detectors import first_copies
from .native import optional

LEARNED = "learned"


def group_rule_name(scope: str) -> str:
    """The rule name of learned chrome: ``learned:site`` or ``learned:batch``."""
    return f"{LEARNED}:{'site' if scope == 'folder' else 'batch'}"


# Without the extension: first copies are found with a dict.
_compiled_distinct: Callable[[array[int]], bytes] | None = optional("_repeats", "distinct")


def distinct(fingerprints: Iterable[int]) -> Sequence[int]:
    """The fingerprints without their repeats, in order: a typed array for 64-bit ones in
    one (the map step sends them so, and they are found in C), else a list."""
    values = fingerprints if isinstance(fingerprints, array) else list(fingerprints)
    if _compiled_distinct is not None and isinstance(values, array) and values.typecode == "Q":
        found = array("Q")
        found.frombytes(_compiled_distinct(values))
        return found
    first_of, repeats = first_copies(values)
    if not repeats:
        return values
    firsts = map(eq, first_of, range(len(values)))
    if isinstance(values, array):
        return array(values.typecode, compress(values, firsts))
    return list(compress(values, firsts))


@dataclass
class ChromeTable:
    """Document frequency of unit fingerprints, per group, over distinct documents.

    Each document's distinct fingerprints are kept as they come (a typed array from a
    worker of ``--jobs``) and counted once, when the chrome is asked for: the first
    copies among all of them, found in C, give each fingerprint's documents. Counting
    them one by one in a Counter took the parent process a fifth of a second per 200 MB,
    taken from the workers on a machine of few cores.
    """

    min_docs: int = 3
    min_share: float = 0.0
    _fingerprints: dict[str, list[Sequence[int]]] = field(default_factory=dict)
    _documents: dict[str, set[int]] = field(default_factory=dict)
    _short: set[int] = field(default_factory=set)

    def add(
        self,
        group: str,
        document_fingerprint: int,
        fingerprints: Iterable[int],
        short: Iterable[int] = (),
    ) -> None:
        """Count one document's distinct units; an exact copy of a document counts once."""
        documents = self._documents.setdefault(group, set())
        if document_fingerprint in documents:
            return
        documents.add(document_fingerprint)
        self._fingerprints.setdefault(group, []).append(distinct(fingerprints))
        self._short.update(short)

    def _frequencies(self, group: str) -> dict[int, int]:
        """Fingerprint -> its documents in the group, for those in two or more."""
        parts = self._fingerprints.get(group, [])
        joined: Sequence[int]
        if all(isinstance(part, array) and part.typecode == "Q" for part in parts):
            joined = array("Q")
            for part in parts:
                joined.extend(part)
        else:
            joined = list(chain.from_iterable(parts))
        first_of, repeats = first_copies(joined)
        later = Counter(map(first_of.__getitem__, repeats))
        return {joined[first]: copies + 1 for first, copies in later.items()}

    def threshold(self, group: str) -> int:
        """How many distinct documents a unit must appear in to be chrome in this group:
        ``min_docs``, or every document of a smaller group (at least two)."""
        documents = len(self._documents.get(group, ()))
        return max(2, min(self.min_docs, documents), ceil(self.min_share * documents))

    def chrome(self, group: str, rule_name: str) -> dict[int, Rule]:
        """The learned rules of a group: fingerprint -> Rule (strong, or weak if short)."""
        counts = self._frequencies(group)
        if not counts:
            return {}
        needed = self.threshold(group)
        strong, weak = Rule(rule_name, STRONG), Rule(rule_name, WEAK)
        return {
            fingerprint: weak if count < self.min_docs or fingerprint in self._short else strong
            for fingerprint, count in counts.items()
            if count >= needed
        }
