"""JSONL in and out: one field cleaned, every other field and byte kept."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dedup import CleanConfig, CleanResult
from dedup.cli import main
from dedup.index import index_stats
from dedup.io import Source
from dedup.jsonl import JsonlOptions, run_jsonl
from dedup.runner import RunOptions

LONG = "A paragraph that is long enough to count as a repeat.\n"
OTHER = "Another paragraph, different, and long enough as well.\n"


def run(*args: str, input: bytes | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout_bytes, result.stderr


def line(record: object, **dumps: object) -> bytes:
    return json.dumps(record, **dumps).encode() + b"\n"  # type: ignore[arg-type]


def test_cleans_the_text_field_and_keeps_every_other_field() -> None:
    record = {"id": 7, "score": 0.5, "text": LONG + OTHER + LONG, "tags": ["a", "é"], "n": None}
    code, out, err = run("clean", "--jsonl", "-", input=line(record))
    assert code == 0
    cleaned = json.loads(out)
    assert cleaned == {**record, "text": LONG + OTHER}
    assert list(cleaned) == list(record)  # key order kept
    assert "é" in out.decode()  # written as UTF-8, not \u escapes
    assert "removed 1 of 3 units" in err


def test_unchanged_records_are_written_back_byte_for_byte() -> None:
    raw = b'{ "text" : "nothing repeats here\\u00e9",  "x": 1.50 }\r\n'
    code, out, _ = run("clean", "-q", "--jsonl", "-", input=raw + raw)
    assert (code, out) == (0, raw + raw)


def test_changed_records_keep_their_line_ending() -> None:
    raw = line({"text": LONG + LONG}).replace(b"\n", b"\r\n")
    _, out, _ = run("clean", "-q", "--jsonl", "-", input=raw)
    assert out.endswith(b"}\r\n")
    assert json.loads(out) == {"text": LONG}


def test_dotted_field_path() -> None:
    record = {"meta": {"body": LONG + LONG, "lang": "en"}, "text": LONG + LONG}
    _, out, _ = run("clean", "-q", "--jsonl", "--field", "meta.body", "-", input=line(record))
    assert json.loads(out) == {"meta": {"body": LONG, "lang": "en"}, "text": LONG + LONG}


def test_malformed_lines_are_reported_and_passed_through_or_skipped() -> None:
    good = line({"text": LONG + LONG})
    bad = [b"{not json\n", b"[1, 2]\n", b'{"text": "a", "text": "b"}\n', b"\xff\xfe\n"]
    data = good + b"".join(bad) + b"\n" + good
    code, out, err = run("clean", "--jsonl", "-", input=data)
    assert code == 0
    cleaned = line({"text": LONG}).replace(b": ", b":")
    assert out == cleaned + b"".join(bad) + b"\n" + cleaned
    for number in (2, 3, 4, 5):
        assert f"<stdin>:{number}: malformed JSON" in err
    assert "appears twice" in err
    code, out, err = run("clean", "--jsonl", "--bad-lines", "skip", "-", input=data)
    assert code == 0
    assert out.count(b"\n") == 3  # two records and the blank line
    assert "left out" in err


def test_records_without_a_string_field_pass_through() -> None:
    data = line({"title": "no text"}) + line({"text": None}) + line({"text": {"a": 1}})
    code, out, err = run("clean", "--jsonl", "-", input=data)
    assert (code, out) == (0, data)
    assert err.count("no string at 'text'") == 3


def test_scope_batch_and_record_names_with_id_field(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        line({"doc": "a", "text": LONG})
        + line({"doc": "b", "text": OTHER + LONG})
        + line({"text": LONG})
    )
    results: list[CleanResult] = []
    config = CleanConfig(scope="batch")
    options = JsonlOptions(id_field="doc")
    source = Source(str(path), "in.jsonl", tmp_path / "out.jsonl")
    report = run_jsonl([source], config, RunOptions(), options, on_result=results.append)
    assert [r.name for r in results] == ["in.jsonl:1#a", "in.jsonl:2#b", "in.jsonl:3"]
    kept = results[1].decisions[0].kept
    assert kept is not None and (kept.document, kept.line) == ("in.jsonl:1#a", 1)
    assert report.units_removed == 2
    records = [json.loads(raw) for raw in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [r["text"] for r in records] == [LONG, OTHER, ""]


def test_output_folder_and_index_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "day1", tmp_path / "day2"
    first.mkdir()
    second.mkdir()
    (first / "a.jsonl").write_bytes(line({"text": LONG}))
    (second / "b.jsonl").write_bytes(line({"text": LONG + OTHER}))
    index = str(tmp_path / "idx.db")
    for folder in (first, second):
        code, _, err = run(
            "clean", "-q", "--jsonl", "--index", index, str(folder), "-o", str(tmp_path / "out")
        )
        assert code == 0, err
    assert json.loads((tmp_path / "out" / "b.jsonl").read_bytes()) == {"text": OTHER}
    assert index_stats(index).fingerprints == 2


def test_lone_surrogates_survive_the_round_trip() -> None:
    paragraph = LONG.strip().encode() + b"\\ud800\\n\\n"
    raw = b'{"text": "' + paragraph * 2 + b'Last line.\\n"}\n'
    code, out, _ = run("clean", "-q", "--jsonl", "-", input=raw)
    assert code == 0
    assert json.loads(out) == {"text": LONG.strip() + "\ud800\n\nLast line.\n"}
    assert b"\\ud800" in out  # still escaped: a lone surrogate is not UTF-8


def test_field_options_need_jsonl() -> None:
    code, _, err = run("clean", "--field", "body", "-", input=b"x\n")
    assert code == 2
    assert "--jsonl" in err
