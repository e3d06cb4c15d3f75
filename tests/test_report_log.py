"""The --report decision log: every removed unit exactly once, with its rule and bytes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup import __version__
from dedup.cleaner import Cleaner
from dedup.cli import main
from dedup.config import CleanConfig
from dedup.decision_log import LogError, file_records, read_log
from dedup.results import CleanResult

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "hikvision-blogger-repost.txt"

SAMPLES = {
    "repeats.txt": b"First paragraph, long enough.\n\nSecond one, also long.\n\n"
    b"First paragraph, long enough.\n\nEnd.\n",
    "crlf.txt": b"\xef\xbb\xbfA line that repeats itself.\r\n"
    b"A line that repeats itself.\r\nYes.\r\n",
    "footer.txt": b"The article body is here.\nNo comments:\nPost a Comment\n",
    "invalid.txt": b"Caf\xe9 au lait, a long line.\nCaf\xe9 au lait, a long line.\n",
    "sentences.txt": b"One sentence is here. Another sentence follows. One sentence is here.\n",
}


def _decoded(record: dict[str, str], name: str) -> bytes:
    if record["encoding"] == "base64":
        return base64.b64decode(record[name])
    return record[name].encode("utf-8")


def _check(result: CleanResult) -> None:
    *removed, summary = file_records(result)
    # Exactly one record per removed unit, with that unit's rule and span.
    assert sorted(record["unit"] for record in removed) == sorted(d.unit for d in result.decisions)
    by_unit = {decision.unit: decision for decision in result.decisions}
    for record in removed:
        decision = by_unit[record["unit"]]
        assert (record["rule"], record["start"], record["end"]) == (
            decision.rule,
            decision.start,
            decision.end,
        )
        assert (record["line"], record["end_line"]) == (decision.line, decision.end_line)
        assert _decoded(record, "text") == result.data[decision.start : decision.end]
        start, end = record["cut"]
        deleted = _decoded(record, "gap_before") + _decoded(record, "text")
        assert deleted + _decoded(record, "gap_after") == result.data[start:end]
        if decision.kept is not None:
            assert record["kept"] == {"file": decision.kept.document, "line": decision.kept.line}
    # The cuts are exactly the deleted ranges, each byte once.
    cuts = sorted(tuple(record["cut"]) for record in removed)
    merged: list[tuple[int, int]] = []
    for start, end in cuts:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    assert merged == result.deleted
    assert summary["type"] == "file"
    assert summary["units_in"] - summary["units_out"] == len(result.decisions)
    assert summary["bytes_in"] - summary["bytes_out"] == sum(end - start for start, end in cuts)
    assert sum(counts["units"] for counts in summary["by_rule"].values()) == len(removed)


@pytest.mark.parametrize("unit", ["auto", "line", "paragraph", "sentence"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_removed_unit_is_logged_once(name: str, unit: str) -> None:
    _check(Cleaner(CleanConfig(unit=unit)).clean(SAMPLES[name], name))


@pytest.mark.skipif(not SEED.is_file(), reason="../shared/seeds is absent")
def test_the_seed_is_logged_with_rules_and_kept_copies() -> None:
    result = Cleaner().clean(SEED.read_bytes(), "seed.txt")
    assert result.decisions
    _check(result)
    rules = {record["rule"] for record in file_records(result)[:-1]}
    assert "repeat" in rules
    assert any(rule.startswith("boilerplate:blogger") for rule in rules)


def test_invalid_utf8_is_stored_as_base64_and_says_so() -> None:
    result = Cleaner().clean(SAMPLES["invalid.txt"], "invalid.txt")
    (record,) = file_records(result)[:-1]
    assert record["encoding"] == "base64"
    assert base64.b64decode(record["text"]) == b"Caf\xe9 au lait, a long line."
    (record,) = file_records(Cleaner().clean(SAMPLES["crlf.txt"], "crlf.txt"))[:-1]
    assert record["encoding"] == "utf-8"
    assert record["text"] == "A line that repeats itself.\r"


def test_cli_report_header_records_and_batch_kept_copy(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in SAMPLES.items():
        (folder / name).write_bytes(data)
    (folder / "z-copy.txt").write_bytes(SAMPLES["repeats.txt"])
    log = tmp_path / "log.jsonl"
    args = ["clean", "-q", str(folder), "-o", str(tmp_path / "out"), "--scope", "batch"]
    outcome = CliRunner().invoke(main, [*args, "--report", str(log), "--unit", "line"])
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout == ""
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    header = records[0]
    assert header["type"] == "header" and header["version"] == __version__
    assert header["options"]["unit"] == "line" and header["options"]["scope"] == "batch"
    files = [record for record in records if record["type"] == "file"]
    assert [Path(record["file"]).name for record in files] == [*sorted(SAMPLES), "z-copy.txt"]
    assert all(record["output"].startswith(str(tmp_path / "out")) for record in files)
    batch = [r for r in records if r["type"] == "removed" and r["file"].endswith("z-copy.txt")]
    assert batch and all(r["kept"]["file"].endswith("repeats.txt") for r in batch)
    # The log holds every removed unit: its per-file counts agree with the records.
    for summary in files:
        mine = [r for r in records if r["type"] == "removed" and r["file"] == summary["file"]]
        assert len(mine) == summary["units_in"] - summary["units_out"]


def test_cli_stats_json(tmp_path: Path) -> None:
    source = tmp_path / "footer.txt"
    source.write_bytes(SAMPLES["footer.txt"])
    stats = tmp_path / "stats.json"
    outcome = CliRunner().invoke(main, ["clean", str(source), "--stats", str(stats)])
    assert outcome.exit_code == 0
    data = json.loads(stats.read_text())
    assert data["units_removed"] == 2
    assert data["by_rule"]["boilerplate:blogger:en"]["units"] == 2
    assert data["by_rule"]["boilerplate:blogger:en"]["chars"] == len("No comments:Post a Comment")
    assert data["top_files"] == [{"file": str(source), "units": 2, "bytes": 28}]


def test_read_log_refuses_other_files() -> None:
    with pytest.raises(LogError, match="starts with a header"):
        read_log(['{"type": "removed"}'])
    with pytest.raises(LogError, match="format 99"):
        read_log(['{"type": "header", "tool": "dedup", "format": 99}'])
    with pytest.raises(LogError, match="truncated"):
        read_log(['{"type": "header", "tool": "dedup", "format": 1}', '{"type": "removed"}'])
    with pytest.raises(LogError, match="empty"):
        read_log([])
