from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from index.reindex import settings_env
from rag.config import GROUPS, IndexConfig, QueryParams, Settings, group_of


def test_every_field_name_is_unique_across_the_groups() -> None:
    # What makes a bare RAG_<FIELD> name unambiguous.
    names = [name for model in GROUPS.values() for name in model.model_fields]
    assert len(names) == len(set(names))
    assert group_of("index_dir") == "service" and group_of("chunk_tokens") == "index"
    with pytest.raises(ValueError, match="no setting is called 'chunk_size'"):
        group_of("chunk_size")


def test_a_field_is_set_by_its_bare_or_its_nested_name_and_the_nested_one_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAG_INDEX_DIR", "/srv/index")
    monkeypatch.setenv("RAG_BM25_WEIGHT", "0.5")
    monkeypatch.setenv("RAG_QUERY__TOP_K", "7")
    monkeypatch.setenv("RAG_ADMIN_ALLOWED_ROOTS", '["/data/news"]')
    settings = Settings()
    assert settings.service.index_dir == Path("/srv/index")
    assert settings.query.bm25_weight == 0.5 and settings.query.top_k == 7
    assert settings.service.admin_allowed_roots == (Path("/data/news"),)
    monkeypatch.setenv("RAG_QUERY__BM25_WEIGHT", "0.25")
    assert Settings().query.bm25_weight == 0.25


def test_a_bad_value_in_the_environment_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAG_TOP_K", "0")
    with pytest.raises(ValidationError, match="top_k"):
        Settings()
    monkeypatch.delenv("RAG_TOP_K")
    monkeypatch.setenv("RAG_ADMIN_ALLOWED_ROOTS", "/data/news")
    with pytest.raises(ValueError, match="RAG_ADMIN_ALLOWED_ROOTS must be JSON"):
        Settings()


def test_groups_are_frozen_and_changed_copies_are_validated() -> None:
    settings = Settings(index_dir="/tmp/x", chunk_tokens=128)  # bare names go to their groups
    assert settings.service.index_dir == Path("/tmp/x") and settings.index.chunk_tokens == 128
    with pytest.raises(ValidationError):
        settings.index.chunk_tokens = 64  # type: ignore[misc]
    changed = settings.but(bm25_weight=0.0, chunk_tokens=64)
    assert changed.query.bm25_weight == 0.0 and changed.index.chunk_tokens == 64
    assert settings.query.bm25_weight == 1.0  # the original is untouched
    with pytest.raises(ValidationError):
        settings.but(top_k=0)
    params = QueryParams()
    assert params.but(top_k=3).top_k == 3 and params.top_k == 5
    assert IndexConfig.model_validate(IndexConfig().model_dump(mode="json")) == IndexConfig()


def test_a_reindex_child_gets_exactly_the_parents_settings_but_the_admin_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = Settings(
        index_dir="/srv/index", bm25_weight=0.5, admin_api_key=SecretStr("k"), chunk_tokens=256
    )
    env = settings_env(parent)
    assert "RAG_SERVICE__ADMIN_API_KEY" not in env
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "64")  # inherited by the child: the nested name wins
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    child = Settings()
    assert child.but(admin_api_key=SecretStr("k")) == parent
