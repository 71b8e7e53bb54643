"""The HTTP API through a real uvicorn server on 127.0.0.1."""

import httpx
import pytest

from tests.conftest import SEED, SESSION_ARTICLES

NSTRI_PASSAGE = "글로벌 데이터 플랫폼(NSTRI)"


@pytest.mark.parametrize("question", ["what is NSTRI?", "NSTRI는 무엇인가요?"])
def test_nstri_question_cites_the_seed_passage_first(server: str, question: str) -> None:
    response = httpx.post(f"{server}/ask", json={"question": question}, timeout=30)
    assert response.status_code == 200
    answer = response.json()
    assert answer["found"] is True
    assert answer["uncertain"] is False  # every word of it in a passage that stands out
    first = answer["passages"][0]
    assert first["citation"] == 1 and first["article_id"] == SEED.stem
    assert NSTRI_PASSAGE in first["text"]
    assert any(NSTRI_PASSAGE in h["text"] for h in first["highlights"])
    article = httpx.get(f"{server}/articles/{first['article_id']}", timeout=10).json()
    assert article["text"][first["start"] : first["end"]] == first["text"]
    for highlight in first["highlights"]:
        assert article["text"][highlight["start"] : highlight["end"]] == highlight["text"]


def test_answer_passages_carry_citation_metadata_and_never_repeat(server: str) -> None:
    body = {"question": "What did researchers find about Alzheimer's risk?", "top_k": 8}
    passages = httpx.post(f"{server}/ask", json=body, timeout=30).json()["passages"]
    assert [p["citation"] for p in passages] == list(range(1, len(passages) + 1))
    texts = [" ".join(p["text"].split()) for p in passages]
    assert len(set(texts)) == len(texts)
    spans = [(p["article_id"], p["start"], p["end"]) for p in passages]
    for i, (article, start, end) in enumerate(spans):
        for other, o_start, o_end in spans[i + 1 :]:
            assert article != other or end <= o_start or o_end <= start
    first = passages[0]
    assert {"title", "source", "published", "url", "score", "highlights"} <= set(first)


def test_filters_restrict_language_source_and_dates(server: str) -> None:
    question = "How can virtual reality help detect an early risk of Alzheimer's?"
    for filters, check in (
        ({"lang": "en"}, lambda p: p["lang"] == "en"),
        ({"source": "theguardian.com"}, lambda p: p["source"] == "theguardian.com"),
        (
            {"published_from": "2018-12-01", "published_to": "2018-12-31"},
            lambda p: "2018-12-01" <= p["published"] <= "2018-12-31",
        ),
    ):
        ask = {"question": question, "top_k": 5, "filters": filters}
        passages = httpx.post(f"{server}/ask", json=ask, timeout=30).json()["passages"]
        assert passages and all(check(p) for p in passages), filters
    # Filtered to a source the seed does not have, nothing answers a question about it; the
    # closest passages of that source still come back, marked as not answering.
    ask = {"question": "NSTRI는 무엇인가요?", "filters": {"source": "news.naver.com"}}
    answer = httpx.post(f"{server}/ask", json=ask, timeout=30).json()
    assert not answer["found"] and answer["passages"]
    assert all(p["source"] == "news.naver.com" for p in answer["passages"])
    assert "closest passages" in answer["message"]


def test_a_question_without_words_is_not_found(server: str) -> None:
    for question in ("?!.,;", "...", "{{7*7}} ${7*7} %s%s%s%n", "？！。"):
        answer = httpx.post(f"{server}/ask", json={"question": question}, timeout=30).json()
        assert answer["found"] is False and answer["passages"] == [], question


def test_a_traced_answer_gives_each_stage_its_time_and_output(server: str) -> None:
    body = {"question": "서울대병원이 보스턴에서 소개한 플랫폼은?", "top_k": 2, "trace": True}
    answer = httpx.post(f"{server}/ask", json=body, timeout=30).json()
    assert [stage["stage"] for stage in answer["trace"]] == ["prepare", "rank", "judge", "cite"]
    assert all(stage["ms"] > 0 for stage in answer["trace"])
    assert answer["trace"][2]["output"]["found"] == answer["found"]
    assert answer["trace"][3]["output"]["passages"] == len(answer["passages"]) == 2
    untraced = httpx.post(f"{server}/ask", json={"question": "NSTRI?"}, timeout=30).json()
    assert untraced["trace"] is None


def test_search_returns_ranked_passages(server: str) -> None:
    response = httpx.get(f"{server}/search", params={"q": "지카바이러스", "top_k": 3}, timeout=30)
    assert response.status_code == 200
    passages = response.json()["passages"]
    assert len(passages) == 3
    assert "지카바이러스" in passages[0]["text"]
    assert passages[0]["score"] >= passages[1]["score"] >= passages[2]["score"]


def test_health_reports_the_manifest(server: str) -> None:
    health = httpx.get(f"{server}/health", timeout=10).json()
    assert health["status"] == "ok"
    assert health["manifest"]["model"] == "multilingual-e5-small"
    assert health["manifest"]["counts"]["articles"] == SESSION_ARTICLES
    assert httpx.get(f"{server}/docs", timeout=10).status_code == 200
    assert "/ask" in httpx.get(f"{server}/openapi.json", timeout=10).json()["paths"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, None),
        ({"question": "x" * 5000}, None),
        ({"question": "ok", "top_k": 0}, None),
        ({"question": "ok", "top_k": 500}, None),
        ({"question": "ok", "filters": {"published_from": "2024-13-45"}}, "published_from"),
        (
            {
                "question": "ok",
                "filters": {"published_from": "2024-02-01", "published_to": "2024-01-01"},
            },
            None,
        ),
        ({"question": "ok", "filters": {"lang": "fr"}}, "lang"),
        ({"question": "ok", "unknown": 1}, "unknown"),
        ({"question": "ok", "trace": 1}, "trace"),
    ],
)
def test_bad_input_is_a_422_naming_the_problem(server: str, body: dict, field: str | None) -> None:
    response = httpx.post(f"{server}/ask", json=body, timeout=30)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid_input" and payload["detail"]
    if field:
        assert any(field in problem["field"] for problem in payload["detail"])


def test_unknown_article_is_a_404_and_malformed_json_a_422(server: str) -> None:
    response = httpx.get(f"{server}/articles/no-such-id", timeout=10)
    assert response.status_code == 404 and "no-such-id" in response.json()["detail"]
    response = httpx.post(
        f"{server}/ask",
        content=b"{not json",
        timeout=10,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
