from eval.keywords import keyword_questions, score
from rag.engine import SearchEngine


def test_keyword_questions_are_rare_title_words_and_find_their_article(
    engine: SearchEngine,
) -> None:
    questions = keyword_questions(engine, articles=5, words=2)
    assert len(questions) >= 5  # Korean and English titles both give questions
    for question in questions:
        title = engine.corpus.articles[question.article_id].title
        assert len(question.text.split()) == 2
        assert all(word in title for word in question.text.split())
    figures = score(engine, questions, engine.params)
    assert 0 < figures["hit@1"] <= figures["hit@5"] <= 1
