"""Bare ``RAG_<FIELD>`` names for the nested settings: every field name is unique across the
groups, so ``RAG_INDEX_DIR`` can only mean ``service.index_dir`` and needs no group prefix."""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

# Values of these shapes are written as JSON in the environment, like pydantic-settings' own.
_JSON_SHAPES = (list, tuple, dict, set)


def _is_json(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in _JSON_SHAPES or annotation in _JSON_SHAPES:
        return True
    # X | None: JSON when X is
    return any(_is_json(arg) for arg in typing.get_args(annotation) if arg is not type(None))


class BareNamesSource(PydanticBaseSettingsSource):
    def __init__(
        self, settings_cls: type[BaseSettings], prefix: str, values: Mapping[str, str | None]
    ) -> None:
        super().__init__(settings_cls)
        self.prefix = prefix.upper()
        self.values = {key.upper(): value for key, value in values.items() if value is not None}

    @classmethod
    def from_environment(cls, settings_cls: type[BaseSettings], prefix: str) -> BareNamesSource:
        return cls(settings_cls, prefix, dict(os.environ))

    @classmethod
    def from_dotenv(
        cls, settings_cls: type[BaseSettings], prefix: str, path: str
    ) -> BareNamesSource:
        file = Path(path)
        return cls(settings_cls, prefix, dotenv_values(file) if file.is_file() else {})

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # whole groups are read in __call__

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for group, group_field in self.settings_cls.model_fields.items():
            model = group_field.annotation
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            values: dict[str, Any] = {}
            for name, field in model.model_fields.items():
                raw = self.values.get(f"{self.prefix}{name.upper()}")
                if raw is None:
                    continue
                if _is_json(field.annotation):
                    try:
                        values[name] = json.loads(raw)
                    except json.JSONDecodeError as exc:
                        raise ValueError(
                            f"{self.prefix}{name.upper()} must be JSON ({exc.msg}): {raw!r}"
                        ) from exc
                else:
                    values[name] = raw
            if values:
                found[group] = values
        return found
