"""The run's report: counters, failures, the exit code, and the summary on stderr."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from .cleaner import CleanResult

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
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, result: CleanResult) -> None:
        """Count one cleaned document."""
        self.files += 1
        self.changed_files += result.changed
        self.units_in += result.units
        self.units_removed += len(result.decisions)
        self.bytes_in += len(result.data)
        self.bytes_out += len(result.output)
        for decision in result.decisions:
            self.by_rule[decision.rule] += 1
            self.bytes_by_rule[decision.rule] += decision.end - decision.start

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

    def summary_lines(self) -> list[str]:
        """The plain-text summary, one fact per line."""
        verb = "would remove" if self.check else "removed"
        lines = [
            f"{self.files} file(s), {self.changed_files} changed: {verb} "
            f"{self.units_removed} of {self.units_in} units, "
            f"{self.bytes_in - self.bytes_out} of {self.bytes_in} bytes"
        ]
        for rule, count in self.by_rule.most_common():
            lines.append(f"  {rule}: {count} units, {self.bytes_by_rule[rule]} bytes")
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
        console.print(self.summary_lines()[0])
        if self.by_rule:
            table = Table("rule", "units", "bytes", box=None, pad_edge=False)
            for rule, count in self.by_rule.most_common():
                table.add_row(rule, str(count), str(self.bytes_by_rule[rule]))
            console.print(table)
        for message in self.skipped:
            console.print(f"[yellow]skipped:[/] {message}", highlight=False)
        for message in self.failures:
            console.print(f"[red]failed:[/] {message}", highlight=False)
