import random

from eval.altered import alter, altered_questions
from eval.datasets import EvalQuestion
from rag.lexical.analyzer import LexicalAnalyzer

GOLD = "In 2019 the list price of insulin in the United States rose, Novo Nordisk said."


def test_a_year_is_swapped_for_one_the_gold_documents_do_not_hold() -> None:
    question = EvalQuestion("q", "What was the price of insulin in 2019?", "en", {"d": 1})
    text = alter(question, GOLD + " Prices fell in 2018.", [], [], random.Random(0))
    assert text is not None and "2019" not in text
    year = text.split(" in ")[-1].rstrip("?")
    assert year.isdigit() and year not in GOLD + "2018" and abs(int(year) - 2019) <= 12


def test_a_name_the_gold_holds_is_swapped_for_another_questions_name() -> None:
    question = EvalQuestion("q", "What did Novo Nordisk charge for insulin?", "en", {"d": 1})
    # "Lilly" is the only name of another question that the gold document lacks.
    text = alter(question, GOLD, ["Novo", "Nordisk"], ["States", "Lilly"], random.Random(0))
    assert text in (
        "What did Lilly Nordisk charge for insulin?",
        "What did Novo Lilly charge for insulin?",
    )
    # Nothing to swap: no year, no name the gold document holds.
    plain = EvalQuestion("p", "Why do prices rise?", "en", {"d": 1})
    assert alter(plain, GOLD, [], ["Lilly"], random.Random(0)) is None


def test_altered_questions_come_from_answerable_questions_with_gold_documents(
    analyzer: LexicalAnalyzer,
) -> None:
    questions = [
        EvalQuestion("a", "What did Novo Nordisk say in 2019?", "en", {"d": 1}),
        EvalQuestion("b", "Where is Boston?", "en", {"e": 1}),
        EvalQuestion("c", "What did Pfizer say in 2019?", "en", {}, answerable=False),
    ]
    texts = {"d": GOLD, "e": "Boston is in Massachusetts."}
    altered = altered_questions(
        questions, 5, lambda q: " ".join(texts[d] for d in q.gold), analyzer
    )
    assert len(altered) == 2
    assert altered == altered_questions(
        questions, 5, lambda q: " ".join(texts[d] for d in q.gold), analyzer
    )  # reproducible
    assert "Where is Novo?" in altered or "Where is Nordisk?" in altered
    assert all("Pfizer" not in text for text in altered)
