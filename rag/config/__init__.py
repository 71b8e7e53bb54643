"""One settings object for the whole service, split by owner; every field reads a ``RAG_``
environment variable.

- ``encoder`` (:class:`EncoderSettings`): the model and what runs it;
- ``index`` (:class:`IndexConfig`): how a build is made; a loaded index carries the config in
  its manifest instead, never the serving environment's;
- ``query`` (:class:`QueryParams`): how a question is ranked, judged and cited; the service's
  defaults, which a caller may replace per request;
- ``service`` (:class:`ServiceSettings`): folders, HTTP, limits, admin;
- ``eval`` (:class:`EvalSettings`): evaluation folders and corpora.

A field is set by its nested name (``RAG_QUERY__BM25_WEIGHT=0``) or, since every field name
is unique across groups, by its bare name (``RAG_BM25_WEIGHT=0``, ``RAG_INDEX_DIR=/srv/index``);
the nested name wins when both are set. Nothing else in the code base hard-codes a tunable
number.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from rag.config.encoder import DEFAULT_MODEL, EncoderSettings
from rag.config.evaluation import EvalSettings
from rag.config.index import IndexConfig
from rag.config.query import QueryParams
from rag.config.service import PROJECT_ROOT, ServiceSettings
from rag.config.sources import BareNamesSource

__all__ = [
    "DEFAULT_MODEL",
    "ENV_PREFIX",
    "GROUPS",
    "PROJECT_ROOT",
    "EncoderSettings",
    "EvalSettings",
    "IndexConfig",
    "QueryParams",
    "ServiceSettings",
    "Settings",
    "get_settings",
]

ENV_PREFIX = "RAG_"
ENV_FILE = ".env"
_GROUP_OF: dict[str, str] = {}  # field name -> its group, filled once the groups are known


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=ENV_FILE,
        extra="ignore",
        frozen=True,
    )

    encoder: EncoderSettings = Field(default_factory=EncoderSettings)
    index: IndexConfig = Field(default_factory=IndexConfig)
    query: QueryParams = Field(default_factory=QueryParams)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)

    @model_validator(mode="before")
    @classmethod
    def _bare_names_into_groups(cls, data: Any) -> Any:
        """``Settings(index_dir=...)``: a bare field name given directly goes to its group
        (over what the environment gave that field)."""
        if not isinstance(data, dict):
            return data
        routed: dict[str, Any] = {}
        for name, value in data.items():
            if name in cls.model_fields:
                group = routed.setdefault(name, {})
                group.update(value if isinstance(value, dict) else dict(value))
        for name, value in data.items():
            if name not in cls.model_fields and _GROUP_OF.get(name):
                routed.setdefault(_GROUP_OF[name], {})[name] = value
        return routed

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            BareNamesSource.from_environment(settings_cls, ENV_PREFIX),
            dotenv_settings,
            BareNamesSource.from_dotenv(settings_cls, ENV_PREFIX, ENV_FILE),
            file_secret_settings,
        )

    def but(self, **changes: Any) -> Settings:
        """These settings with some fields changed, each named by its bare name and validated
        like the environment's (``settings.but(chunk_tokens=128, bm25_weight=0)``)."""
        by_group: dict[str, dict[str, Any]] = {}
        for name, value in changes.items():
            by_group.setdefault(group_of(name), {})[name] = value
        update: dict[str, BaseModel] = {}
        for group, values in by_group.items():
            current: BaseModel = getattr(self, group)
            update[group] = type(current).model_validate({**current.model_dump(), **values})
        return self.model_copy(update=update)

    def value(self, name: str) -> Any:
        """The field called ``name``, whichever group holds it."""
        return getattr(getattr(self, group_of(name)), name)


GROUPS: dict[str, type[BaseModel]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in Settings.model_fields.items()
}


_GROUP_OF.update({name: group for group, model in GROUPS.items() for name in model.model_fields})


def group_of(name: str) -> str:
    """The group that holds the field called ``name``."""
    if name not in _GROUP_OF:
        raise ValueError(f"no setting is called {name!r}")
    return _GROUP_OF[name]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
