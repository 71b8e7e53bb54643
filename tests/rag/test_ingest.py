import csv
import json
from pathlib import Path
from typing import Any

import pytest

from rag.errors import InputError
from rag.ingest import parse_date, read_articles


def test_jsonl_bad_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    rows = [
        json.dumps(
            {
                "id": "a1",
                "title": "T",
                "text": "Body one.",
                "published": "2024-03-01",
                "lang": "en",
                "source": "x.org",
                "url": "http://x",
                "authors": ["K"],
            }
        ),
        "{not json",
        json.dumps({"id": "a2", "title": "no text"}),
        "",
        json.dumps({"_id": "a3", "text": "Body three.", "published": "2024-03-01T10:00:00"}),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = read_articles([path])
    assert [a.id for a in report.articles] == ["a1", "a3"]
    assert [(s.origin, s.reason.split(":")[0]) for s in report.skipped] == [
        (f"{path}:2", "invalid JSON"),
        (f"{path}:3", "no text"),
    ]
    first = report.articles[0]
    assert first.metadata == {"authors": ["K"]}
    assert (first.published, first.lang, first.source) == ("2024-03-01", "en", "x.org")
    assert report.articles[1].published == "2024-03-01"


def test_folders_of_text_markdown_and_html(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("첫 줄 제목\n본문이다.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading\n\nSome **bold** [link](http://x).", encoding="utf-8")
    (tmp_path / "c.html").write_text("<title>Page</title><p>Para.</p>", encoding="utf-8")
    (tmp_path / "README.md").write_text("# About this folder", encoding="utf-8")
    (tmp_path / "notes.xlsx").write_text("ignored", encoding="utf-8")
    report = read_articles([tmp_path])
    by_id = {a.id: a for a in report.articles}
    assert sorted(by_id) == ["a", "b", "c"]
    assert by_id["a"].title == "첫 줄 제목"
    assert by_id["b"].title == "Heading"
    assert "Some bold link." in by_id["b"].text
    assert by_id["c"].title == "Page"
    assert by_id["c"].text.strip() == "Para."


def test_missing_or_unsupported_paths_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_articles([tmp_path / "missing"])
    odd = tmp_path / "data.xlsx"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported file type"):
        read_articles([odd])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-31", "2024-01-31"),
        ("2024-01-31T23:00:00Z", "2024-01-31"),
        ("None", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "document",
    [
        lambda rows: rows,  # an array of articles
        lambda rows: {"status": "ok", "articles": rows},  # an object holding one array
    ],
)
def test_json_documents_of_articles(tmp_path: Path, document: Any) -> None:
    rows = [
        {
            "id": "j1",
            "headline": "Heading",
            "body": "Body one.",
            "pubDate": "2024-05-02",
            "link": "http://x/1",
            "publisher": "x.org",
            "language": "en",
            "section": "health",
        },
        {"id": "j2", "title": "no text"},
        "not an object",
        {"text": "Body three."},
    ]
    path = tmp_path / "news.json"
    path.write_text(json.dumps(document(rows)), encoding="utf-8")
    report = read_articles([path])
    assert [a.id for a in report.articles] == ["j1", "news-4"]
    first = report.articles[0]
    assert (first.title, first.text, first.published) == ("Heading", "Body one.", "2024-05-02")
    assert (first.url, first.source, first.lang) == ("http://x/1", "x.org", "en")
    assert first.metadata == {"section": "health"}
    assert [(s.origin, s.reason) for s in report.skipped] == [
        (f"{path}[2]", "no text"),
        (f"{path}[3]", "not a JSON object"),
    ]


def test_a_json_article_and_json_that_holds_none(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"title": "T", "text": "Only article."}), encoding="utf-8")
    other = tmp_path / "config.json"
    other.write_text(json.dumps({"a": 1, "b": {"c": 2}}), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"text": "x"},\n oops', encoding="utf-8")
    report = read_articles([one, other, broken])
    assert [a.text for a in report.articles] == ["Only article."]
    reasons = {s.origin: s.reason for s in report.skipped}
    assert reasons[str(other)].startswith("no articles: expected an array of article objects")
    assert reasons[f"{broken}:2"].startswith("invalid JSON")


def test_csv_and_tsv_rows_are_articles(tmp_path: Path) -> None:
    long_text = "A long article. " * 20_000  # past the csv module's default field limit
    path = tmp_path / "news.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "text", "date", "tags"])
        writer.writerow(["c1", "First", "Line one,\nline two.", "2024-01-02", "a;b"])
        writer.writerow(["c2", "Empty", "", "", ""])
        writer.writerow(["c3", "Long", long_text, "", ""])
    tabbed = tmp_path / "more.tsv"
    tabbed.write_text("title\tcontent\n기사\t본문입니다.\n", encoding="utf-8")
    report = read_articles([path, tabbed])
    assert [a.id for a in report.articles] == ["c1", "c3", "more-2"]
    first = report.articles[0]
    assert (first.title, first.text, first.published) == (
        "First",
        "Line one,\nline two.",
        "2024-01-02",
    )
    assert first.metadata == {"tags": "a;b"}
    assert report.articles[1].text == long_text
    assert report.articles[2].title == "기사" and report.articles[2].text == "본문입니다."
    assert [(s.origin, s.reason) for s in report.skipped] == [(f"{path}:4", "no text")]
