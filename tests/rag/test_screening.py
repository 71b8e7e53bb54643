"""Binary, garbled, wordless and oversized input is skipped at reading, with its reason."""

import json
import random
from pathlib import Path

from rag.config import Settings
from rag.ingest import Skipped, read_articles
from rag.screening import MAX_UTF8_BYTES_PER_CHAR, TextScreen
from tests.conftest import ENGLISH_NEWS, KOREAN_NEWS, SEED, SHARED

PROSE = "Hospitals in Seoul report fewer flu cases this winter than last. " * 20
SCREEN = TextScreen.from_settings(Settings())


def _random_bytes(size: int, *, nul: bool) -> bytes:
    data = random.Random(7).randbytes(size)
    return data if nul else data.replace(b"\0", b"\1")


def _reasons(skipped: list[Skipped]) -> dict[str, str]:
    return {Path(s.origin.split(":")[0]).name: s.reason for s in skipped}


def test_random_bytes_are_skipped_in_every_file_type_and_prose_is_kept(tmp_path: Path) -> None:
    for name in ("noise.txt", "noise.md", "noise.html", "noise.jsonl"):
        (tmp_path / name).write_bytes(_random_bytes(200_000, nul=True))
    (tmp_path / "garbled.txt").write_bytes(_random_bytes(200_000, nul=False))
    (tmp_path / "article.txt").write_text("Flu season\n" + PROSE, encoding="utf-8")
    report = read_articles([tmp_path], SCREEN)
    assert [a.id for a in report.articles] == ["article"]
    reasons = _reasons(report.skipped)
    assert sorted(reasons) == ["garbled.txt", "noise.html", "noise.jsonl", "noise.md", "noise.txt"]
    for name in ("noise.txt", "noise.md", "noise.html", "noise.jsonl"):
        assert reasons[name].startswith("binary data (NUL bytes)")  # one reason for the file
    assert reasons["garbled.txt"].startswith("not UTF-8 text: ")


def test_json_records_are_screened_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    rows = [
        {"id": "good", "text": PROSE},
        {"id": "nul", "text": "Body\u0000with a NUL character " * 10},
        {"id": "garbled", "text": "\ufffd\u0001\u0002 " * 50 + PROSE[:100]},
        {"id": "numbers", "text": " ".join(str(n) for n in range(2000))},
        {"id": "table", "text": "Budget 2023 2024\n" + "638.7 656.9 684.4 (5.1) (2.8)\n" * 3},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = read_articles([path], SCREEN)
    assert [a.id for a in report.articles] == ["good", "table"]  # a table of figures is kept
    skipped = {s.origin: s.reason for s in report.skipped}
    assert skipped[f"{path}:2"] == "binary data (NUL characters), not text"
    assert skipped[f"{path}:3"].startswith("not UTF-8 text: ")
    assert skipped[f"{path}:4"].startswith("too few letters: 0.0%")


def test_the_letter_threshold_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "figures.txt"
    path.write_text("Results\n" + "rate 12.5 13.1 14.8\n" * 40, encoding="utf-8")  # 25% letters
    assert read_articles([path], SCREEN).articles  # a few letters are enough by default
    strict = TextScreen.from_settings(Settings(min_letter_share=0.5))
    (skipped,) = read_articles([path], strict).skipped
    assert skipped.reason.startswith("too few letters: ")
    assert skipped.reason.endswith("(min_letter_share 0.5)")


def test_an_article_over_the_size_limit_is_skipped_before_it_is_parsed(tmp_path: Path) -> None:
    screen = TextScreen.from_settings(Settings(max_article_chars=1000))
    (tmp_path / "short.txt").write_text(PROSE[:900], encoding="utf-8")
    (tmp_path / "long.html").write_text("<p>" + PROSE * 2 + "</p>", encoding="utf-8")
    # Larger than any 1,000 characters can be in UTF-8: refused on its size, never read.
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"x" * (1000 * MAX_UTF8_BYTES_PER_CHAR + 1))
    records = tmp_path / "records.jsonl"
    records.write_text(
        json.dumps({"id": "r1", "text": PROSE[:500]})
        + "\n"
        + json.dumps({"id": "r2", "text": PROSE * 2})
        + "\n",
        encoding="utf-8",
    )
    report = read_articles([tmp_path], screen)
    assert sorted(a.id for a in report.articles) == ["r1", "short"]
    skipped = {s.origin: s.reason for s in report.skipped}
    assert skipped[str(tmp_path / "long.html")].startswith(f"too long: {len(PROSE * 2) + 7:,} ")
    assert skipped[str(huge)].startswith("too large: 4,001 bytes")
    assert skipped[f"{records}:2"].startswith(f"too long: {len(PROSE * 2):,} characters")


def test_real_corpora_pass_the_default_screen() -> None:
    # The news corpora, the seed, and autorag-ko's PDF pages (one a budget table, 9% letters).
    autorag = SHARED / "evalsets" / "autorag-ko" / "corpus.jsonl"
    report = read_articles([SEED.parent, KOREAN_NEWS, ENGLISH_NEWS, autorag], SCREEN)
    assert len(report.articles) > 2900
    assert [s for s in report.skipped if s.reason != "no text"] == []
