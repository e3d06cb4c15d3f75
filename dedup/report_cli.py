"""The command-line edge of the reporting features.

``dedup clean``'s ``--report``/``--stats``/``--diff``/``--explain`` options (and ``dedup
explain``) run through :func:`run_explained`; ``dedup restore`` is :func:`restore_command`.
The work itself is in :mod:`dedup.decision_log`, :mod:`dedup.restore` and
:mod:`dedup.explain`; this module only reads options, files and streams.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .config import CleanConfig
from .decision_log import LogError, LogWriter, header_record, read_log
from .explain import plain_view, removal_diff, rich_view
from .io import STDIN, Source, write_atomically
from .options import apply_options
from .report import EXIT_FAILED, EXIT_OK, Report
from .restore import RestoreError, find_file, relative_outputs, restore
from .results import CleanResult
from .runner import RunOptions, run


def explain_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The reporting options of ``dedup clean``."""
    decorators = [
        click.option(
            "--report",
            "report_path",
            type=click.Path(dir_okay=False, writable=True),
            metavar="FILE",
            help="Write a JSONL decision log: every removed unit with its rule, kept copy and "
            "bytes (undo with `dedup restore`).",
        ),
        click.option(
            "--stats",
            "stats_path",
            type=click.Path(dir_okay=False, writable=True),
            metavar="FILE",
            help="Write the end-of-run summary as JSON.",
        ),
        click.option(
            "--diff",
            is_flag=True,
            help="Print a unified diff of what would be removed; write nothing.",
        ),
        click.option(
            "--explain",
            is_flag=True,
            help="Show each document with removed units marked and why; write nothing.",
        ),
    ]
    return view_options(apply_options(function, decorators))


def view_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """How much of a document the explain view shows."""
    decorators = [
        click.option(
            "--context",
            type=click.IntRange(min=0),
            default=2,
            show_default=True,
            help="Explain view: kept lines shown around removed ones.",
        ),
        click.option(
            "--full",
            is_flag=True,
            help="Explain view: the whole document (paged on a terminal).",
        ),
    ]
    return apply_options(function, decorators)


@dataclass(frozen=True)
class ExplainOptions:
    """The reporting options of one run."""

    report_path: str | None = None
    stats_path: str | None = None
    diff: bool = False
    explain: bool = False
    context: int = 2
    full: bool = False

    @classmethod
    def pop_from(cls, options: dict[str, Any]) -> ExplainOptions:
        """Take this class's fields out of a command's keyword arguments."""
        names = [field.name for field in dataclasses.fields(cls)]
        return cls(**{name: options.pop(name) for name in names if name in options})

    @property
    def dry_run(self) -> bool:
        """True when the run shows what it would do instead of writing outputs."""
        return self.diff or self.explain

    def exit_code(self, report: Report, check: bool) -> int:
        """Like ``black --diff``: a diff or an explain view alone is a success."""
        if self.dry_run and not check:
            return EXIT_FAILED if report.failures else EXIT_OK
        return report.exit_code


def run_explained(
    sources: Sequence[Source],
    config: CleanConfig,
    options: RunOptions,
    extras: ExplainOptions,
    run_options: dict[str, Any],
    runner: Callable[..., Report] = run,
) -> Report:
    """Run the batch and send each result to the log, the diff and the explain view.

    ``runner`` runs the batch (default :func:`dedup.runner.run`; e.g. JSONL, an index).
    """
    # Where each cleaned document lands, so `dedup restore` can find it (nowhere: dry run).
    outputs = {
        source.name: (source.path if options.in_place else source.output)
        for source in sources
        if not options.check
    }
    writer = None
    if extras.report_path is not None:
        header = header_record(__version__, {**run_options, **dataclasses.asdict(config)})
        writer = LogWriter(extras.report_path, header)
    show = _viewer(extras)

    def on_result(result: CleanResult) -> None:
        if writer is not None:
            output = outputs.get(result.name)
            writer.add(result, None if output in (None, STDIN) else str(output))
        if extras.diff:
            _write_stdout(removal_diff(result))
        if show is not None:
            show(result)

    if writer is None:
        report = runner(sources, config, options, on_result=on_result)
    else:
        with writer:
            report = runner(sources, config, options, on_result=on_result)
    if extras.stats_path is not None:
        text = json.dumps(report.stats(), indent=2, ensure_ascii=False) + "\n"
        write_atomically(Path(extras.stats_path), text.encode("utf-8"))
    return report


def _viewer(extras: ExplainOptions) -> Callable[[CleanResult], None] | None:
    if not extras.explain:
        return None
    context = None if extras.full else extras.context
    if not sys.stdout.isatty():
        return lambda result: _write_stdout(plain_view(result, context).encode("utf-8"))
    from rich.console import Console

    console = Console()

    def show(result: CleanResult) -> None:
        if extras.full:
            with console.pager(styles=True):
                rich_view(console, result, context)
        else:
            rich_view(console, result, context)

    return show


def _write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@click.command()
@click.argument("cleaned", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--report",
    "report_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="The decision log written by `dedup clean --report FILE`.",
)
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(file_okay=False),
    help="Write restored files under this folder (needed for a folder of cleaned files).",
)
def restore_command(cleaned: tuple[str, ...], report_path: str, output_dir: str | None) -> None:
    """Rebuild the original input byte for byte from CLEANED output and its decision log.

    One cleaned file (none or - reads stdin) is restored to stdout; a folder of cleaned
    files needs -o DIR. A cleaned file edited since it was cleaned is refused.
    """
    try:
        with open(report_path, encoding="utf-8") as handle:
            log = read_log(handle, report_path)
    except (OSError, UnicodeDecodeError, LogError) as error:
        raise click.ClickException(str(error)) from None
    paths = list(cleaned) or [STDIN]
    if len(paths) == 1 and (paths[0] == STDIN or not os.path.isdir(paths[0])):
        path = paths[0]
        try:
            data = sys.stdin.buffer.read() if path == STDIN else _read(path)
            original = restore(data, find_file(log, data, None if path == STDIN else path), path)
        except RestoreError as error:
            _fail(str(error))
        if output_dir is None:
            _write_stdout(original)
        else:
            name = Path(path).name if path != STDIN else "stdin.txt"
            write_atomically(Path(output_dir) / name, original)
        return
    if len(paths) > 1 or output_dir is None:
        raise click.UsageError("restore one cleaned file, or one cleaned folder with -o DIR")
    placed = relative_outputs(log)
    if not placed:
        _fail(f"{report_path}: the log records no files written to a folder")
    failures = 0
    for relative, file_log in placed:
        source = Path(paths[0]) / relative
        try:
            original = restore(_read(str(source)), file_log, str(source))
            write_atomically(Path(output_dir) / relative, original)
        except RestoreError as error:
            click.echo(f"dedup restore: {error}", err=True)
            failures += 1
    if failures:
        click.echo(f"dedup restore: {failures} of {len(placed)} file(s) not restored", err=True)
        sys.exit(EXIT_FAILED)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise RestoreError(f"{path}: cannot read: {error.strerror}") from error


def _fail(message: str) -> NoReturn:
    click.echo(f"dedup restore: {message}", err=True)
    sys.exit(EXIT_FAILED)
