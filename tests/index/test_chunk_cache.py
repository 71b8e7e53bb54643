"""Stored chunk boundaries: an article met again unchanged is not cut again, and gets the
very chunks cutting gives; a change to the article or to how chunks are cut is cut anew."""

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from index.builder import build_index
from index.cache import CACHE_FILE
from index.chunk_cache import CHUNK_CACHE_FILE, ChunkCache
from index.files import CHUNKS_FILE
from index.prepare import prepare_files
from index.store import IndexStore
from index.term_cache import TERM_CACHE_FILE
from rag.chunking import Chunker
from rag.config import Settings
from rag.documents import Article
from rag.embedding.encoder import Encoder
from rag.errors import IndexStoreError
from rag.pipeline import make_chunker
from tests.conftest import ENGLISH_NEWS, SEED
from tests.index.test_prepare import _articles


def _chunker(settings: Settings, encoder: Encoder) -> Chunker:
    return make_chunker(
        settings,
        encoder.count_tokens,
        max_tokens=encoder.max_tokens,
        overhead_tokens=encoder.overhead_tokens(),
    )


@pytest.fixture
def cuts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the articles the chunker cuts (records every call of ``Chunker.split``)."""
    calls: list[str] = []
    original = Chunker.split

    def split(self: Chunker, article_id: str, text: str, lang: str | None = None) -> Any:
        calls.append(article_id)
        return original(self, article_id, text, lang)

    monkeypatch.setattr(Chunker, "split", split)
    return calls


def _news(count: int) -> list[Article]:
    """The seed (Korean) and the first ``count`` English news articles with text."""
    rows = [json.loads(line) for line in ENGLISH_NEWS.open(encoding="utf-8")]
    news = [
        Article(id=r["id"], title=r.get("title", ""), text=r["text"]) for r in rows if r.get("text")
    ][:count]
    return [Article(id="seed", title="", text=SEED.read_text("utf-8")), *news]


def test_unchanged_articles_get_the_chunks_cutting_gives_without_cutting(
    settings: Settings, encoder: Encoder, tmp_path: Path, cuts: list[str]
) -> None:
    chunker = _chunker(settings, encoder)
    articles = _news(6)
    expected = [chunker.split(a.id, a.text) for a in articles]
    cuts.clear()

    first = ChunkCache(tmp_path / CHUNK_CACHE_FILE, chunker, encoder)
    assert [first.split(a) for a in articles] == expected
    first.close()
    assert cuts == [a.id for a in articles] and first.cut == len(articles)

    cuts.clear()
    again = ChunkCache(tmp_path / CHUNK_CACHE_FILE, chunker, encoder)
    assert [again.split(a) for a in articles] == expected  # ids, offsets, text, language
    assert cuts == [] and again.cut == 0

    # A corrected article, a retitled one: cut again; the others are not.
    corrected = replace(articles[1], text=articles[1].text + " A correction.")
    retitled = replace(articles[2], title="Another title")
    again.split(corrected)
    again.split(retitled)
    again.split(articles[3])
    again.close()
    assert cuts == [corrected.id, retitled.id]


def test_another_chunk_size_cuts_every_article_again(
    settings: Settings, encoder: Encoder, tmp_path: Path, cuts: list[str]
) -> None:
    articles = _news(3)
    for chunk_tokens in (settings.index.chunk_tokens, 128):
        cache = ChunkCache(
            tmp_path / CHUNK_CACHE_FILE,
            _chunker(settings.but(chunk_tokens=chunk_tokens), encoder),
            encoder,
        )
        for article in articles:
            cache.split(article)
        cache.close()
    assert cuts == [a.id for a in articles] * 2


def test_a_second_preparation_cuts_nothing_and_writes_the_same_chunks(
    settings: Settings, encoder: Encoder, tmp_path: Path, cuts: list[str]
) -> None:
    settings = settings.but(cache_dir=tmp_path / "cache", drop_duplicates=False)
    articles = _articles(20, 7)
    written = []
    for run in ("first", "second"):
        root = tmp_path / run
        root.mkdir()
        prepared = prepare_files(iter(articles), settings, encoder, root, progress=False)
        prepared.close()
        written.append((root / CHUNKS_FILE).read_bytes())
    assert written[0] == written[1]
    assert cuts == [a.id for a in articles]  # the first preparation's, none in the second


@pytest.mark.parametrize("damaged", [CHUNK_CACHE_FILE, CACHE_FILE, TERM_CACHE_FILE])
def test_a_damaged_cache_file_stops_the_build_with_a_clear_error_and_publishes_nothing(
    damaged: str, settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / damaged).write_text("not a database, " * 8, "utf-8")
    target = settings.but(index_dir=tmp_path / "index", cache_dir=cache_dir)
    with pytest.raises(IndexStoreError, match=rf"{damaged} cannot be read .* remove it"):
        build_index([SEED], target, encoder, progress=False)
    assert IndexStore(target.service.index_dir).current() is None
