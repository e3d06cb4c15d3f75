"""The persistent fingerprint index: ``--scope batch`` across runs, on disk (SQLite).

One SQLite file holds every unit fingerprint kept by earlier runs and where it was kept.
A run opens it as a :class:`FingerprintIndex`, which

- takes SQLite's write lock for the whole run (``BEGIN IMMEDIATE``, no waiting): a second
  run on the same index is refused at once with :class:`IndexProblem`;
- refuses an index built with options that give fingerprints another meaning (hash
  width, normalization profile, unit, index format);
- makes every change of the run in that one transaction, committed at the end: a run that
  crashes or is killed leaves the index as it was before the run (WAL journal).

Lookups are per document, in bulk (``WHERE fp IN (...)``). New fingerprints wait in a
bounded buffer and are written in fingerprint order, so memory stays bounded (SQLite's
page cache plus the buffer) whatever the size of the batch.

Table ``seen``: 64-bit fingerprints are the rowid (mapped from unsigned to signed), 128-bit
ones a 16-byte big-endian BLOB key. ``documents`` names the documents that added units.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from .config import CleanConfig
from .results import Location

FORMAT = 1
# What a stored fingerprint means: an index is only usable when all of these match.
IDENTITY_FIELDS = ("format", "hash_bits", "profile", "unit")

_CACHE_BYTES = 64 * 1024 * 1024
_BUFFER_ENTRIES = 100_000
# A one-hash Bloom filter of the stored fingerprints (32 MiB): most units of a new batch
# are not in the index, and the filter answers "surely not" without a query. It is built
# when the index is opened (one scan) and stays the same size however large the index.
_FILTER_BITS = 1 << 28
# Lookups bind this many fingerprints at most per statement; smaller lists are padded to
# the next size so that only a few statements are ever prepared.
_IN_SIZES = (8, 32, 128, 512)
_TWO_63 = 1 << 63
_TWO_64 = 1 << 64

_SCHEMA_64 = (
    "CREATE TABLE seen (fp INTEGER PRIMARY KEY, doc INTEGER NOT NULL, line INTEGER NOT NULL)"
)
_SCHEMA_128 = (
    "CREATE TABLE seen (fp BLOB PRIMARY KEY, doc INTEGER NOT NULL, line INTEGER NOT NULL)"
    " WITHOUT ROWID"
)
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, started REAL NOT NULL, finished REAL,"
    " documents INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0,"
    " options TEXT NOT NULL)",
    "CREATE TABLE documents (id INTEGER PRIMARY KEY, run INTEGER NOT NULL, name TEXT NOT NULL)",
)


class IndexProblem(Exception):
    """An index that cannot be used: busy, built with other options, or not an index."""


def identity(config: CleanConfig) -> dict[str, str]:
    """What an index built under ``config`` must record to be reused.

    >>> identity(CleanConfig())
    {'format': '1', 'hash_bits': '64', 'profile': 'default', 'unit': 'auto'}
    """
    return {
        "format": str(FORMAT),
        "hash_bits": str(config.hash_bits),
        "profile": config.profile,
        "unit": config.unit,
    }


def _to_keys_64(fingerprints: Iterable[int]) -> list[Any]:
    # SQLite integers are signed 64-bit: the upper half of xxh3_64 maps to negatives.
    return [fp - _TWO_64 if fp >= _TWO_63 else fp for fp in fingerprints]


def _from_key_64(key: int) -> int:
    return key + _TWO_64 if key < 0 else key


def _to_keys_128(fingerprints: Iterable[int]) -> list[Any]:
    return [fp.to_bytes(16, "big") for fp in fingerprints]


def _from_key_128(key: bytes) -> int:
    return int.from_bytes(key, "big")


class FingerprintIndex:
    """A :class:`~dedup.seen.SeenStore` on disk, open for one run.

    Use it as a context manager (or call :meth:`commit` / :meth:`rollback`): the run is
    committed when the block ends normally and rolled back when it raises.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        config: CleanConfig,
        *,
        cache_bytes: int = _CACHE_BYTES,
        buffer_entries: int = _BUFFER_ENTRIES,
        filter_bits: int = _FILTER_BITS,
    ) -> None:
        self.path = Path(path)
        self._wide = config.hash_bits == 128
        self._to_keys = _to_keys_128 if self._wide else _to_keys_64
        self._from_key = _from_key_128 if self._wide else _from_key_64
        self._buffer_entries = buffer_entries
        if filter_bits < 8 or filter_bits & (filter_bits - 1):
            raise ValueError("filter_bits must be a power of two, at least 8")
        self._mask = filter_bits - 1
        self._filter = bytearray(filter_bits // 8)
        # New fingerprints not yet written: fingerprint -> (document id, line).
        self._pending: dict[int, tuple[int, int]] = {}
        self._pending_names: dict[int, str] = {}
        # What the last lookup asked and found, so that add() needs no second query.
        self._asked: set[int] = set()
        self._found: set[int] = set()
        self.documents = 0
        self.added = 0
        self._closed = False
        self._db = _connect(self.path, cache_bytes)
        try:
            self._begin(config)
        except BaseException:
            self._db.close()
            raise

    def _begin(self, config: CleanConfig) -> None:
        db = self._db
        wanted = identity(config)
        try:
            db.execute("BEGIN IMMEDIATE")
            if not _tables(db):
                # A new index gets its schema in a transaction of its own, so that it is a
                # valid (empty) index even if this first run never finishes.
                self._create(wanted)
                db.execute("COMMIT")
                db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise _problem(self.path, error) from None
        try:
            if not {"meta", "seen", "documents", "runs"} <= _tables(db):
                raise IndexProblem(
                    f"{self.path}: not a dedup index (an SQLite file of something else)"
                )
            _check_identity(self.path, dict(db.execute("SELECT key, value FROM meta")), wanted)
            options = json.dumps(asdict(config), sort_keys=True)
            self._fill_filter()
            self._run = db.execute(
                "INSERT INTO runs (started, options) VALUES (?, ?)", (time.time(), options)
            ).lastrowid
        except sqlite3.DatabaseError as error:
            raise _problem(self.path, error) from None

    def _create(self, wanted: dict[str, str]) -> None:
        from . import __version__

        db = self._db
        for statement in (*_SCHEMA, _SCHEMA_128 if self._wide else _SCHEMA_64):
            db.execute(statement)
        meta = {**wanted, "created_by": f"dedup {__version__}", "created": str(time.time())}
        db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))

    # -- the SeenStore protocol

    def lookup(self, fingerprints: Collection[int]) -> Mapping[int, Location]:
        """Known fingerprints among ``fingerprints``: the buffer, then the file in bulk."""
        found: dict[int, Location] = {}
        pending = self._pending
        self._asked = asked = set(fingerprints)
        mask, bloom = self._mask, self._filter
        missing = [
            fingerprint
            for fingerprint in asked
            if bloom[(fingerprint & mask) >> 3] >> (fingerprint & 7) & 1
            and fingerprint not in pending
        ]
        if pending:
            names = self._pending_names
            for fingerprint in asked:
                entry = pending.get(fingerprint)
                if entry is not None:
                    found[fingerprint] = Location(names[entry[0]], entry[1])
        from_key = self._from_key
        for fp, name, line in self._select(missing):
            found[from_key(fp)] = Location(name, line)
        self._found = set(found)
        return found

    def add(self, document: str, kept: Iterable[tuple[int, int]]) -> None:
        """Record kept units of ``document`` that the index does not hold yet."""
        self.documents += 1
        pending = self._pending
        # Reversed, so that the first line of a fingerprint kept twice is the one recorded.
        new = dict(reversed(list(kept)))
        for fingerprint in new.keys() & self._found:
            del new[fingerprint]
        if pending:
            for fingerprint in [fp for fp in new if fp in pending]:
                del new[fingerprint]
        # The cleaner looks a document up before adding it; anything else is asked here.
        unasked = [fingerprint for fingerprint in new if fingerprint not in self._asked]
        if unasked:
            for row in self._select(unasked, with_names=False):
                del new[self._from_key(row[0])]
        if not new:
            return
        fresh = list(new.items())
        doc = self._db.execute(
            "INSERT INTO documents (run, name) VALUES (?, ?)", (self._run, document)
        ).lastrowid
        assert doc is not None
        self._pending_names[doc] = document
        mask, bloom = self._mask, self._filter
        for fingerprint, line in fresh:
            pending[fingerprint] = (doc, line)
            slot = fingerprint & mask
            bloom[slot >> 3] |= 1 << (slot & 7)
        self.added += len(fresh)
        if len(pending) >= self._buffer_entries:
            self._flush()

    # -- the run's end

    def commit(self) -> None:
        """Write what is buffered and make the whole run durable, atomically."""
        self._flush()
        self._db.execute(
            "UPDATE runs SET finished = ?, documents = ?, added = ? WHERE id = ?",
            (time.time(), self.documents, self.added, self._run),
        )
        self._db.execute("COMMIT")
        # Fold the journal into the file and shrink it; safe to interrupt.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.close()

    def rollback(self) -> None:
        """Forget the run: the index stays as it was before."""
        if not self._closed:
            self._db.rollback()
            self.close()

    def close(self) -> None:
        """Close the file (an uncommitted run is rolled back)."""
        if not self._closed:
            self._closed = True
            self._db.close()

    def __enter__(self) -> FingerprintIndex:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None and not self._closed:
            self.commit()
        else:
            self.rollback()

    # -- helpers

    def _fill_filter(self) -> None:
        mask, bloom = self._mask, self._filter
        # The low bits of a signed key or of a big-endian BLOB's integer are the
        # fingerprint's low bits.
        convert = _from_key_128 if self._wide else int
        for (key,) in self._db.execute("SELECT fp FROM seen"):
            slot = convert(key) & mask
            bloom[slot >> 3] |= 1 << (slot & 7)

    def _flush(self) -> None:
        if not self._pending:
            return
        # In key order, so the B-tree is walked once instead of hit at random. Plain
        # INSERT: every pending fingerprint was looked up and found missing.
        items = sorted(self._pending.items())
        keys = self._to_keys([fp for fp, _ in items])
        rows = [(key, doc, line) for key, (_, (doc, line)) in zip(keys, items, strict=True)]
        self._db.executemany("INSERT INTO seen (fp, doc, line) VALUES (?, ?, ?)", rows)
        self._pending.clear()
        self._pending_names.clear()

    def _select(self, fingerprints: list[int], with_names: bool = True) -> list[tuple[Any, ...]]:
        db = self._db
        rows: list[tuple[Any, ...]] = []
        largest = _IN_SIZES[-1]
        for start in range(0, len(fingerprints), largest):
            chunk = self._to_keys(fingerprints[start : start + largest])
            size = next(size for size in _IN_SIZES if size >= len(chunk))
            chunk += [chunk[-1]] * (size - len(chunk))
            places = ",".join("?" * size)
            if with_names:
                query = (
                    "SELECT s.fp, d.name, s.line FROM seen AS s JOIN documents AS d"
                    f" ON d.id = s.doc WHERE s.fp IN ({places})"
                )
            else:
                query = f"SELECT fp FROM seen WHERE fp IN ({places})"
            rows += db.execute(query, chunk).fetchall()
        return rows


