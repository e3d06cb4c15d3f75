"""The `dedup` command: parses options, builds the config, calls the core."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .allocator import keep_freed_memory
from .cli_corpus import CorpusOptions, corpus_options, corpus_runner, index_group
from .config import LEARN_SCOPES, SCOPES, UNITS, CleanConfig
from .hashing import HASH_BITS, fingerprinter
from .io import Source, UsageProblem, collect_sources
from .normalize import PROFILES, get_profile, make_key_function
from .options import apply_options
from .patterns import PatternError, UserRule, compile_pattern, parse_patterns_file
from .report import EXIT_INTERRUPTED, EXIT_TERMINATED
from .report_cli import (
    ExplainOptions,
    explain_options,
    restore_command,
    run_explained,
    view_options,
)
from .runner import RunOptions

EXIT_CODES_HELP = """\b
Exit codes:
  0  success (with --check: nothing would be removed)
  1  --check: something would be removed
  2  usage error (bad option or path, or an index that cannot be used)
  3  some inputs could not be read or written (the others were cleaned)
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)"""


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so temporary files are cleaned up."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def _compile(patterns: tuple[str, ...], option: str) -> None:
    for pattern in patterns:
        try:
            compile_pattern(pattern)
        except PatternError as error:
            raise click.BadParameter(str(error), param_hint=option) from None


def _read_patterns_file(path: str | None) -> tuple[UserRule, ...]:
    if path is None:
        return ()
    try:
        with open(path, encoding="utf-8") as handle:
            return tuple(parse_patterns_file(handle.read(), path))
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {path}: {error}", param_hint="--patterns") from None
    except PatternError as error:
        raise click.BadParameter(str(error), param_hint="--patterns") from None


def _cleaning_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that decide what is removed, shared by every command that cleans."""
    decorators = [
        click.option(
            "--unit",
            type=click.Choice(UNITS),
            default="auto",
            show_default=True,
            help="What is compared: auto = paragraphs for blank-line or hard-wrapped text, "
            "else lines.",
        ),
        click.option(
            "--profile",
            type=click.Choice(list(PROFILES)),
            default="default",
            show_default=True,
            help="Normalization used to compare units (see `dedup key --help`).",
        ),
        click.option(
            "--scope",
            type=click.Choice(SCOPES),
            default="document",
            show_default=True,
            help="batch: also drop units kept in an earlier document (sorted path order).",
        ),
        click.option(
            "--min-chars",
            type=click.IntRange(min=0),
            default=CleanConfig.min_chars,
            show_default=True,
            help="Repeated units shorter than this (after normalization) are kept.",
        ),
        click.option(
            "--block-min-chars",
            type=click.IntRange(min=0),
            default=CleanConfig.block_min_chars,
            show_default=True,
            help="A repeated run of 2+ units this long in total is dropped whole.",
        ),
        click.option(
            "--hash-bits",
            type=click.Choice([str(bits) for bits in HASH_BITS]),
            default="64",
            show_default=True,
            help="Fingerprint width; 128 makes collisions negligible on huge corpora.",
        ),
        click.option(
            "--no-boilerplate",
            is_flag=True,
            help="Do not remove platform boilerplate (comment footers, share bars, cookies).",
        ),
        click.option(
            "--no-learn",
            is_flag=True,
            help="In a batch, do not learn chrome (units recurring across documents).",
        ),
        click.option(
            "--learn-scope",
            type=click.Choice(LEARN_SCOPES),
            default="folder",
            show_default=True,
            help="Learn chrome per folder (one site) or across the whole batch.",
        ),
        click.option(
            "--learn-min-docs",
            type=click.IntRange(min=2),
            default=CleanConfig.learn_min_docs,
            show_default=True,
            help=(
                "A unit found in this many distinct documents of a group is chrome (in a"
                " smaller group, one found in all of them is weak chrome)."
            ),
        ),
        click.option(
            "--learn-min-share",
            type=click.FloatRange(0.0, 1.0),
            default=CleanConfig.learn_min_share,
            show_default=True,
            help="...and in at least this share of the group's documents.",
        ),
        click.option(
            "--pattern",
            "patterns",
            multiple=True,
            metavar="REGEX",
            help="Also drop units matching this regex (repeatable).",
        ),
        click.option(
            "--patterns",
            "patterns_file",
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Drop and keep rules, one per line: TEXT, re:REGEX, keep:TEXT, keep-re:REGEX.",
        ),
        click.option(
            "--keep",
            "keep_patterns",
            multiple=True,
            metavar="REGEX",
            help="Never drop units matching this regex; wins over every rule (repeatable).",
        ),
    ]
    return apply_options(function, decorators)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Clean scraped article text: drop repeated lines, paragraphs and sentences, repeated
    blocks, and platform boilerplate, keeping everything else byte for byte."""


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(file_okay=False),
    help="Write cleaned files under this folder, mirroring the input tree.",
)
@click.option("--in-place", is_flag=True, help="Rewrite the input files (atomically).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if anything would be removed.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for a batch; 0 = one per core. Output is the same for any N.",
)
@click.option(
    "--window",
    "window_mb",
    type=click.IntRange(min=0),
    default=0,
    metavar="MB",
    help="Clean one long input in windows of about MB megabytes, remembering only the "
    "fingerprints of the units kept so far: memory stays bounded. Repeats across windows "
    "still go; blocks, regions and wrappers are found within a window. 0 (the default) "
    "cleans whole documents.",
)
@_cleaning_options
@explain_options
@corpus_options
def clean(
    paths: tuple[str, ...],
    output_dir: str | None,
    in_place: bool,
    check: bool,
    quiet: bool,
    verbose: bool,
    jobs: int,
    window_mb: int,
    hash_bits: str,
    **cleaning: Any,
) -> None:
    """Clean PATHS (files or folders; none or - reads stdin) and write the result.

    One input goes to stdout; several inputs or a folder need -o DIR (the tree is
    mirrored) or --in-place. The summary goes to stderr.
    """
    _compile(cleaning["patterns"], "--pattern")
    _compile(cleaning["keep_patterns"], "--keep")
    boilerplate = not cleaning.pop("no_boilerplate")
    learn = not cleaning.pop("no_learn")
    user_rules = _read_patterns_file(cleaning.pop("patterns_file"))
    extras = ExplainOptions.pop_from(cleaning)
    corpus = CorpusOptions.pop_from(cleaning)
    config = CleanConfig(
        hash_bits=int(hash_bits),
        boilerplate=boilerplate,
        learn=learn,
        user_rules=user_rules,
        **cleaning,
    )
    config = corpus.configure(config)
    if output_dir and in_place:
        raise click.UsageError("use either -o/--output or --in-place, not both")
    try:
        sources = collect_sources(paths, output_dir)
    except UsageProblem as problem:
        raise click.UsageError(str(problem)) from None
    several = len(sources) > 1 or any(p != "-" and os.path.isdir(p) for p in paths)
    if several and not (output_dir or in_place or check or extras.dry_run):
        raise click.UsageError("several inputs need -o DIR, --in-place or --check")
    if in_place and any(source.path == "-" for source in sources):
        raise click.UsageError("--in-place cannot rewrite stdin")
    if window_mb:
        _refuse_with_window(sources, config, extras, corpus, in_place)
    elif len(sources) == 1:
        # One whole document: its large tables are freed and made again in every pass.
        # Memory kept for a batch's many documents would stay until its end (a folder of
        # 1 MB pages peaked at 120 MB instead of 78, no faster); a stream's windows are
        # small, and its memory is what --window bounds.
        keep_freed_memory()
    options = RunOptions(
        check=check or extras.dry_run,
        in_place=in_place,
        progress=not quiet,
        jobs=jobs,
        verbose=verbose,
        window_bytes=window_mb << 20,
    )
    try:
        header = {"paths": list(paths), "output_dir": output_dir, "in_place": in_place}
        with corpus_runner(corpus, config, options.check) as runner:
            report = run_explained(sources, config, options, extras, header, runner)
    except KeyboardInterrupt:
        click.echo("dedup: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        click.echo("dedup: terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    except click.ClickException:
        raise
    except Exception as error:  # the boundary: one line, traceback only with -v
        if verbose:
            raise
        raise click.ClickException(f"{type(error).__name__}: {error}") from None
    if not quiet:
        report.print_summary()
    sys.exit(extras.exit_code(report, check))


def _refuse_with_window(
    sources: list[Source],
    config: CleanConfig,
    extras: ExplainOptions,
    corpus: CorpusOptions,
    in_place: bool,
) -> None:
    """--window cleans one stream: the options that need whole documents or a batch
    are refused, naming the first one given."""
    conflicts = {
        "several inputs": len(sources) > 1,
        "--report": extras.report_path is not None,
        "--stats": extras.stats_path is not None,
        "--explain": extras.explain,
        "--diff": extras.diff,
        "--in-place": in_place,
        "--jsonl": corpus.jsonl is not None,
        "--index": corpus.index is not None,
        "--scope batch": config.scope == "batch",
    }
    for name, given in conflicts.items():
        if given:
            raise click.UsageError(
                f"--window cleans one input as a stream; it cannot be used with {name}"
            )


@main.command()
@click.argument("texts", nargs=-1)
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    default="default",
    show_default=True,
    help="Normalization profile.",
)
@click.option("--hash-bits", type=click.Choice(["64", "128"]), default="64", show_default=True)
def key(texts: tuple[str, ...], profile: str, hash_bits: str) -> None:
    """Print the comparison key and fingerprint of each TEXT (or each stdin line).

    Two units are the same for dedup exactly when their keys are equal.

    \b
    Profiles:
    """
    key_of = make_key_function(get_profile(profile))
    fingerprint = fingerprinter(int(hash_bits))
    lines: Any = (
        (t.encode("utf-8", "surrogateescape") for t in texts)
        if texts
        else (line.rstrip(b"\r\n") for line in sys.stdin.buffer)
    )
    for raw in lines:
        unit_key = key_of(raw)
        width = int(hash_bits) // 4
        click.echo(f"{fingerprint(unit_key):0{width}x}\t{unit_key.decode('utf-8', 'replace')}")


assert key.help is not None
key.help += "".join(f"\n  {name}: {p.description}" for name, p in PROFILES.items())


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@_cleaning_options
@view_options
@click.pass_context
def explain(ctx: click.Context, /, paths: tuple[str, ...], **options: Any) -> None:
    """Show PATHS with removed units marked, each with its rule and kept copy; write nothing.

    Only removed lines and a few lines of context are shown unless --full. The same as
    `dedup clean --explain`.
    """
    ctx.invoke(clean, paths=paths, explain=True, **options)


main.add_command(restore_command, "restore")
main.add_command(index_group)


def entry() -> None:
    """Console-script entry: default SIGPIPE so `dedup clean big.txt | head` is quiet, and
    SIGTERM unwinds like Ctrl-C so no temporary file is left behind."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, _terminate)
    main()
