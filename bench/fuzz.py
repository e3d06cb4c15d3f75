"""Long fuzz run: the promises of design.md over arbitrary bytes and layouts.

Runs the oracle of ``tests/test_fuzz.py`` (only deletes, byte-exact, idempotent,
keep-first) with ``--budget`` generated inputs for each unit mode, and prints one line
per mode. Exit status 1 when any input breaks a promise (hypothesis prints it, shrunk).

    python bench/fuzz.py --budget 10000
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import given, seed  # noqa: E402

from dedup import CleanConfig  # noqa: E402
from tests.test_fuzz import (  # noqa: E402
    UNITS,
    check_promises,
    configs,
    documents,
    fuzz_settings,
)


def fuzz_unit(unit: str, budget: int, seed_value: int | None) -> tuple[int, str | None]:
    """Run budget inputs in one unit mode; return how many ran and the failure, if any."""
    ran = 0

    @fuzz_settings(budget)
    @given(documents(), configs)
    def run(data: bytes, config: CleanConfig) -> None:
        nonlocal ran
        ran += 1
        check_promises(data, replace(config, unit=unit))

    if seed_value is not None:
        run = seed(seed_value)(run)

    try:
        run()
    except Exception as error:  # hypothesis re-raises the shrunk failure
        notes = " ".join(getattr(error, "__notes__", []))
        return ran, f"{type(error).__name__}: {error} {notes}"
    return ran, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=10_000, help="inputs per unit mode")
    parser.add_argument("--unit", choices=UNITS, action="append", help="only these modes")
    parser.add_argument("--seed", type=int, help="a fixed seed (default: random)")
    args = parser.parse_args()
    failures = 0
    for unit in args.unit or UNITS:
        started = time.perf_counter()
        ran, failure = fuzz_unit(unit, args.budget, args.seed)
        elapsed = time.perf_counter() - started
        status = "ok" if failure is None else f"FAILED: {failure}"
        print(f"{unit:9} {ran:7d} inputs  {elapsed:7.1f}s  {status}", flush=True)
        failures += failure is not None
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
