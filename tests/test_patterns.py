"""User rules: --pattern, --patterns FILE, --keep, and bounded regex matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup import CleanConfig, Cleaner
from dedup.cli import main
from dedup.normalize import PROFILES, make_key_function
from dedup.patterns import PatternError, UserRule, UserRules, parse_patterns_file

TEXT = (
    "Advertisement\n"
    "The harbour reopened on Monday after three weeks of repairs to the sea wall.\n"
    "Read more\n"
    "Fishing boats were the first to return, followed by the evening ferry.\n"
)


def invoke(*args: str, input: str = TEXT) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["clean", "-q", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_patterns_file_drops_texts_and_regexes(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# site chrome\nread more\nre:^Advert\n", encoding="utf-8")
    code, out, _ = invoke("--patterns", str(rules))
    assert code == 0
    assert "Advertisement" not in out and "Read more" not in out
    assert "harbour" in out and "ferry" in out


def test_keep_list_wins_over_patterns(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("re:^Advert\nkeep:ADVERTISEMENT\n", encoding="utf-8")
    code, out, _ = invoke("--patterns", str(rules))
    assert code == 0
    assert out == TEXT


def test_pattern_rules_are_named_in_decisions(tmp_path: Path) -> None:
    result = Cleaner(CleanConfig(patterns=("^Read",))).clean(TEXT.encode())
    assert [d.rule for d in result.decisions] == ["pattern:1"]


def test_a_pattern_drops_only_its_own_unit() -> None:
    text = "Advertisement here\nA short line that stays.\n"
    code, out, _ = invoke("--pattern", "^Adv", input=text)
    assert (code, out) == (0, "A short line that stays.\n")


def test_bad_regex_in_file_is_a_usage_error_with_the_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("ok line\nre:(unclosed\n", encoding="utf-8")
    code, _, err = invoke("--patterns", str(rules))
    assert code == 2
    assert "--patterns" in err and "2" in err


def test_parse_errors_name_the_line() -> None:
    with pytest.raises(PatternError, match="rules, 3"):
        parse_patterns_file("a\n\nre:[\n", "rules")


def test_catastrophic_pattern_does_not_hang() -> None:
    rules = UserRules(
        [UserRule("pattern:1", "drop", "(a|aa)+$")], make_key_function(PROFILES["default"])
    )
    unit = b"a" * 60 + b"!"
    assert rules.drops(unit, unit) is None
    assert rules.timeouts == 1
