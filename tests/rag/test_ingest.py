import json
from pathlib import Path

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
    (tmp_path / "notes.csv").write_text("ignored", encoding="utf-8")
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
    odd = tmp_path / "data.csv"
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
