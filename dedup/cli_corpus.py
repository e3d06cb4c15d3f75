"""Command-line pieces for corpus runs: ``--index``, ``--jsonl``, and ``dedup index``.

Kept apart from :mod:`dedup.cli` so that the main command only gains a decorator and a
``with``: :func:`corpus_options` adds the options, :func:`corpus_runner` opens the index
for the run and gives the function that runs the batch, and :data:`index_group` is the
``dedup index`` command group.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import click

from .config import CleanConfig
from .io import Source
from .jsonl import BAD_LINES, JsonlOptions, run_jsonl
from .options import apply_options
from .report import EXIT_USAGE, Report
from .results import CleanResult
from .runner import RunOptions, run


class IndexRefused(click.ClickException):
    """An index that cannot be used: the run does not start (exit code 2)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class CorpusOptions:
    """The corpus options of ``dedup clean``, taken out of click's keyword arguments."""

    index: str | None = None
    jsonl: JsonlOptions | None = None

    @classmethod
    def pop_from(cls, options: dict[str, Any]) -> CorpusOptions:
        """Remove this module's options from ``options`` and bundle them."""
        index = options.pop("index")
        field, id_field, bad_lines = (options.pop(k) for k in ("field", "id_field", "bad_lines"))
        if not options.pop("jsonl"):
            if field != "text" or id_field is not None:
                raise click.UsageError("--field and --id-field need --jsonl")
            return cls(index, None)
        try:
            return cls(index, JsonlOptions(field, id_field, bad_lines))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--field") from None

    def configure(self, config: CleanConfig) -> CleanConfig:
        """An index is ``--scope batch`` across runs."""
        return dataclasses.replace(config, scope="batch") if self.index else config


def corpus_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--index`` and the JSONL options to a cleaning command."""
    decorators = [
        click.option(
            "--index",
            type=click.Path(dir_okay=False),
            metavar="PATH",
            help="Persistent fingerprint index (created if missing): also drop units kept "
            "by earlier runs, and record the units kept by this one. Implies --scope batch.",
        ),
        click.option(
            "--jsonl",
            is_flag=True,
            help="Inputs are JSONL: clean one field of each record, keep the other fields.",
        ),
        click.option(
            "--field",
            default="text",
            show_default=True,
            metavar="PATH",
            help="With --jsonl: the field to clean; dots reach into objects (meta.body).",
        ),
        click.option(
            "--id-field",
            metavar="PATH",
            help="With --jsonl: a field naming each record in reports (FILE:LINE#ID).",
        ),
        click.option(
            "--bad-lines",
            type=click.Choice(BAD_LINES),
            default="pass",
            show_default=True,
            help="With --jsonl: write lines that are not JSON objects through, or skip them.",
        ),
    ]
    return apply_options(function, decorators)


@contextlib.contextmanager
def corpus_runner(
    corpus: CorpusOptions, config: CleanConfig, dry_run: bool
) -> Iterator[Callable[..., Report]]:
    """Open the index (if any) for the run; yield ``runner(sources, config, options,
    on_result=None) -> Report`` that cleans files or JSONL against it.

    The index is committed once, after every output is written; with ``dry_run``
    (``--check``), or when the run is interrupted or fails, it is rolled back.
    """
    with _index(corpus.index, config, dry_run) as seen:
        jsonl = corpus.jsonl

        def runner(
            sources: Sequence[Source],
            config: CleanConfig,
            options: RunOptions,
            on_result: Callable[[CleanResult], None] | None = None,
        ) -> Report:
            if jsonl is not None:
                return run_jsonl(sources, config, options, jsonl, on_result, seen)
            return run(sources, config, options, on_result, seen)

        yield runner


@contextlib.contextmanager
def _index(path: str | None, config: CleanConfig, dry_run: bool) -> Iterator[Any]:
    if path is None:
        yield None
        return
    from .index import FingerprintIndex, IndexProblem  # sqlite3 only for runs that use it

    try:
        index = FingerprintIndex(path, config)
    except IndexProblem as problem:
        raise IndexRefused(str(problem)) from None
    try:
        yield index
    except BaseException:
        index.rollback()
        raise
    if dry_run:
        index.rollback()
    else:
        index.commit()


@click.group("index")
def index_group() -> None:
    """Inspect a persistent fingerprint index (see `dedup clean --index`)."""


@index_group.command("stats")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def stats_command(path: str, as_json: bool) -> None:
    """Show the size of the index at PATH and what it holds."""
    from .index import IndexProblem, index_stats

    try:
        stats = index_stats(path)
    except IndexProblem as problem:
        raise IndexRefused(str(problem)) from None
    if as_json:
        summary = dataclasses.asdict(stats)
        summary["bytes_per_fingerprint"] = round(stats.bytes_per_fingerprint, 2)
        click.echo(json.dumps(summary, sort_keys=True))
        return
    meta = stats.meta
    click.echo(f"index: {stats.path}")
    click.echo(
        f"size: {stats.file_bytes:,} bytes ({stats.bytes_per_fingerprint:.1f} per fingerprint)"
    )
    click.echo(f"fingerprints: {stats.fingerprints:,}")
    click.echo(f"documents that added fingerprints: {stats.documents:,}")
    click.echo(f"runs: {stats.runs}")
    click.echo(
        f"built with: --unit {meta.get('unit')} --profile {meta.get('profile')} "
        f"--hash-bits {meta.get('hash_bits')} (index format {meta.get('format')}, "
        f"{meta.get('created_by')})"
    )
    for run_info in stats.last_runs:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(run_info["started"])))  # type: ignore[arg-type]
        click.echo(
            f"  run {run_info['run']}: {started}, {run_info['documents']} documents, "
            f"+{run_info['added']} fingerprints, {run_info['seconds']} s"
        )
