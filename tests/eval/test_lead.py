from eval.datasets import load_eval_set
from eval.lead import (
    DEMOTION_GRID,
    GRID,
    DemotionCase,
    LeadCase,
    ask,
    choose_demotion,
    choose_margin,
    demotion_cases,
    foreign_misses,
    hit_rate,
    lead_cases,
    precision,
)
from eval.runner import fill_gold_from_answers
from rag.engine import SearchEngine
from tests.conftest import SEED, SHARED

INF = float("inf")


def test_the_margin_demotes_a_close_off_topic_lead_but_keeps_a_clear_answer() -> None:
    cases = [
        # An English question led by a Korean passage by a hair; the English one answers.
        LeadCase("a", "en->en", top_gold=False, gap=0.4, own_gold=True),
        # A Korean question whose English answer leads clearly.
        LeadCase("a", "ko->en", top_gold=True, gap=5.0, own_gold=False),
        LeadCase("b", "ko->ko", top_gold=True, gap=INF, own_gold=True),
    ]
    assert precision(cases, 0.0) == 2 / 3
    assert foreign_misses(cases, 0.0) == 1
    margin = choose_margin(cases)
    assert margin == min(m for m in GRID if m > 0.4)  # the smallest of the best
    assert precision(cases, margin) == 1.0 and foreign_misses(cases, margin) == 0
    assert precision(cases, INF) == 2 / 3  # always own-language first loses the ko->en answer


def test_lead_cases_of_real_questions(engine: SearchEngine) -> None:
    eval_set = load_eval_set(SHARED / "evalsets" / "seed-qa", [SEED.parent])
    questions = list(eval_set.questions)
    fill_gold_from_answers(questions, engine)
    cases = lead_cases(eval_set.name, engine, ask(engine, questions))
    answerable = [q for q in questions if q.answerable and q.gold]
    assert len(cases) == len(answerable) > 0
    assert {c.pair for c in cases} == {"ko->ko", "en->ko"}  # seed-qa asks in both
    # Korean questions about the Korean seed: it leads every one of them, so no margin applies.
    korean = [c for c in cases if c.pair == "ko->ko"]
    assert korean and all(c.gap == INF and c.top_gold for c in korean)
    assert all(c.hit(0.0) == c.top_gold for c in cases)


def test_the_demotion_chosen_is_the_smallest_with_the_best_mean_over_suites() -> None:
    columns = len(DEMOTION_GRID)
    cases = [
        DemotionCase("a", "en->en", tuple(float(i >= 2) for i in range(columns)), 1.0),
        DemotionCase("a", "ko->ko", (1.0,) * columns, 1.0),
        # Another suite loses its cross-language answer past column 4.
        DemotionCase("b", "ko->en", tuple(float(i <= 4) for i in range(columns)), 1.0),
    ]
    chosen = choose_demotion(cases)
    assert chosen == 2
    assert hit_rate(cases[:2], 0) == 0.5 and hit_rate(cases[:2], chosen) == 1.0
    assert choose_demotion(cases[2:]) == 0  # nothing to gain: no demotion


def test_demotion_cases_of_real_questions(engine: SearchEngine) -> None:
    eval_set = load_eval_set(SHARED / "evalsets" / "seed-qa", [SEED.parent])
    questions = list(eval_set.questions)
    fill_gold_from_answers(questions, engine)
    cases = demotion_cases(eval_set.name, engine, ask(engine, questions), margin=1.0)
    assert len(cases) == len([q for q in questions if q.answerable and q.answers]) > 0
    assert all(len(c.hits) == len(DEMOTION_GRID) for c in cases)
    # One Korean article: nothing of another language to demote, every column alike.
    assert all(len(set(c.hits)) == 1 and c.hits[0] == c.oracle for c in cases)
