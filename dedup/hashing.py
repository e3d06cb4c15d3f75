"""Fingerprints: a fixed-width hash of a comparison key (xxh3).

A fingerprint stands for its key in every table, so two different keys with the same
fingerprint would be treated as the same text and the later one dropped. With 64-bit
xxh3 the chance of any collision among n distinct keys is about n**2 / 2**65: one in
3.7 million for a million keys, one in 370 for a billion. ``--hash-bits 128`` makes it
negligible at any corpus size, at the cost of bigger tables.

This is the only module that imports xxhash (dedup._fingerprints holds xxHash's own C
code, to fingerprint many keys in one call).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence

import xxhash

from .native import optional

Fingerprinter = Callable[[bytes], int]

HASH_BITS = (64, 128)


def fingerprinter(bits: int = 64) -> Fingerprinter:
    """Return the xxh3 function for the width: ``bytes -> int``.

    >>> fp = fingerprinter(64)
    >>> fp(b"same") == fp(b"same") and fp(b"same") != fp(b"other")
    True
    """
    if bits == 64:
        return xxhash.xxh3_64_intdigest
    if bits == 128:
        return xxhash.xxh3_128_intdigest
    raise ValueError(f"hash width must be one of {HASH_BITS}, not {bits}")


def fingerprint_table(fingerprints: Iterable[int], bits: int = 64) -> Sequence[int]:
    """Fingerprints stored compactly: a typed array of 8 bytes each for 64-bit ones (a
    list of int objects takes 40), a list for 128-bit ones.

    >>> list(fingerprint_table([1, 2**64 - 1]))
    [1, 18446744073709551615]
    """
    return array("Q", fingerprints) if bits == 64 else list(fingerprints)


# Without the extension: xxhash is called once per key.
_xxh3_64_all: Callable[[list[bytes]], bytes] | None = optional("_fingerprints", "xxh3_64_all")


def fingerprints_of(keys: list[bytes], bits: int = 64) -> Sequence[int]:
    """The fingerprint of every key, as :func:`fingerprint_table` stores them. 64-bit
    ones come from one C call where ``dedup._fingerprints`` is built (xxHash's own code:
    the same values), else from a call of xxhash per key.

    >>> fingerprints_of([b"same", b"other"])[0] == fingerprinter(64)(b"same")
    True
    """
    if bits == 64 and _xxh3_64_all is not None:
        table = array("Q")
        table.frombytes(_xxh3_64_all(keys))
        return table
    return fingerprint_table(map(fingerprinter(bits), keys), bits)


def checksum(data: bytes) -> str:
    """The xxh3-64 digest of data as 16 hex digits (to detect edited files, not attacks).

    >>> checksum(b"")
    '2d06800538d394c2'
    """
    digest: str = xxhash.xxh3_64_hexdigest(data)
    return digest
