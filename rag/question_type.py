"""What kind of answer a question asks for, read off its wording (English and Korean).

Only one kind is told apart today: a quantity or a date ("how many", "what percentage",
"when"; 몇, 얼마, 언제, 비율). Its answer is written with digits, which lets the quoted
sentence be chosen among those that share the question's terms.

A Korean question's focus, what it asks about, is its last term: Korean is head-final, so a
question ends on the thing asked for or on the predicate that asks it ("…보스턴에서 소개한
플랫폼은?", "…몇 명이 참석했나?"). The sentence that answers names it.
"""

from __future__ import annotations

import re

from rag.language import KOREAN
from rag.types import Query

_ENGLISH_QUANTITY = re.compile(
    r"\b(?:how\s+(?:many|much|long|often|old|far|large|big|high|low|fast)"
    r"|what\s+(?:percent(?:age)?|proportion|share|rate|year|age|number|amount|dose|price)"
    r"|when|which\s+year)\b",
    re.IGNORECASE,
)
_KOREAN_QUANTITY = re.compile(r"몇|얼마|언제|비율|퍼센트|확률")


def asks_for_number(question: str) -> bool:
    """Whether the question asks for a quantity, a share or a date."""
    return bool(_ENGLISH_QUANTITY.search(question) or _KOREAN_QUANTITY.search(question))


def question_focus(query: Query) -> set[str]:
    """The terms of what a Korean question asks about: its last term with its translations
    (empty for other languages, whose questions put their focus anywhere)."""
    if query.lang != KOREAN or not query.terms:
        return set()
    last = query.terms[-1]
    return next((set(c) for c in query.concepts if last in c), {last})
