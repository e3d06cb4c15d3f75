"""Scale benchmark for ``dedup clean --index``: throughput and memory against in-memory batch.

Generates a synthetic batch (folders of one-unit-per-line documents; a share of the lines
recurs across documents, the rest is unique), then runs the installed ``dedup`` on it
twice with the same options: ``--scope batch`` (the seen-set in memory) and ``--index``
(the seen-set in an SQLite file), both with ``--no-boilerplate --no-learn --unit line``
(learning chrome keeps a batch-wide table in memory, so it is off). For each run it
reports wall and CPU seconds, units per second and peak RSS; for the index, its size
on disk per unique unit. The ratio that matters is index throughput / in-memory
throughput, measured in the same invocation (absolute times depend on the machine and
its load).

Example::

    python bench/index_scale.py --units 10000000 --workdir /tmp/scale
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

_TEXT = """the of and to in is was for on that with as by at from his her which this are be
have an were their has been not but one had they all its who more after first new two other
city world year government people company market report police state school water"""
WORDS = _TEXT.split()


def generate(folder: Path, units: int, per_doc: int, shared: float, seed: int) -> int:
    """Write ``units`` lines in documents of ``per_doc`` lines; return the document count."""
    rng = random.Random(seed)
    pool = [
        " ".join(rng.choice(WORDS) for _ in range(10)) + f" (shared {n})" for n in range(50_000)
    ]
    documents = 0
    written = 0
    while written < units:
        count = min(per_doc, units - written)
        lines = []
        for _ in range(count):
            if rng.random() < shared:
                lines.append(rng.choice(pool))
            else:
                words = " ".join(rng.choice(WORDS) for _ in range(8))
                lines.append(f"{words} {rng.getrandbits(48):x}")
        target = folder / f"{documents // 1000:04}" / f"{documents % 1000:03}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")
        documents += 1
        written += count
    return documents


def measure(command: list[str]) -> dict[str, float]:
    """Run a command; its wall and CPU seconds and peak RSS (os.wait4 on that child only)."""
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
    }


def main() -> None:
    """Parse the options, generate the batch, run both modes, print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1_000_000, help="lines in the batch")
    parser.add_argument("--per-doc", type=int, default=100, help="lines per document")
    parser.add_argument("--shared", type=float, default=0.2, help="share of recurring lines")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dedup-index-scale"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-memory", action="store_true", help="only run with --index")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    work: Path = args.workdir
    batch = work / f"batch-{args.units}-{args.per_doc}-{args.shared}-{args.seed}"
    if not batch.exists():
        started = time.perf_counter()
        partial = work / f"{batch.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        documents = generate(partial, args.units, args.per_doc, args.shared, args.seed)
        partial.rename(batch)
        print(f"generated {documents} documents in {time.perf_counter() - started:.0f} s")
    dedup = [
        sys.executable,
        "-m",
        "dedup",
        "clean",
        "-q",
        "--no-boilerplate",
        "--no-learn",
        "--unit",
        "line",
    ]
    results: dict[str, object] = {"units": args.units, "per_doc": args.per_doc}
    if not args.skip_memory:
        out = work / "out-memory"
        shutil.rmtree(out, ignore_errors=True)
        results["memory"] = measure([*dedup, "--scope", "batch", str(batch), "-o", str(out)])
    index = work / "index.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    out = work / "out-index"
    shutil.rmtree(out, ignore_errors=True)
    results["index"] = measure([*dedup, "--index", str(index), str(batch), "-o", str(out)])
    with sqlite3.connect(index) as db:
        (fingerprints,) = db.execute("SELECT count(*) FROM seen").fetchone()
    size = index.stat().st_size
    results["index_bytes"] = size
    results["unique_units"] = fingerprints
    results["bytes_per_unique_unit"] = round(size / fingerprints, 1)
    for mode in ("memory", "index"):
        figures = results.get(mode)
        if isinstance(figures, dict):
            figures["units_per_s_wall"] = round(args.units / figures["wall_s"])
            figures["units_per_s_cpu"] = round(args.units / figures["cpu_s"])
    memory, on_disk = results.get("memory"), results["index"]
    if isinstance(memory, dict) and isinstance(on_disk, dict):
        results["throughput_ratio_wall"] = round(memory["wall_s"] / on_disk["wall_s"], 3)
        results["throughput_ratio_cpu"] = round(memory["cpu_s"] / on_disk["cpu_s"], 3)
        same = subprocess.run(["diff", "-rq", str(work / "out-memory"), str(out)], check=False)
        results["same_output"] = same.returncode == 0
    print(json.dumps(results, indent=2))
    if not args.keep:
        shutil.rmtree(batch)


if __name__ == "__main__":
    main()
