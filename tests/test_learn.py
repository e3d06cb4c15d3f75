"""Chrome learned across the documents of a batch."""

from __future__ import annotations

import shutil
from array import array
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup import CleanConfig, Cleaner
from dedup.boilerplate import STRONG, WEAK, Rule
from dedup.cli import main
from dedup.hashing import fingerprinter
from dedup.learn import ChromeTable, distinct

ARTICLES = [
    [
        "The harbour reopened on Monday after three weeks of repairs to the sea wall.",
        "Yes.",
        "Fishing boats were the first to return, followed by the evening ferry.",
    ],
    [
        "A new bakery has opened next to the station, in the old ticket office.",
        "Yes.",
        "Its owner trained in Lyon and sells bread made with local flour only.",
    ],
    [
        "The school choir won the regional competition for the second year running.",
        "Yes.",
        "They will sing at the national final in the capital next spring, too.",
    ],
    [
        "Road works on the coast road will close one lane until the end of March.",
        "Yes.",
        "Drivers are advised to use the inland route during the morning rush hour.",
    ],
]
CHROME = ["Sign in to read the Harbour Gazette's premium archive", "Menu", "Contact us"]


def write_site(root: Path, articles: list[list[str]]) -> Path:
    site = root / "in" / "gazette"
    site.mkdir(parents=True)
    for number, lines in enumerate(articles):
        text = "\n".join([*lines, *CHROME]) + "\n"
        (site / f"{number:02}.txt").write_text(text, encoding="utf-8")
    return root / "in"


def clean_folder(root: Path, *options: str) -> dict[str, str]:
    out = root / "out"
    result = CliRunner().invoke(main, ["clean", "-q", str(root / "in"), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_text("utf-8") for p in sorted((out / "gazette").iterdir())}


def test_recurring_chrome_goes_from_every_document_including_the_first(tmp_path: Path) -> None:
    write_site(tmp_path, ARTICLES)
    outputs = clean_folder(tmp_path)
    for number, lines in enumerate(ARTICLES):
        assert outputs[f"{number:02}.txt"] == "\n".join(lines) + "\n"


def test_a_common_short_line_inside_articles_survives(tmp_path: Path) -> None:
    write_site(tmp_path, ARTICLES)
    for text in clean_folder(tmp_path).values():
        assert "\nYes.\n" in text


def test_no_learn_keeps_the_chrome(tmp_path: Path) -> None:
    write_site(tmp_path, ARTICLES)
    for text in clean_folder(tmp_path, "--no-learn").values():
        assert CHROME[0] in text


def test_a_document_present_many_times_is_not_chrome(tmp_path: Path) -> None:
    write_site(tmp_path, [ARTICLES[0]] * 4)
    for text in clean_folder(tmp_path).values():
        assert ARTICLES[0][0] in text


def test_threshold_counts_distinct_documents_per_group() -> None:
    table = ChromeTable(min_docs=3)
    for document in (1, 1, 2):
        table.add("site", document, [10, 20])
    # Two distinct documents: fewer than min_docs, so what both hold is only weak.
    assert {rule.strength for rule in table.chrome("site", "learned:site").values()} == {WEAK}
    table.add("site", 3, [10])
    table.add("other", 4, [20])
    assert table.chrome("site", "learned:site") == {10: Rule("learned:site", STRONG)}


def test_small_group_learns_only_what_every_document_holds_and_only_as_weak() -> None:
    table = ChromeTable(min_docs=3)
    table.add("site", 1, [10, 20])
    table.add("site", 2, [10, 30])
    assert table.chrome("site", "learned:site") == {10: Rule("learned:site", WEAK)}
    table.add("lonely", 3, [10])
    assert table.chrome("lonely", "learned:site") == {}


def test_two_page_site_loses_its_shared_footer_but_not_a_shared_sentence(tmp_path: Path) -> None:
    quote = "The mayor said the works would be finished before the summer season."
    pages = [[ARTICLES[0][0], quote, ARTICLES[0][2]], [ARTICLES[1][0], quote, ARTICLES[1][2]]]
    write_site(tmp_path, pages)
    outputs = clean_folder(tmp_path)
    for number, lines in enumerate(pages):
        assert outputs[f"{number:02}.txt"] == "\n".join(lines) + "\n"


def test_two_files_sharing_one_paragraph_keep_it(tmp_path: Path) -> None:
    site = tmp_path / "in" / "gazette"
    site.mkdir(parents=True)
    (site / "a.txt").write_text(ARTICLES[0][0] + "\n" + ARTICLES[0][2] + "\n", encoding="utf-8")
    (site / "b.txt").write_text(ARTICLES[0][0] + "\n" + ARTICLES[1][0] + "\n", encoding="utf-8")
    outputs = clean_folder(tmp_path)
    assert all(ARTICLES[0][0] in text for text in outputs.values())


def test_versions_of_one_article_are_not_emptied(tmp_path: Path) -> None:
    # Two or three scrapes of one article that differ by a line are distinct documents;
    # what they share is the article, not the site's chrome.
    article = [line for lines in ARTICLES for line in lines]
    site = tmp_path / "in" / "gazette"
    site.mkdir(parents=True)
    for version in range(3):
        text = "\n".join([*article, f"Updated at {version + 9} o'clock."]) + "\n"
        (site / f"{version:02}.txt").write_text(text, encoding="utf-8")
        outputs = clean_folder(tmp_path)
        for output in outputs.values():
            assert all(line in output for line in article[:3]), output
        shutil.rmtree(tmp_path / "out")


def test_unit_fingerprints_are_those_of_the_learnable_units() -> None:
    # Learnable: a key of 1 to MAX_KEY_BYTES bytes, with a letter or digit, and not on the
    # keep-list; short ones are those under min_chars characters.
    config = CleanConfig(keep_patterns=["^Keep this line$"])
    cleaner = Cleaner(config)
    lines = [
        "Home",
        "A long line of prose. " * 40,  # over MAX_KEY_BYTES
        "* * *",  # a divider
        "Keep this line",
        "Caf\u00e9 au lait, a short line of its own",
        "Share",
    ]
    data = "\n".join(lines).encode()
    learnable = [lines[0], lines[4], lines[5]]
    document, fingerprints, short = cleaner.unit_fingerprints(data)
    assert list(fingerprints) == [cleaner.fingerprint(line.encode()) for line in learnable]
    assert short == [cleaner.fingerprint(line.encode()) for line in ("Home", "Share")]
    assert document == fingerprinter(64)(data)  # of the whole document's bytes


def test_a_document_counts_once_however_often_it_holds_a_unit() -> None:
    table = ChromeTable(min_docs=2)
    table.add("site", 1, [10, 10, 20, 10])
    table.add("site", 2, array("Q", [10, 30, 30]))
    table.add("site", 3, [30])
    # 10 is in documents 1 and 2, 30 in 2 and 3, 20 in 1 only: repeats within one
    # document add nothing.
    assert set(table.chrome("site", "learned:site")) == {10, 30}
    assert list(distinct(array("Q", [5, 6, 5, 7, 6]))) == [5, 6, 7]
    assert distinct([2**100, 3, 2**100]) == [2**100, 3]  # 128-bit ones, in a list


@given(st.lists(st.sampled_from([0, 1, 7, 2**64 - 1]) | st.integers(0, 2**64 - 1), max_size=200))
def test_distinct_typed_fingerprints_equal_those_of_a_list(fingerprints: list[int]) -> None:
    typed = distinct(array("Q", fingerprints))
    assert isinstance(typed, array)
    assert list(typed) == distinct(fingerprints) == list(dict.fromkeys(fingerprints))
