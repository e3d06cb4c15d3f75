"""Runs a batch: every source through one Cleaner, in sorted path order, into its sink."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cleaner import Cleaner, CleanResult
from .config import CleanConfig
from .io import STDIN, InputError, Source, read_source, text_problem, write_atomically
from .report import Report
from .seen import SeenStore


@dataclass(frozen=True)
class RunOptions:
    """How results leave the run (the cleaning itself is CleanConfig's business)."""

    check: bool = False  # write nothing
    in_place: bool = False
    progress: bool = False


def run(
    sources: Sequence[Source],
    config: CleanConfig,
    options: RunOptions,
    on_result: Callable[[CleanResult], None] | None = None,
    seen: SeenStore | None = None,
) -> Report:
    """Clean every source; one bad input is reported and the batch goes on.

    ``seen`` is the batch seen-store (default: in memory), e.g. a persistent index.
    """
    cleaner = Cleaner(config, seen)
    report = Report(check=options.check)
    with _progress(options.progress and len(sources) > 1, len(sources)) as advance:
        for source in sources:
            _run_one(cleaner, source, options, report, on_result)
            advance()
    return report


def _run_one(
    cleaner: Cleaner,
    source: Source,
    options: RunOptions,
    report: Report,
    on_result: Callable[[CleanResult], None] | None,
) -> None:
    try:
        data = read_source(source)
    except InputError as error:
        report.fail(str(error))
        return
    problem = text_problem(data)
    if problem is not None:
        report.skip(f"{source.name}: {problem}")
        # A filter must not swallow its input: pass it through unchanged.
        if source.output is None and not options.check and not options.in_place:
            _write_stdout(data)
        return
    result = cleaner.clean(data, source.name)
    report.add(result)
    if on_result is not None:
        on_result(result)
    if options.check:
        return
    try:
        if options.in_place and source.path != STDIN:
            if result.changed:
                write_atomically(Path(source.path), result.output, like=source.path)
        elif source.output is not None:
            write_atomically(source.output, result.output)
        else:
            _write_stdout(result.output)
    except OSError as error:
        target = source.path if options.in_place else (source.output or "<stdout>")
        report.fail(f"{target}: cannot write: {error.strerror}")


def _write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


class _NoProgress:
    def __enter__(self) -> Callable[[], None]:
        return lambda: None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(enabled: bool, total: int) -> Any:
    """A rich progress bar on a terminal; nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        return _NoProgress()
    from rich.console import Console
    from rich.progress import Progress

    class _Bar:
        def __enter__(self) -> Callable[[], None]:
            self.progress = Progress(transient=True, console=Console(stderr=True))
            self.progress.__enter__()
            task = self.progress.add_task("cleaning", total=total)
            return lambda: self.progress.advance(task)

        def __exit__(self, *exc: object) -> None:
            self.progress.__exit__(None, None, None)

    return _Bar()
