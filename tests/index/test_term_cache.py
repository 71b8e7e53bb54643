"""Stored terms: a text met again is not analysed again and gets the very terms analysis
gives; a change to how texts are analysed analyses them anew; a rebuild from stored terms
writes the same index."""

from pathlib import Path

import pytest

from index import term_cache
from index.builder import build_index
from index.term_cache import TERM_CACHE_FILE, TermCache
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.lexical.analyzer import LexicalAnalyzer
from tests.conftest import SEED
from tests.index.test_chunk_cache import _news

ENGLISH_STORY = (
    "A new clinic\n\nA hospital in Daejeon opened a clinic for rare blood diseases. "
    "It sees children first, and adults from next year.\n"
)


def _texts() -> list[str]:
    articles = _news(3)
    texts = [a.text for a in articles] + [a.title for a in articles if a.title]
    return texts + texts[:2]  # a text met twice in one batch


def test_stored_terms_and_words_are_what_the_analyzer_gives(
    analyzer: LexicalAnalyzer, tmp_path: Path
) -> None:
    texts = _texts()
    first = TermCache(tmp_path / TERM_CACHE_FILE, analyzer)
    assert first.terms_batch(texts) == analyzer.terms_batch(texts)
    assert first.content_words_batch(texts, "ko") == analyzer.content_words_batch(texts, "ko")
    assert first.analysed == 2 * len(set(texts))  # each distinct text once, per kind
    first.close()

    again = TermCache(tmp_path / TERM_CACHE_FILE, analyzer)
    assert again.terms_batch(texts) == analyzer.terms_batch(texts)
    assert again.content_words_batch(texts, "ko") == analyzer.content_words_batch(texts, "ko")
    assert again.content_words_batch(texts, "en") == analyzer.content_words_batch(texts, "en")
    assert again.analysed == len(set(texts))  # only the kind not asked for before
    again.close()


def test_another_analysis_analyses_every_text_again(
    analyzer: LexicalAnalyzer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _texts()
    TermCache(tmp_path / TERM_CACHE_FILE, analyzer).terms_batch(texts)
    monkeypatch.setattr(term_cache, "analysis_fingerprint", lambda: b"another analyzer")
    changed = TermCache(tmp_path / TERM_CACHE_FILE, analyzer)
    changed.terms_batch(texts)
    assert changed.analysed == len(set(texts))


def _files(build: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(build)): path.read_bytes()
        for path in sorted(build.rglob("*"))
        if path.is_file() and path.name != "manifest.json"  # its build id and time differ
    }


def test_a_rebuild_analyses_nothing_and_writes_the_same_index(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_text(SEED.read_text("utf-8"), "utf-8")
    (corpus / "clinic.txt").write_text(ENGLISH_STORY, "utf-8")
    target = settings.but(cache_dir=tmp_path / "cache")  # empty: the first build analyses
    first = build_index([corpus], target.but(index_dir=tmp_path / "a"), encoder, progress=False)
    again = build_index([corpus], target.but(index_dir=tmp_path / "b"), encoder, progress=False)
    assert first.analysed and again.analysed == 0
    assert _files(again.folder) == _files(first.folder)
    assert again.manifest.counts == {**first.manifest.counts, "encoded": 0}
