"""Record or verify a digest of every cleaning output on the dev bench (behaviour guard).

Runs :class:`dedup.cleaner.Cleaner` in-process over every input file of the dev bench
under several configs and hashes each output together with its decisions. Record once
on the code before an optimization, verify after it: any byte that differs is a
behaviour change.

    python bench/snapshot.py record /tmp/dev-snapshot.json
    python bench/snapshot.py verify /tmp/dev-snapshot.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from dedup.cleaner import Cleaner
from dedup.config import CleanConfig
from dedup.results import CleanResult

DEV = Path(__file__).resolve().parents[2] / "shared" / "bench" / "dev"

# (name, track, config); batch scope runs one Cleaner per source folder, in sorted order.
CONFIGS: list[tuple[str, str, CleanConfig]] = [
    ("article-auto", "article", CleanConfig()),
    ("article-line", "article", CleanConfig(unit="line")),
    ("article-paragraph", "article", CleanConfig(unit="paragraph")),
    ("article-sentence", "article", CleanConfig(unit="sentence")),
    ("article-auto-batch", "article", CleanConfig(scope="batch")),
    ("page-auto-batch", "page", CleanConfig(scope="batch")),
    ("page-line-loose", "page", CleanConfig(unit="line", profile="loose")),
]


def digest(result: CleanResult) -> str:
    """A short hash of a result's output bytes and every decision."""
    h = hashlib.sha256(result.output)
    for d in result.decisions:
        kept = (d.kept.document, d.kept.line) if d.kept else None
        h.update(repr((d.unit, d.start, d.end, d.line, d.end_line, d.rule, kept)).encode())
    h.update(str(result.units).encode())
    return h.hexdigest()[:16]


def run_all(dev: Path, only: str | None = None) -> dict[str, dict[str, str]]:
    """Digest of every file under every config, keyed by config name then relative path."""
    table: dict[str, dict[str, str]] = {}
    for name, track, config in CONFIGS:
        if only and only not in name:
            continue
        root = dev / track / "in"
        digests: dict[str, str] = {}
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            cleaner = Cleaner(replace(config))
            for path in sorted(folder.rglob("*.txt")):
                rel = str(path.relative_to(root))
                digests[rel] = digest(cleaner.clean(path.read_bytes(), rel))
        table[name] = digests
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["record", "verify"])
    parser.add_argument("snapshot", type=Path, help="JSON file of digests")
    parser.add_argument("--dev", type=Path, default=DEV, help="dev bench folder")
    parser.add_argument("--only", help="only configs whose name contains this")
    args = parser.parse_args()
    table = run_all(args.dev, args.only)
    if args.action == "record":
        args.snapshot.write_text(json.dumps(table, indent=0, sort_keys=True))
        print(f"recorded {sum(map(len, table.values()))} digests to {args.snapshot}")
        return 0
    expected = json.loads(args.snapshot.read_text())
    bad = 0
    for name, digests in table.items():
        for rel, value in digests.items():
            if expected[name].get(rel) != value:
                bad += 1
                if bad <= 20:
                    print(f"DIFFERS {name} {rel}")
    total = sum(map(len, table.values()))
    print(f"{total - bad}/{total} identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
