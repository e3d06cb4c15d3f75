"""The explain view (real terminal width and no terminal) and --diff."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from dedup.cleaner import Cleaner
from dedup.cli import main
from dedup.config import CleanConfig
from dedup.explain import explain_lines, plain_view, rich_view
from dedup.results import CleanResult

REPEAT = "This paragraph is repeated by the scraper, word for word."
DOC = (
    f"Title of the article\n\n{REPEAT}\n\nA kept paragraph in the middle.\n\n{REPEAT}\n\n"
    "No comments:\nPost a Comment\n"
).encode()


def _result(data: bytes = DOC, unit: str = "auto") -> CleanResult:
    return Cleaner(CleanConfig(unit=unit)).clean(data, "doc.txt")


def test_rich_view_in_a_terminal_strikes_removed_units_and_tags_them() -> None:
    console = Console(
        file=io.StringIO(), record=True, width=100, force_terminal=True, color_system="standard"
    )
    rich_view(console, _result())
    text = console.export_text(clear=False)
    assert "doc.txt: 3 of 6 units removed" in text
    assert "repeat ← line 3" in text
    assert "boilerplate:blogger:en" in text
    assert all(len(line) <= 100 for line in text.splitlines())
    styled = console.export_text(styles=True)
    # The removed repeat is dimmed and struck (SGR 2 and 9), the kept copy is not.
    assert f"\x1b[2;9m{REPEAT}" in styled
    assert "\x1b[2;9mA kept" not in styled


def test_rich_view_wraps_long_lines_at_the_terminal_width() -> None:
    long = ("word " * 60).strip()
    data = f"{long}\n{long}\n".encode()
    console = Console(file=io.StringIO(), record=True, width=60, force_terminal=True)
    rich_view(console, _result(data, "line"))
    lines = console.export_text().splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert "repeat ← line 1" in "\n".join(lines)


def test_plain_view_without_a_terminal() -> None:
    view = plain_view(_result())
    assert "# repeat ← line 3" in view
    assert f"7 - {REPEAT}" in view
    assert "9 - No comments:" in view
    assert "\x1b[" not in view


def test_partly_removed_lines_show_the_removed_sentence() -> None:
    data = b"One sentence is here. Another sentence follows. One sentence is here.\n"
    view = plain_view(_result(data, "sentence"))
    assert "1 ~ One sentence is here. Another sentence follows. [-One sentence is here.-]" in view


def test_a_long_document_shows_only_removed_lines_with_context() -> None:
    lines = [f"Line number {number} of a long article body, unique." for number in range(2000)]
    lines[1500] = lines[10]
    result = _result("\n".join(lines).encode() + b"\n", "line")
    assert len(result.decisions) == 1
    view = plain_view(result, context=2).splitlines()
    assert len(view) < 12
    assert any(line.startswith("1499   ") for line in view)
    assert any(line.startswith("1503   ") for line in view)
    assert len(plain_view(result, context=None).splitlines()) > 2000
    assert [line.number for line in explain_lines(result) if line.removed] == [1501]


def test_cli_explain_is_plain_text_on_a_pipe_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "doc.txt"
    source.write_bytes(DOC)
    runner = CliRunner()
    for args in (["explain", str(source)], ["clean", "--explain", str(source)]):
        outcome = runner.invoke(main, [*args, "-q"])
        assert outcome.exit_code == 0, outcome.stderr
        assert "# repeat ← line 3" in outcome.stdout
        assert "\x1b[" not in outcome.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["doc.txt"]
    folder = runner.invoke(main, ["explain", str(tmp_path), "-q"])
    assert folder.exit_code == 0 and "doc.txt: 3 of 6 units removed" in folder.stdout


def test_cli_diff_is_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "doc.txt"
    source.write_bytes(DOC.replace(b"\n", b"\r\n"))
    runner = CliRunner()
    outcome = runner.invoke(main, ["clean", "--diff", "-q", str(source), "-o", str(tmp_path / "o")])
    assert outcome.exit_code == 0, outcome.stderr
    diff = outcome.stdout_bytes
    assert diff.startswith(f"--- {source}\n+++ {source} (cleaned)\n".encode())
    removed = [line for line in diff.splitlines(keepends=True)[2:] if line.startswith(b"-")]
    assert [line for line in removed if line != b"-\r\n"] == [
        f"-{REPEAT}\r\n".encode(),
        b"-No comments:\r\n",
        b"-Post a Comment\r\n",
    ]
    assert not (tmp_path / "o").exists()
    checked = runner.invoke(main, ["clean", "--diff", "--check", "-q", str(source)])
    assert checked.exit_code == 1
