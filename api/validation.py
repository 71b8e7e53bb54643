"""The question's length and ``top_k`` limits from the settings, at the HTTP boundary.

The request models are static, the limits are settings (``max_question_chars``, ``max_top_k``):
a route checks them with :func:`check_limits`, which names the field as a model's own validation
would, and :func:`document_limits` writes them into the served OpenAPI schema, so that what the
schema allows is what the service accepts.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from rag.config import Settings

# (where, request-model or operation, field) of each question and top_k the schema carries.
_QUESTIONS = (("body", "AskRequest", "question"), ("query", "/search", "q"))
_TOP_KS = (("body", "AskRequest", "top_k"), ("query", "/search", "top_k"))


def check_limits(
    settings: Settings, where: str, question_field: str, question: str, top_k: int | None
) -> None:
    """Raise a 422 naming ``where.<field>`` for a question longer than ``max_question_chars``
    or a ``top_k`` above ``max_top_k``."""
    problems: list[dict[str, Any]] = []
    if len(question) > settings.service.max_question_chars:
        problems.append(
            {
                "type": "string_too_long",
                "loc": (where, question_field),
                "msg": (
                    f"String should have at most {settings.service.max_question_chars} characters"
                ),
            }
        )
    if top_k is not None and top_k > settings.service.max_top_k:
        problems.append(
            {
                "type": "less_than_equal",
                "loc": (where, "top_k"),
                "msg": f"Input should be less than or equal to {settings.service.max_top_k}",
            }
        )
    if problems:
        raise RequestValidationError(problems)


def _integer_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """The integer schema of an ``int | None`` field."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "integer":
            found: dict[str, Any] = branch
            return found
    raise LookupError(f"no integer schema in {schema}")


def _field_schema(openapi: dict[str, Any], where: str, owner: str, field: str) -> dict[str, Any]:
    if where == "body":
        properties: dict[str, Any] = openapi["components"]["schemas"][owner]["properties"]
        field_schema: dict[str, Any] = properties[field]
        return field_schema
    for parameter in openapi["paths"][owner]["get"]["parameters"]:
        if parameter["name"] == field:
            schema: dict[str, Any] = parameter["schema"]
            return schema
    raise LookupError(f"no parameter {field} in {owner}")


def document_limits(app: FastAPI, settings: Settings) -> None:
    """Write the settings' limits into ``app``'s OpenAPI schema when it is first built."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for where, owner, field in _QUESTIONS:
                question = _field_schema(schema, where, owner, field)
                question["maxLength"] = settings.service.max_question_chars
            for where, owner, field in _TOP_KS:
                branch = _integer_branch(_field_schema(schema, where, owner, field))
                branch["maximum"] = settings.service.max_top_k
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
