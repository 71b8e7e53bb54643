import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.builder import BuildResult, build_index
from index.files import ARTICLES_FILE, CHUNKS_FILE, SKIPPED_FILE, read_jsonl
from index.loader import load_build, load_current
from index.manifest import FORMAT_VERSION, MANIFEST_FILE, Manifest
from index.store import IndexStore
from rag.config import Settings
from rag.embedding.encoder import Encoder
from rag.engine import SearchEngine
from rag.errors import IncompatibleIndexError, IndexStoreError, InputError
from rag.parts import PARTS, read_params
from rag.parts.titles import TITLES_FILE
from rag.sentences import split_sentences
from tests.conftest import KOREAN_SLICE, SEED, SESSION_ARTICLES


def test_manifest_records_model_index_config_and_counts(
    built: BuildResult, encoder: Encoder
) -> None:
    manifest = Manifest.read(built.folder)
    assert manifest.format_version == FORMAT_VERSION
    assert manifest.model == "multilingual-e5-small" and manifest.dimension == 384
    assert manifest.model_fingerprint == encoder.fingerprint
    assert manifest.config["chunk_tokens"] == 320 and len(manifest.corpus_fingerprint) == 16
    chunks = list(read_jsonl(built.folder / CHUNKS_FILE))
    articles = list(read_jsonl(built.folder / ARTICLES_FILE))
    assert manifest.counts["chunks"] == len(chunks) and manifest.counts["articles"] == len(articles)
    assert manifest.counts["articles"] == SESSION_ARTICLES
    titles = {a["title"].strip() for a in articles if a["title"].strip()}
    assert manifest.counts["titles"] == len(titles) > KOREAN_SLICE  # titles of both corpora
    with np.load(built.folder / "titles" / TITLES_FILE) as stored:
        assert stored["chunk_titles"].shape == (len(chunks),)


def test_every_part_saves_its_build_parameters_beside_its_files(built: BuildResult) -> None:
    manifest = Manifest.read(built.folder)
    assert set(manifest.parts) == {part.name for part in PARTS}
    for part in PARTS:
        assert read_params(built.folder / part.name) == manifest.parts[part.name]
    assert manifest.parts["dense"]["language_centering"] == 0.5
    assert manifest.parts["bm25"] == {"bm25_k1": 1.2, "bm25_b": 0.75}


def test_queries_are_centred_as_the_build_was_whatever_the_serving_settings_say(
    built: BuildResult, settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, as_built = load_build(built.folder, settings, encoder)
    assert as_built.settings.index == settings.index
    assert Manifest.read(built.folder).index_config() == settings.index
    # The serving environment asks for another index config, by either name of a field.
    monkeypatch.setenv("RAG_INDEX__LANGUAGE_CENTERING", "0.0")
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "64")
    serving = Settings().but(index_dir=settings.service.index_dir)
    assert (serving.index.language_centering, serving.index.chunk_tokens) == (0.0, 64)
    _, served = load_build(built.folder, serving, encoder)
    assert served.settings.index == settings.index  # the build's config, not the environment's
    assert served.ranker.dense.centering == 0.5
    question = "서울대병원이 보스턴에서 소개한 플랫폼은?"
    first, second = as_built.make_query(question), served.make_query(question)
    assert first.vector is not None and second.vector is not None
    assert np.array_equal(first.vector, second.vector)


def test_seed_sentences_are_indexed_once_and_headlines_never(built: BuildResult) -> None:
    chunks = [c for c in read_jsonl(built.folder / CHUNKS_FILE) if c["article_id"] == SEED.stem]
    article = next(a for a in read_jsonl(built.folder / ARTICLES_FILE) if a["id"] == SEED.stem)
    for sentence in split_sentences(article["text"]):
        assert article["text"].count(sentence) == 1
    joined = " ".join(c["text"] for c in chunks)
    assert "인기기사" not in joined and "에이프로젠바이오로직스" not in joined
    for chunk in chunks:
        assert article["text"][chunk["start"] : chunk["end"]] == chunk["text"]


