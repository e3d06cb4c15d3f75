"""A compact set of 64-bit fingerprints, for seen-sets that outgrow a Python set.

A Python set of ints costs about 60 bytes per member (the int object and its slot). The
C table in ``dedup._u64set`` costs 11 to 21 bytes and is read and filled a typed array
at a time. It is built by ``pip install`` when a C compiler is there; without one the
same interface runs on a Python set, with the same results and more memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from itertools import compress
from typing import Protocol


class FingerprintSet(Protocol):
    """A set of unsigned 64-bit fingerprints, used a typed array at a time."""

    def add_many(self, fingerprints: array[int], /) -> None:
        """Add every member of ``fingerprints`` (an ``array('Q')``)."""
        ...

    def contains_many(self, fingerprints: array[int], /) -> bytes:
        """One byte per member of ``fingerprints``: 1 when it is in the set, else 0."""
        ...

    def __len__(self) -> int: ...


class PythonFingerprintSet:
    """The fallback: a Python set behind the same interface.

    >>> members = PythonFingerprintSet()
    >>> members.add_many(array("Q", [0, 7, 7]))
    >>> members.contains_many(array("Q", [7, 8, 0])), len(members)
    (b'\\x01\\x00\\x01', 2)
    """

    def __init__(self) -> None:
        self._members: set[int] = set()

    def add_many(self, fingerprints: array[int], /) -> None:
        self._members.update(fingerprints)

    def contains_many(self, fingerprints: array[int], /) -> bytes:
        return bytes(map(self._members.__contains__, fingerprints))

    def __len__(self) -> int:
        return len(self._members)


def new_fingerprint_set() -> FingerprintSet:
    """The C table when it is built, else the Python set.

    >>> members = new_fingerprint_set()
    >>> members.add_many(array("Q", [2**64 - 1]))
    >>> members.contains_many(array("Q", [2**64 - 1, 1]))
    b'\\x01\\x00'
    """
    try:
        from ._u64set import U64Set
    except ImportError:
        return PythonFingerprintSet()
    table: FingerprintSet = U64Set()
    return table


class EarlierUnits:
    """The fingerprints kept so far in a stream: compact for 64-bit ones, a Python set
    for 128-bit ones (which do not fit the table).

    >>> earlier = EarlierUnits(64)
    >>> earlier.add([3, 5])
    >>> earlier.among([1, 3, 3, 5]), len(earlier)
    ([3, 3, 5], 2)
    """

    def __init__(self, hash_bits: int = 64) -> None:
        self._compact = new_fingerprint_set() if hash_bits == 64 else None
        self._wide: set[int] = set()

    def __len__(self) -> int:
        return len(self._compact) if self._compact is not None else len(self._wide)

    def add(self, fingerprints: Iterable[int]) -> None:
        """Remember fingerprints."""
        if self._compact is not None:
            self._compact.add_many(array("Q", fingerprints))
        else:
            self._wide.update(fingerprints)

    def among(self, fingerprints: Iterable[int]) -> list[int]:
        """The members of ``fingerprints`` seen before, in order."""
        if self._compact is None:
            return list(filter(self._wide.__contains__, fingerprints))
        values = array("Q", fingerprints)
        return list(compress(values, self._compact.contains_many(values)))
