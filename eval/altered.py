"""Near-miss questions made from answerable ones, for fitting abstention.

A near-miss question is about a subject the corpus covers but asks for a detail it does not
hold: the same question about another year, place, person or product. Removing a question's
gold documents (``--gold-removed``) makes an unanswerable question whose subject has left the
corpus; a near-miss keeps the subject and changes the detail. Both are needed: a service that
only learns the first answers "insulin prices in Germany" with the story on US prices.

A question is altered by swapping one of its details for one that none of its gold documents
holds: a year for another year, or a name (``LexicalAnalyzer.names``) for a name of the same
language taken from another question of the set, so that it is a name the corpus may well
hold elsewhere. Questions with neither are left out.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from eval.datasets import EvalQuestion
from rag.abstention import YEAR
from rag.lexical.analyzer import LexicalAnalyzer

ALTER_SEED = 11
# A swapped year lies this many years away at most, like a question about another season.
YEAR_SHIFT = 12


def _shifted_year(year: str, held: str, rng: random.Random) -> str | None:
    choices = [
        str(int(year) + shift)
        for shift in range(-YEAR_SHIFT, YEAR_SHIFT + 1)
        if shift and str(int(year) + shift) not in held
    ]
    return rng.choice(choices) if choices else None


def alter(
    question: EvalQuestion,
    gold_text: str,
    names: Sequence[str],
    other_names: Sequence[str],
    rng: random.Random,
) -> str | None:
    """``question`` with one detail swapped for one ``gold_text`` lacks (None: no detail).

    ``names``: the question's names; ``other_names``: names of the set's other questions in
    the question's language, to swap in."""
    held = gold_text.lower()
    details: list[tuple[str, str]] = []
    for year in dict.fromkeys(YEAR.findall(question.text)):
        replacement = _shifted_year(year, held, rng)
        if replacement is not None:
            details.append((year, replacement))
    # A name the gold documents do not hold either (a paraphrase) says nothing when swapped.
    own = [name for name in names if name.lower() in held]
    candidates = [n for n in other_names if n.lower() not in held and n not in question.text]
    if own and candidates:
        details.append((rng.choice(own), rng.choice(candidates)))
    if not details:
        return None
    old, new = rng.choice(details)
    return question.text.replace(old, new, 1)


def altered_questions(
    questions: Sequence[EvalQuestion],
    count: int,
    gold_text: Callable[[EvalQuestion], str],
    analyzer: LexicalAnalyzer,
) -> list[str]:
    """Up to ``count`` near-miss questions from the answerable ``questions`` that name gold
    documents, reproducibly."""
    answerable = [q for q in questions if q.answerable and q.gold]
    names = {q.id: analyzer.names(q.text, q.lang) for q in answerable}
    by_language: dict[str, list[str]] = {}
    for question in answerable:
        by_language.setdefault(question.lang, []).extend(names[question.id])
    rng = random.Random(ALTER_SEED)
    order = list(answerable)
    rng.shuffle(order)
    altered: list[str] = []
    for question in order:
        if len(altered) >= count:
            break
        pool = [n for n in dict.fromkeys(by_language[question.lang]) if n not in names[question.id]]
        text = alter(question, gold_text(question), names[question.id], pool, rng)
        if text is not None:
            altered.append(text)
    return altered
