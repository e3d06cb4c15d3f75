"""The batch seen-store: which units were kept earlier in the batch, and where.

``--scope batch`` drops a unit whose fingerprint was kept in an earlier document. The
cleaner asks its store once per document for all of that document's fingerprints
(:meth:`SeenStore.lookup`) and tells it the units it kept (:meth:`SeenStore.add`). The
in-memory store is a dict; the persistent index (:mod:`dedup.index`) keeps the same
table on disk, so a run can be cleaned against everything kept by earlier runs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .results import Location


class SeenStore(Protocol):
    """Fingerprint -> where the unit was first kept; the first location recorded wins."""

    def lookup(self, fingerprints: Collection[int]) -> Mapping[int, Location]:
        """The known fingerprints among ``fingerprints``, with their kept location.

        The mapping may hold other fingerprints too; it is read before the next ``add``.
        """
        ...

    def add(self, document: str, kept: Iterable[tuple[int, int]]) -> None:
        """Record ``(fingerprint, line)`` pairs kept in ``document``; known ones stay."""
        ...


class MemorySeen:
    """The seen-store of one process: a dict, as fast as it gets, gone with the run.

    >>> seen = MemorySeen()
    >>> seen.add("a.txt", [(7, 1), (8, 2)])
    >>> seen.add("b.txt", [(7, 5)])
    >>> seen.lookup([7, 9])[7]
    Location(document='a.txt', line=1)
    >>> 9 in seen.lookup([7, 9])
    False
    """

    def __init__(self) -> None:
        self._table: dict[int, Location] = {}

    def __len__(self) -> int:
        return len(self._table)

    def lookup(self, fingerprints: Collection[int]) -> Mapping[int, Location]:
        """The whole table: a dict lookup per unit is cheaper than building a subset."""
        return self._table

    def add(self, document: str, kept: Iterable[tuple[int, int]]) -> None:
        """Record kept units, keep-first."""
        from .results import Location

        table = self._table
        for fingerprint, line in kept:
            if fingerprint not in table:
                table[fingerprint] = Location(document, line)
