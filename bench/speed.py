"""Speed and memory of `dedup clean` against `awk '!seen[$0]++'`, on the same files, in one run.

Builds a deterministic corpus of real text (lines of ``samples/`` and of the dev bench,
re-cut into documents so that about 20 % of lines repeat), then times awk (the
reference) and ``dedup clean`` per unit mode, from stdin and over a folder of the same
documents, with ``--jobs 1`` and ``--jobs N``. Every figure is the median of ``--runs``
runs. Peak RSS comes from ``wait4`` (the largest single process of the command).
"bytes/unique" is the peak RSS above a bare ``import dedup.cli`` interpreter, minus the
input and output that ``dedup`` holds whole, divided by the unique units in the corpus.

    python bench/speed.py                 # the 200 MB corpus (takes a while)
    python bench/speed.py --size 20       # quick look while iterating
    python bench/speed.py --memory-units 10000000   # bytes per unique unit at 10 M units
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "samples", REPO.parent / "shared" / "bench" / "dev"]
SEED = 20240601
MB = 1_000_000


# --- corpus -------------------------------------------------------------------------------


def _pool(sources: list[Path]) -> list[bytes]:
    """Distinct non-blank lines of every .txt input under the sources, in sorted path order."""
    seen: set[bytes] = set()
    pool: list[bytes] = []
    for root in sources:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.txt")):
            if "/gold/" in str(path):
                continue
            for raw in path.read_bytes().split(b"\n"):
                line = raw.strip()
                if len(line) >= 3 and line not in seen:
                    seen.add(line)
                    pool.append(line)
    if not pool:
        sys.exit("no source text found (samples/ or ../shared/bench/dev)")
    return pool


def _fresh_lines(pool: list[bytes]) -> Iterator[bytes]:
    """Endless distinct-looking lines: the pool, then the pool with its words rotated."""
    turn = 0
    while True:
        for line in pool:
            if turn == 0:
                yield line
                continue
            words = line.split(b" ")
            if len(words) < 3:
                continue
            shift = turn % len(words)
            yield b" ".join(words[shift:] + words[:shift])
        turn += 1


def _documents(pool: list[bytes], size: int, rng: random.Random) -> Iterator[bytes]:
    """Documents up to ``size`` bytes; about 20 % of their lines repeat an earlier line."""
    fresh = _fresh_lines(pool)
    chrome = [next(fresh) for _ in range(200)]  # site lines that recur across documents
    recent: list[bytes] = []
    written = 0
    while written < size:
        lines: list[bytes] = []
        for _ in range(rng.randint(8, 60)):
            roll = rng.random()
            if roll < 0.12 and lines:
                lines.append(rng.choice(lines))  # pasted twice inside the document
            elif roll < 0.17:
                lines.append(rng.choice(chrome))
            elif roll < 0.20 and recent:
                lines.append(rng.choice(recent))  # seen in an earlier document
            else:
                lines.append(next(fresh))
        recent = lines[:20]
        # Most scraper output is one paragraph per line; some is blank-line separated.
        separator = b"\n" if rng.random() < 0.6 else b"\n\n"
        document = separator.join(lines) + b"\n"
        written += len(document)
        yield document


def build_corpus(workdir: Path, size_mb: float, file_kb: int) -> tuple[Path, Path]:
    """The corpus as one file (for stdin and awk) and as a folder of files (same bytes)."""
    tag = f"{size_mb:g}mb-{file_kb}kb-{SEED}"
    single = workdir / f"corpus-{tag}.txt"
    folder = workdir / f"corpus-{tag}"
    if single.exists() and folder.is_dir():
        return single, folder
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    rng = random.Random(SEED)
    pool = _pool(SOURCES)
    part: list[bytes] = []
    part_size = files = 0
    with open(single, "wb") as out:
        for document in _documents(pool, int(size_mb * MB), rng):
            # Documents are separated by a blank line in the single file.
            out.write(document + b"\n")
            part.append(document + b"\n")
            part_size += len(document) + 1
            if part_size >= file_kb * 1000:
                (folder / f"{files:06d}.txt").write_bytes(b"".join(part))
                part, part_size, files = [], 0, files + 1
        if part:
            (folder / f"{files:06d}.txt").write_bytes(b"".join(part))
    return single, folder


def build_memory_corpus(workdir: Path, units: int) -> Path:
    """``units`` distinct short lines of real text (one unit each in every mode but paragraph)."""
    path = workdir / f"unique-{units}.txt"
    if path.exists():
        return path
    workdir.mkdir(parents=True, exist_ok=True)
    pool = [line[:40].rsplit(b" ", 1)[0] for line in _pool(SOURCES) if len(line) > 24]
    with open(path, "wb") as out:
        chunk: list[bytes] = []
        for number in range(units):
            # A counter word makes each line distinct by construction.
            chunk.append(b"%s %x\n" % (pool[number % len(pool)], number))
            if len(chunk) == 100_000:
                out.write(b"\n".join(line.rstrip(b"\n") for line in chunk) + b"\n\n")
                chunk = []
        if chunk:
            out.write(b"\n".join(line.rstrip(b"\n") for line in chunk) + b"\n")
    return path


def unique_lines(path: Path) -> int:
    """Distinct non-blank lines of a file (what awk would keep, blanks aside)."""
    return int(
        subprocess.run(
            f"awk 'NF && !seen[$0]++' {path} | wc -l",
            shell=True,
            capture_output=True,
            check=True,
        ).stdout
    )


def repeat_share(path: Path) -> float:
    """Share of non-blank lines that repeat an earlier line."""
    out = subprocess.run(
        f"awk 'NF {{ n++; if (seen[$0]++) r++ }} END {{ print r / n }}' {path}",
        shell=True,
        capture_output=True,
        check=True,
    ).stdout
    return float(out)


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    peak_kb: int


def run_once(argv: list[str], stdin: Path | None) -> Sample:
    """Run a command with stdout to /dev/null; wall time and its peak RSS."""
    with open(os.devnull, "wb") as sink:
        source = open(stdin, "rb") if stdin else open(os.devnull, "rb")  # noqa: SIM115
        with source:
            start = time.perf_counter()
            process = subprocess.Popen(argv, stdin=source, stdout=sink)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed with exit code {process.returncode}")
    return Sample(seconds, usage.ru_maxrss)


def median_run(argv: list[str], stdin: Path | None, runs: int) -> Sample:
    samples = [run_once(argv, stdin) for _ in range(runs)]
    return Sample(
        statistics.median(s.seconds for s in samples),
        int(statistics.median(s.peak_kb for s in samples)),
    )


def compile_package() -> None:
    """Byte-compile dedup as an installed package is, so that no run spends its start-up
    compiling every module (as it does in a source checkout where PYTHONDONTWRITEBYTECODE
    is set)."""
    import dedup

    folder = Path(dedup.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=True)


def dedup_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "dedup", "clean", "-q", *args]


def baseline_kb() -> int:
    return run_once([sys.executable, "-c", "import dedup.cli"], None).peak_kb


# --- report ---------------------------------------------------------------------------------


def table(rows: list[tuple[str, Sample, float]], awk: Sample, size: int, unique: int) -> str:
    base = baseline_kb()
    lines = [
        f"{'command':44} {'wall s':>7} {'MB/s':>7} {'x awk':>6} {'peak RSS MB':>11} "
        f"{'B/unique':>9}",
        f"{'awk !seen[$0]++ (reference)':44} {awk.seconds:7.2f} {size / MB / awk.seconds:7.1f} "
        f"{1:6.2f} {awk.peak_kb / 1000:11.0f} {'':>9}",
    ]
    for label, sample, held in rows:
        extra = max(0.0, sample.peak_kb * 1000 - base * 1000 - held)
        lines.append(
            f"{label:44} {sample.seconds:7.2f} {size / MB / sample.seconds:7.1f} "
            f"{sample.seconds / awk.seconds:6.2f} {sample.peak_kb / 1000:11.0f} "
            f"{extra / unique:9.1f}"
        )
    return "\n".join(lines)


def window_rows(args: argparse.Namespace, path: Path) -> list[tuple[str, Sample, float]]:
    """The stdin runs again with --window: the input is never held whole, so its whole
    peak above the interpreter counts."""
    if not args.window:
        return []
    return [
        (
            f"dedup clean --unit {mode} --window {args.window} < corpus",
            median_run(dedup_argv("--unit", mode, "--window", str(args.window)), path, args.runs),
            0.0,
        )
        for mode in args.modes.split(",")
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Time dedup against awk '!seen[$0]++' on a generated corpus of real text."
    )
    parser.add_argument("--size", type=float, default=200, help="corpus size in MB (200)")
    parser.add_argument("--runs", type=int, default=3, help="runs per command; median shown")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="N for --jobs N")
    parser.add_argument("--file-kb", type=int, default=1000, help="size of each folder file")
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/dedup-bench"), help="corpus cache"
    )
    parser.add_argument(
        "--modes",
        default="auto,line,paragraph,sentence",
        help="unit modes to time from stdin (comma separated)",
    )
    parser.add_argument("--no-folder", action="store_true", help="skip the folder runs")
    parser.add_argument(
        "--memory-units",
        type=int,
        default=0,
        help="instead: peak memory per unique unit on a corpus of this many unique units",
    )
    parser.add_argument(
        "--window",
        type=int,
        default=0,
        metavar="MB",
        help="also time each stdin mode with --window MB (bounded memory; nothing of the "
        "input is subtracted from its peak)",
    )
    args = parser.parse_args()
    compile_package()

    if args.memory_units:
        path = build_memory_corpus(args.workdir, args.memory_units)
        size = path.stat().st_size
        print(f"corpus: {path} ({size / MB:.0f} MB, {args.memory_units} unique units)")
        awk = median_run(["awk", "!seen[$0]++", str(path)], None, args.runs)
        # A whole-document run holds the input (the output is written from it).
        memory_rows = [
            (
                f"dedup clean --unit {mode} < corpus",
                median_run(dedup_argv("--unit", mode), path, args.runs),
                float(size),
            )
            for mode in args.modes.split(",")
            if mode != "paragraph"
        ]
        memory_rows += window_rows(args, path)
        print(table(memory_rows, awk, size, args.memory_units))
        return 0

    single, folder = build_corpus(args.workdir, args.size, args.file_kb)
    size = single.stat().st_size
    unique = unique_lines(single)
    print(
        f"corpus: {single} ({size / MB:.0f} MB, {len(list(folder.iterdir()))} files in "
        f"{folder.name}/, {repeat_share(single):.0%} of lines repeat, {unique} unique lines)"
    )
    awk = median_run(["awk", "!seen[$0]++", str(single)], None, args.runs)
    rows: list[tuple[str, Sample, float]] = []
    for mode in args.modes.split(","):
        sample = median_run(dedup_argv("--unit", mode), single, args.runs)
        # The input is held whole (the output is written from it): not counted.
        rows.append((f"dedup clean --unit {mode} < corpus", sample, float(size)))
    rows += window_rows(args, single)
    if not args.no_folder:
        out = args.workdir / "out"
        for jobs in sorted({1, args.jobs}):
            shutil.rmtree(out, ignore_errors=True)
            argv = dedup_argv(str(folder), "-o", str(out), "--jobs", str(jobs))
            sample = median_run(argv, None, args.runs)
            # One document (file) at a time is held per process.
            rows.append((f"dedup clean folder/ -o out/ --jobs {jobs}", sample, 0.0))
        shutil.rmtree(out, ignore_errors=True)
    print(table(rows, awk, size, unique))
    return 0


if __name__ == "__main__":
    sys.exit(main())