def test_sentences_analysed_at_build_quote_as_analysing_on_request_would(
    built: BuildResult, engine: SearchEngine
) -> None:
    assert Manifest.read(built.folder).counts["sentences"] > len(engine.corpus.articles)
    highlighter = engine.highlighter
    assert highlighter.table is not None
    questions = ["서울대병원이 보스턴에서 소개한 플랫폼은?", "What did the study of patients find?"]
    for question in questions:
        query = engine.make_query(question)
        passages = engine.passages(engine.rank(query).hits, 5)
        engine.highlight(passages, query)
        from_table = [[(h.start, h.end) for h in p.highlights] for p in passages]
        table, highlighter.table = highlighter.table, None
        try:
            engine.highlight(passages, query)
        finally:
            highlighter.table = table
        assert from_table == [[(h.start, h.end) for h in p.highlights] for p in passages]


def test_unchanged_rebuild_reuses_every_embedding(
    settings: Settings,
    encoder: Encoder,
    corpus_paths: list[Path],
    built: BuildResult,
    tmp_path: Path,
) -> None:
    other = settings.but(index_dir=tmp_path / "again")
    again = build_index(corpus_paths, other, encoder, progress=False)
    assert again.encoded == 0
    assert again.manifest.corpus_fingerprint == built.manifest.corpus_fingerprint


def test_bad_records_are_skipped_and_reported(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    source = tmp_path / "mixed.jsonl"
    good = {"id": "ok", "title": "Fine", "text": "A real article about vaccines.", "lang": "en"}
    source.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({"id": "x"}) + "\n")
    target = settings.but(index_dir=tmp_path / "mixed-index")
    result = build_index([source], target, encoder, progress=False)
    assert result.manifest.counts["articles"] == 1 and result.manifest.counts["skipped"] == 2
    reported = [row["origin"] for row in read_jsonl(result.folder / SKIPPED_FILE)]
    assert reported == [f"{source}:2", f"{source}:3"]


def test_a_failed_build_leaves_the_previous_build_serving(
    settings: Settings, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = settings.but(index_dir=tmp_path / "crash")
    build_index([SEED], target, encoder, progress=False)
    store = IndexStore(target.service.index_dir)
    before = store.current()

    def explode(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("rag.parts.dense.faiss.write_index", explode)
    with pytest.raises(OSError, match="disk full"):
        build_index([SEED], target, encoder, progress=False)
    assert store.current() == before
    assert [p.name for p in store.builds.iterdir()] == [before.name]  # staging removed
    load_current(target, encoder)  # still loads


def test_index_from_another_model_or_format_is_refused(
    built: BuildResult, settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    manifest = json.loads((built.folder / MANIFEST_FILE).read_text())
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / MANIFEST_FILE).write_text(
        json.dumps({**manifest, "model_fingerprint": "x" * 16, "model": "other-model"})
    )
    with pytest.raises(IncompatibleIndexError, match="other-model"):
        load_build(foreign, settings, encoder)
    (foreign / MANIFEST_FILE).write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(IncompatibleIndexError, match="format version 99"):
        load_build(foreign, settings, encoder)


def test_empty_input_and_missing_index_are_clear_errors(
    settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    target = settings.but(index_dir=tmp_path / "none")
    with pytest.raises(InputError, match="no articles found"):
        build_index([empty], target, encoder, progress=False)
    with pytest.raises(IndexStoreError, match="no index at"):
        load_current(target, encoder)


def test_a_build_missing_a_part_or_its_parameters_is_refused_as_damaged(
    built: BuildResult, settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    for part in PARTS:
        copy = tmp_path / part.name
        shutil.copytree(built.folder, copy)
        shutil.rmtree(copy / part.name)
        with pytest.raises(IndexStoreError, match="damaged"):
            load_build(copy, settings, encoder)
    no_params = tmp_path / "no-params"
    shutil.copytree(built.folder, no_params)
    (no_params / "bm25" / "params.json").unlink()
    with pytest.raises(IndexStoreError, match="damaged"):
        load_build(no_params, settings, encoder)


def test_a_part_with_another_row_count_than_the_corpus_is_refused(
    built: BuildResult, settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    copy = tmp_path / "short"
    shutil.copytree(built.folder, copy)
    titles = copy / "titles" / TITLES_FILE
    with np.load(titles) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["chunk_titles"] = arrays["chunk_titles"][:-1]
    np.savez(titles, **arrays)
    with pytest.raises(IndexStoreError, match="titles has"):
        load_build(copy, settings, encoder)
