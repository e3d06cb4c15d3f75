"""The run's report: counters, failures, the exit code, and the summary on stderr."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from .results import CleanResult

# The exit-code contract (also in the README and `dedup clean --help`).
EXIT_OK = 0
EXIT_CHANGES = 1  # --check: something would be removed
EXIT_USAGE = 2  # bad command line (click's own code)
EXIT_FAILED = 3  # some inputs could not be read or written
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  # 128 + SIGTERM


@dataclass
class Report:
    """Counts what a run did; decides the exit code."""

    check: bool = False
    files: int = 0
    changed_files: int = 0
    units_in: int = 0
    units_removed: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    bytes_by_rule: Counter[str] = field(default_factory=Counter)
    chars_by_rule: Counter[str] = field(default_factory=Counter)
    # Removed units and bytes per document, for "the files with most removed".
    removed_by_file: dict[str, tuple[int, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, result: CleanResult, continued: bool = False) -> None:
        """Count one cleaned document, or with ``continued`` one more window of the
        document counted last (see :mod:`dedup.stream`)."""
        earlier = self.removed_by_file.get(result.name, (0, 0)) if continued else (0, 0)
        self.files += not continued
        self.changed_files += result.changed and not earlier[0]
        self.units_in += result.units
        self.units_removed += len(result.decisions)
        self.bytes_in += len(result.data)
        self.bytes_out += result.output_size
        for rule, total in result.rule_totals().items():
            self.by_rule[rule] += total.units
            self.bytes_by_rule[rule] += total.bytes
            self.chars_by_rule[rule] += total.chars
        if result.decisions:
            removed_bytes = len(result.data) - result.output_size
            self.removed_by_file[result.name] = (
                earlier[0] + len(result.decisions),
                earlier[1] + removed_bytes,
            )

    def fail(self, message: str) -> None:
        """Record an input that could not be processed."""
        self.failures.append(message)

    def skip(self, message: str) -> None:
        """Record an input left alone on purpose (binary, unsupported encoding)."""
        self.skipped.append(message)

    @property
    def exit_code(self) -> int:
        """The contract: failures beat --check findings beat success."""
        if self.failures:
            return EXIT_FAILED
        if self.check and self.units_removed:
            return EXIT_CHANGES
        return EXIT_OK

    def top_files(self, count: int = 5) -> list[tuple[str, int, int]]:
        """The documents with the most bytes removed: (name, units, bytes), most first."""
        ranked = sorted(self.removed_by_file.items(), key=lambda item: (-item[1][1], item[0]))
        return [(name, units, removed) for name, (units, removed) in ranked[:count]]

    def stats(self) -> dict[str, object]:
        """The summary as JSON-ready data (``--stats FILE``)."""
        return {
            "files": self.files,
            "changed_files": self.changed_files,
            "units_in": self.units_in,
            "units_removed": self.units_removed,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "by_rule": {
                rule: {
                    "units": count,
                    "bytes": self.bytes_by_rule[rule],
                    "chars": self.chars_by_rule[rule],
                }
                for rule, count in self.by_rule.most_common()
            },
            "top_files": [
                {"file": name, "units": units, "bytes": removed}
                for name, units, removed in self.top_files()
            ],
            "skipped": self.skipped,
            "failures": self.failures,
            "exit_code": self.exit_code,
        }

    def summary_lines(self) -> list[str]:
        """The plain-text summary, one fact per line."""
        verb = "would remove" if self.check else "removed"
        lines = [
            f"{self.files} file(s), {self.changed_files} changed: {verb} "
            f"{self.units_removed} of {self.units_in} units, "
            f"{self.bytes_in - self.bytes_out} of {self.bytes_in} bytes"
        ]
        for rule, count in self.by_rule.most_common():
            lines.append(
                f"  {rule}: {count} units, {self.chars_by_rule[rule]} chars, "
                f"{self.bytes_by_rule[rule]} bytes"
            )
        if self.files > 1:
            for name, units, removed in self.top_files():
                lines.append(f"most removed: {name}: {units} units, {removed} bytes")
        lines += [f"skipped: {message}" for message in self.skipped]
        lines += [f"failed: {message}" for message in self.failures]
        return lines

    def print_summary(self, stream: TextIO | None = None) -> None:
        """Print the summary: a rich table on a terminal, plain lines otherwise."""
        stream = stream or sys.stderr
        if not stream.isatty():
            stream.write("\n".join(self.summary_lines()) + "\n")
            return
        from rich.console import Console
        from rich.table import Table

        console = Console(file=stream)
        console.print(self.summary_lines()[0], highlight=False)
        if self.by_rule:
            table = Table("rule", "units", "chars", "bytes", box=None, pad_edge=False)
            for rule, count in self.by_rule.most_common():
                table.add_row(
                    rule,
                    str(count),
                    str(self.chars_by_rule[rule]),
                    str(self.bytes_by_rule[rule]),
                )
            console.print(table)
        if self.files > 1 and self.removed_by_file:
            files = Table("most removed", "units", "bytes", box=None, pad_edge=False)
            for name, units, removed in self.top_files():
                files.add_row(name, str(units), str(removed))
            console.print(files)
        for message in self.skipped:
            console.print(f"[yellow]skipped:[/] {message}", highlight=False)
        for message in self.failures:
            console.print(f"[red]failed:[/] {message}", highlight=False)
