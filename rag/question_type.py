"""What kind of answer a question asks for, read off its wording (English and Korean).

A quantity or a date ("how many", "what percentage", "when"; 몇, 얼마, 언제, 비율): its answer
is written with digits, which lets the quoted sentence be chosen among those that share the
question's terms. Six kinds of quantity are told apart further, each by the words a
sentence states it with: a share (a percentage), an amount of money, a date, a change (a
share or a multiple), a measure (a figure with a unit) and a count (a number of things, not a
year or a day). The digits alone do not tell them
apart: a sentence that gives a study's size and length has digits too, the one after it gives
the share asked for ("twenty-seven percent", with none).

A Korean question's focus, what it asks about, is its last term: Korean is head-final, so a
question ends on the thing asked for or on the predicate that asks it ("…보스턴에서 소개한
플랫폼은?", "…몇 명이 참석했나?"). The sentence that answers names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.language import KOREAN
from rag.types import Query

_ENGLISH_QUANTITY = re.compile(
    r"\b(?:how\s+(?:many|much|long|often|old|far|large|big|high|low|fast)"
    r"|what\s+(?:percent(?:age)?|proportion|share|rate|year|age|number|amount|dose|price)"
    r"|when|which\s+year)\b",
    re.IGNORECASE,
)
_KOREAN_QUANTITY = re.compile(r"몇|얼마|언제|비율|퍼센트|확률")


@dataclass(frozen=True)
class AnswerKind:
    """A kind of quantity: the wording of questions that ask for it, and of sentences that
    state it."""

    name: str
    asked: re.Pattern[str]
    stated: re.Pattern[str]


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
ANSWER_KINDS = (
    AnswerKind(
        "share",
        re.compile(
            r"\b(?:percent(?:age)?|proportion|share|fraction|rate|accura(?:te|tely|cy)|"
            r"efficien(?:t|cy))\b|%|비율|퍼센트|확률|정확도|효율|성공률|정답률",
            re.IGNORECASE,
        ),
        re.compile(r"%|\bper\s?cent\b|퍼센트", re.IGNORECASE),
    ),
    AnswerKind(
        "money",
        re.compile(
            r"\b(?:cost|costs|price[ds]?|pricey|pay|fees?|money)\b|가격|비용|값|금액|요금",
            re.IGNORECASE,
        ),
        re.compile(
            r"[$€£₩]|\b(?:dollars?|euros?|pounds|won)\b|달러|유로|파운드|\d\s*(?:만|억|조)?\s*원",
            re.IGNORECASE,
        ),
    ),
    AnswerKind(
        "date",
        re.compile(
            r"\bwhen\b|\b(?:what|which)\s+(?:year|date|month)\b|언제|몇\s*년도?에", re.IGNORECASE
        ),
        re.compile(
            rf"\b(?:1[89]|20)\d\d\b|\b{_MONTH}\s+\d|\d\s*월|지난해|올해|내년|작년|지난달|다음 달",
            re.IGNORECASE,
        ),
    ),
    # How much something rose or fell: news states a change as a share or a multiple.
    AnswerKind(
        "change",
        re.compile(
            r"\bhow\s+much\s+(?:more|less|higher|lower|bigger|smaller|better|worse|further)\b"
            r"|\bhow\s+much\s+did\b.*\b(?:fall|drop|rise|grow|increase|decrease|decline|"
            r"improve|reduce|shrink|cut|lower|raise)"
            r"|얼마나\s*(?:더\s*)?(?:높|낮|줄|늘|떨어|올|내려|감소|증가|커|작아|많|적|개선)",
            re.IGNORECASE,
        ),
        re.compile(
            r"%|\bper\s?cent\b|퍼센트|\b(?:times|fold|twice|half|doubled?|tripled?)\b"
            r"|\d\s*배|절반|두 배|세 배",
            re.IGNORECASE,
        ),
    ),
    # A weight, a length, a distance, a size, an amount of data or power: a figure with a unit.
    AnswerKind(
        "measure",
        re.compile(
            r"\b(?:weigh(?:s|ed|t)?|heav(?:y|ier)|length|distance|how\s+far|height|how\s+tall"
            r"|size|volume|capacity|power\s+output|wattage|how\s+much\s+data|how\s+(?:big|large"
            r"|wide|deep|thick))\b|무게|길이|거리|크기|높이|용량|출력|분량|부피|두께|넓이|면적",
            re.IGNORECASE,
        ),
        re.compile(
            r"\d\s*-?\s*(?:(?:mg|g|kg|lbs?|pounds?|ounces?|oz|km|m|cm|mm|nm|miles?|feet|foot|ft"
            r"|inch(?:es)?|yards?|gb|mb|tb|kb|w|kw|mw|gw|watts?|liters?|litres?|ml|tons?|tonnes?)\b"
            r"|[㎏㎞㎎㎜㎝㎚㎖ℓ]|킬로그램|그램|미터|킬로미터|센티미터|밀리미터|나노미터|인치|피트|마일"
            r"|기가바이트|테라바이트|메가바이트|와트|킬로와트|톤|리터)",
            re.IGNORECASE,
        ),
    ),
    # How many: a number counting things, not a year or a day (Korean counts with counters).
    AnswerKind(
        "count",
        re.compile(
            r"\bhow\s+many\b|몇\s*(?:명|건|개|곳|마리|종|편|회|차례|가지|대|권|그루|척)",
            re.IGNORECASE,
        ),
        re.compile(
            r"\d\s*(?:명|건|개|곳|마리|종|편|회|차례|가지|대|권|그루|척)"
            r"|\b(?!(?:1[89]|20)\d\d\b)\d[\d,]*\s+(?!percent|per\s?cent)[a-z]"
            r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?"
            r"|hundreds?|thousands?)\s+(?!percent|per\s?cent)[a-z]",
            re.IGNORECASE,
        ),
    ),
)


def asks_for_number(question: str) -> bool:
    """Whether the question asks for a quantity, a share or a date."""
    return bool(_ENGLISH_QUANTITY.search(question) or _KOREAN_QUANTITY.search(question))


def asked_kind(question: str) -> AnswerKind | None:
    """The kind of quantity a question asks for, when it names one (the first that matches)."""
    return next((kind for kind in ANSWER_KINDS if kind.asked.search(question)), None)


def question_focus(query: Query) -> set[str]:
    """The terms of what a Korean question asks about: its last term with its translations
    (empty for other languages, whose questions put their focus anywhere)."""
    if query.lang != KOREAN or not query.terms:
        return set()
    last = query.terms[-1]
    return next((set(c) for c in query.concepts if last in c), {last})