def _tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _connect(path: Path, cache_bytes: int) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.Error as error:
        raise _problem(path, error) from None
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA cache_size=-{max(cache_bytes // 1024, 1024)}")
        db.execute("PRAGMA temp_store=FILE")
    except sqlite3.Error as error:
        db.close()
        raise _problem(path, error) from None
    return db


def _problem(path: Path, error: sqlite3.Error) -> IndexProblem:
    message = str(error)
    if "not a database" in message:
        return IndexProblem(f"{path}: not a dedup index (not an SQLite file)")
    if "locked" in message or "busy" in message:
        return IndexProblem(f"{path}: index is in use by another dedup run; wait for it to finish")
    return IndexProblem(f"{path}: cannot use index: {message}")


def _check_identity(path: Path, stored: dict[str, str], wanted: dict[str, str]) -> None:
    different = [field for field in IDENTITY_FIELDS if stored.get(field) != wanted[field]]
    if not different:
        return
    if "format" in different:
        raise IndexProblem(
            f"{path}: index format {stored.get('format')} is not format {FORMAT} of this dedup;"
            " build a new index"
        )
    built = " ".join(f"--{field.replace('_', '-')} {stored.get(field)}" for field in different)
    asked = " ".join(f"--{field.replace('_', '-')} {wanted[field]}" for field in different)
    raise IndexProblem(
        f"{path}: index was built with {built}, this run uses {asked};"
        " use the same options or another index"
    )


@dataclass(frozen=True)
class IndexStats:
    """What an index holds, for ``dedup index stats``."""

    path: str
    file_bytes: int
    fingerprints: int
    documents: int
    runs: int
    meta: dict[str, str]
    last_runs: list[dict[str, object]]

    @property
    def bytes_per_fingerprint(self) -> float:
        """Bytes on disk per stored fingerprint."""
        return self.file_bytes / self.fingerprints if self.fingerprints else 0.0


def index_stats(path: str | os.PathLike[str], last: int = 5) -> IndexStats:
    """Read an index's size and summary without locking out a run in progress."""
    path = Path(path)
    if not path.is_file():
        raise IndexProblem(f"{path}: no such index")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as error:
        raise _problem(path, error) from None
    try:
        if not {"meta", "seen", "documents", "runs"} <= _tables(db):
            raise IndexProblem(f"{path}: not a dedup index")
        meta = dict(db.execute("SELECT key, value FROM meta"))
        (fingerprints,) = db.execute("SELECT count(*) FROM seen").fetchone()
        (documents,) = db.execute("SELECT count(*) FROM documents").fetchone()
        (runs,) = db.execute("SELECT count(*) FROM runs WHERE finished IS NOT NULL").fetchone()
        rows = db.execute(
            "SELECT id, started, finished, documents, added FROM runs"
            " WHERE finished IS NOT NULL ORDER BY id DESC LIMIT ?",
            (last,),
        ).fetchall()
    except sqlite3.DatabaseError as error:
        raise _problem(path, error) from None
    finally:
        db.close()
    last_runs: list[dict[str, object]] = [
        {
            "run": run,
            "started": started,
            "seconds": round(finished - started, 3),
            "documents": docs,
            "added": added,
        }
        for run, started, finished, docs, added in reversed(rows)
    ]
    size = sum(
        os.path.getsize(f"{path}{suffix}")
        for suffix in ("", "-wal")
        if os.path.exists(f"{path}{suffix}")
    )
    return IndexStats(str(path), size, fingerprints, documents, runs, meta, last_runs)
