"""Runs a batch: every source through one Cleaner, in sorted path order, into its sink.

With ``jobs > 1`` and ``--scope document`` the documents are read and cleaned in worker
processes (each cleaning is independent) and their results come back in order, so the
outputs, the report and the log are the same for any number of jobs. ``--scope batch``
carries state from one document to the next and runs in one process.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import BrokenExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from .boilerplate import Rule
from .cleaner import Cleaner
from .config import CleanConfig
from .io import (
    STDIN,
    InputError,
    Source,
    read_source,
    text_problem,
    write_atomically,
    write_pieces,
)
from .learn import ChromeTable, group_rule_name
from .report import Report
from .results import CleanResult
from .seen import SeenStore
from .stream import clean_windows, read_windows


@dataclass(frozen=True)
class RunOptions:
    """How results leave the run (the cleaning itself is CleanConfig's business)."""

    check: bool = False  # write nothing
    in_place: bool = False
    progress: bool = False
    jobs: int = 1  # worker processes; 0 means one per core
    verbose: bool = False  # a traceback for an unexpected error in one document
    window_bytes: int = 0  # clean each input in windows of this size (see dedup.stream)


# What reading and cleaning one source gave: a failure, a skipped input (with its bytes
# when they were read), or a result.
_Outcome = tuple[str, str, bytes | None, CleanResult | None]


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
    report = Report(check=options.check)
    if options.window_bytes:
        cleaner = Cleaner(config, seen)
        for source in sources:
            _stream_one(cleaner, source, options, report)
        return report
    jobs = options.jobs or os.cpu_count() or 1
    # Workers cannot read the parent's stdin, and batch scope is sequential by nature.
    parallel = (
        jobs > 1
        and len(sources) > 1
        and config.scope == "document"
        and all(source.path != STDIN for source in sources)
    )
    workers = min(jobs, len(sources)) if parallel else 1
    chromes = learn_chrome(sources, config, workers) if config.learn and len(sources) > 1 else {}
    with _progress(options.progress and len(sources) > 1, len(sources)) as advance:
        outcomes: Iterable[_Outcome]
        if workers > 1:
            outcomes = _in_workers(
                _clean_in_worker, sources, config, chromes, workers, options.verbose
            )
        else:
            cleaner = Cleaner(config, seen)
            outcomes = (
                _read_and_clean(cleaner, source, chromes, options.verbose) for source in sources
            )
        try:
            for source, outcome in zip(sources, outcomes, strict=True):
                _run_one(source, outcome, options, report, on_result)
                advance(1)
        except BrokenExecutor:  # BrokenProcessPool: a worker died
            report.fail(
                "a worker process died (killed, or out of memory); the batch stopped and "
                "the inputs after the last one written were not cleaned"
            )
    return report


def _group(source: Source, config: CleanConfig) -> str:
    """Documents of one group share learned chrome: one folder (a site), or the batch."""
    return str(Path(source.path).parent) if config.learn_scope == "folder" else ""


# The map step of learning for one source: its group and Cleaner.unit_fingerprints, or
# None for an input the second pass will report (unreadable, not text, stdin).
_Profile = tuple[str, int, Sequence[int], list[int]] | None


def _profile(cleaner: Cleaner, source: Source) -> _Profile:
    if source.path == STDIN or source.error is not None or source.skip is not None:
        return None  # stdin cannot be read twice; the others are reported in pass two
    try:
        data = read_source(source)
    except InputError:
        return None
    if text_problem(data) is not None:
        return None
    return (_group(source, cleaner.config), *cleaner.unit_fingerprints(data))


def learn_chrome(
    sources: Sequence[Source], config: CleanConfig, workers: int = 1
) -> dict[str, dict[int, Rule]]:
    """The first pass of a batch: map each document to its unit fingerprints, reduce to
    document frequencies per group, and return each group's learned chrome."""
    if workers > 1:
        profiles: Iterable[_Profile] = _in_workers(_profile_in_worker, sources, config, {}, workers)
    else:
        cleaner = Cleaner(config)
        profiles = (_profile(cleaner, source) for source in sources)
    table = ChromeTable(config.learn_min_docs, config.learn_min_share)
    for profile in profiles:
        if profile is not None:
            table.add(*profile)
    rule_name = group_rule_name(config.learn_scope)
    groups = {_group(source, config) for source in sources}
    return {group: table.chrome(group, rule_name) for group in sorted(groups)}


def _refusal(source: Source) -> _Outcome | None:
    """The outcome of a source found unusable before reading (an error or a skip)."""
    if source.error is not None:
        return ("fail", f"{source.name}: {source.error}", None, None)
    if source.skip is not None:
        return ("skip", f"{source.name}: {source.skip}", None, None)
    return None


def _read_and_clean(
    cleaner: Cleaner,
    source: Source,
    chromes: Mapping[str, Mapping[int, Rule]],
    verbose: bool = False,
) -> _Outcome:
    """The pure part of one source's run (reading aside): no report, no output."""
    refused = _refusal(source)
    if refused is not None:
        return refused
    try:
        data = read_source(source)
    except InputError as error:
        return ("fail", str(error), None, None)
    problem = text_problem(data)
    if problem is not None:
        return ("skip", f"{source.name}: {problem}", data, None)
    chrome = chromes.get(_group(source, cleaner.config)) if chromes else None
    try:
        return ("ok", "", None, cleaner.clean(data, source.name, chrome))
    except Exception as error:  # a bug or MemoryError in one document must not stop the batch
        message = f"{source.name}: internal error: {type(error).__name__}: {error}"
        if verbose:  # formatted here: a worker's own stderr is not the parent's
            message += "\n" + traceback.format_exc().rstrip()
        return ("fail", message, None, None)


@dataclass
class _Worker:
    """What a worker process holds for its whole life (set by its initializer)."""

    cleaner: Cleaner
    chromes: Mapping[str, Mapping[int, Rule]]
    verbose: bool


_worker: _Worker | None = None  # one per worker process, never used in the parent


def _start_worker(
    config: CleanConfig, chromes: Mapping[str, Mapping[int, Rule]], verbose: bool
) -> None:
    global _worker
    # The parent handles Ctrl-C and SIGTERM and tears the pool down; a worker just stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker = _Worker(Cleaner(config), chromes, verbose)


def _clean_in_worker(source: Source) -> _Outcome:
    assert _worker is not None
    return _read_and_clean(_worker.cleaner, source, _worker.chromes, _worker.verbose)


def _profile_in_worker(source: Source) -> _Profile:
    assert _worker is not None
    return _profile(_worker.cleaner, source)


def _in_workers(
    task: Callable[[Source], Any],
    sources: Sequence[Source],
    config: CleanConfig,
    chromes: Mapping[str, Mapping[int, Rule]],
    jobs: int,
    verbose: bool = False,
) -> Iterator[Any]:
    """task(source) for every source, in order, from a pool of worker processes."""
    chunk = max(1, min(16, len(sources) // (jobs * 8)))
    # ProcessPoolExecutor, unlike multiprocessing.Pool, notices a worker that died and
    # raises BrokenProcessPool instead of waiting forever for its results. Imported here:
    # a run in one process does not pay for loading multiprocessing.
    from concurrent.futures import ProcessPoolExecutor

    # The command restores the default SIGPIPE, so that `dedup ... | head` stops quietly;
    # but a write to the pipe of a worker that just died must raise (and the pool report
    # it broken), not kill the whole run.
    sigpipe = getattr(signal, "SIGPIPE", None)
    previous = signal.signal(sigpipe, signal.SIG_IGN) if sigpipe is not None else None
    try:
        with ProcessPoolExecutor(
            jobs, initializer=_start_worker, initargs=(config, chromes, verbose)
        ) as pool:
            yield from pool.map(task, sources, chunksize=chunk)
    finally:
        if sigpipe is not None:
            signal.signal(sigpipe, previous)


def _run_one(
    source: Source,
    outcome: _Outcome,
    options: RunOptions,
    report: Report,
    on_result: Callable[[CleanResult], None] | None,
) -> None:
    kind, message, data, result = outcome
    if kind == "fail":
        report.fail(message)
        return
    if kind == "skip":
        report.skip(message)
        # A filter must not swallow its input: pass it through unchanged.
        passthrough = source.output is None and not (options.check or options.in_place)
        if data is not None and passthrough:
            _write_stdout(data)
        return
    assert result is not None
    report.add(result)
    if on_result is not None:
        on_result(result)
    if options.check:
        return
    try:
        if options.in_place and source.path != STDIN:
            if result.changed:
                write_atomically(Path(source.path), result.output_pieces(), like=source.path)
        elif source.output is not None:
            write_atomically(source.output, result.output_pieces())
        else:
            _write_stdout(result.output_pieces())
    except OSError as error:
        target = source.path if options.in_place else (source.output or "<stdout>")
        report.fail(f"{target}: cannot write: {error.strerror}")


def _stream_one(cleaner: Cleaner, source: Source, options: RunOptions, report: Report) -> None:
    """Clean one input a window at a time, writing each window's output as it is done."""
    refused = _refusal(source)
    if refused is not None:
        _run_one(source, refused, options, report, None)
        return
    opened: AbstractContextManager[BinaryIO]
    try:
        # stdin is left open: it is not this run's to close.
        opened = nullcontext(sys.stdin.buffer) if source.path == STDIN else open(source.path, "rb")  # noqa: SIM115
    except OSError as error:
        report.fail(f"{source.name}: cannot read: {error.strerror}")
        return
    with opened as handle:
        windows = read_windows(handle, options.window_bytes, cleaner.config.unit)
        try:
            head = next(windows, b"")
            problem = text_problem(head)
            if problem is not None:
                report.skip(f"{source.name}: {problem}")
                if source.output is None and not options.check:
                    for data in chain([head], windows):
                        _write_stdout(data)  # a filter must not swallow its input
                return
            results = clean_windows(cleaner, chain([head], windows), source.name)
            with _progress(options.progress, _size_of(handle), in_bytes=True) as advance:
                outputs = _counted(results, report, advance)
                if options.check:
                    deque(outputs, maxlen=0)
                elif source.output is not None:
                    write_atomically(source.output, chain.from_iterable(outputs))
                else:
                    for output in outputs:
                        _write_stdout(output)
        except OSError as error:
            report.fail(f"{source.name}: cannot read or write: {error.strerror}")


def _counted(
    results: Iterable[CleanResult], report: Report, advance: Callable[[int], None]
) -> Iterator[Iterable[bytes | memoryview]]:
    """Each window's output (its pieces), counted in the report as part of one document
    and its input bytes in the progress bar."""
    for index, result in enumerate(results):
        report.add(result, continued=index > 0)
        advance(len(result.data))
        yield result.output_pieces()


def _size_of(handle: BinaryIO) -> int | None:
    """The size of a regular file (stdin redirected from one too), else None."""
    try:
        status = os.fstat(handle.fileno())
    except (OSError, ValueError):  # no file descriptor (a test's stdin)
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _write_stdout(data: bytes | Iterable[bytes | memoryview]) -> None:
    write_pieces(sys.stdout.buffer, data)
    sys.stdout.buffer.flush()


class _NoProgress:
    def __enter__(self) -> Callable[[int], None]:
        return lambda amount: None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(enabled: bool, total: int | None, in_bytes: bool = False) -> Any:
    """A rich progress bar on a terminal, nothing otherwise; entering it gives the
    function that advances it. ``in_bytes`` counts bytes (``total`` None: unknown)."""
    if not enabled or not sys.stderr.isatty():
        return _NoProgress()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        if in_bytes
        else Progress.get_default_columns()
    )

    class _Bar:
        def __enter__(self) -> Callable[[int], None]:
            self.progress = Progress(*columns, transient=True, console=Console(stderr=True))
            self.progress.__enter__()
            task = self.progress.add_task("cleaning", total=total)
            return lambda amount: self.progress.advance(task, amount)

        def __exit__(self, *exc: object) -> None:
            self.progress.__exit__(None, None, None)

    return _Bar()
