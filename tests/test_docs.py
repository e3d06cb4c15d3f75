"""Every command and every long option is documented in the README."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from dedup.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "dedup") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


COMMANDS = list(commands(main))


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_command_and_options_are_in_the_readme(name: str, command: click.Command) -> None:
    assert name in README
    for param in command.params:
        flags = [opt for opt in getattr(param, "opts", []) if opt.startswith("--")]
        if isinstance(param, click.Option) and flags and flags != ["--help"]:
            assert any(flag in README for flag in flags), f"{name} {flags[0]}"
