"""Training examples for the reader, built only from what may be trained on.

- KorQuAD v1 dev, split by article (a stable hash of the title, ``eval.datasets.squad_part``): the
  ``train`` part's questions with their paragraph and answer; the same questions against the
  paragraph of their article that shares most with them but lacks the answer (a near miss);
  and near-miss questions (``eval.altered``: a year or a name swapped) against their own
  paragraph, which no longer answers them. Every KorQuAD figure of the reader is reported on
  the ``heldout`` part only (``korquad-v1-dev#heldout``).
- Cloze questions from English news (``health-news-en``): a sentence with a number or a name
  replaced by "what", against the passage around it (answerable) and against a passage of
  the same article that lacks the span (not answerable), so that English is not zero-shot.
  Articles that any question set of the repo or ``../shared`` points at are left out.

Nothing here reads unanswerable-dev, crosslingual-dev, seed-qa, autorag-ko or liveqa-medquad
questions; the question sets are read only for the article ids to leave out.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.altered import alter
from eval.datasets import EvalQuestion, squad_part
from rag.lexical.analyzer import LexicalAnalyzer

# Characters of an English article around a cloze sentence: about a passage's length.
CLOZE_WINDOW_CHARS = 900
_SENTENCE = re.compile(r"[^.!?\n]{40,300}[.!?]")
_NUMBER = re.compile(r"\b\d[\d,.]*(?:\s?(?:%|percent))?")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)*")


@dataclass(frozen=True)
class ReaderExample:
    question: str
    context: str
    answer_start: int  # character offset of the answer in ``context``; -1: no answer
    answer: str
    kind: str  # "korquad", "near-paragraph", "altered", "cloze", "cloze-far"
    lang: str

    @property
    def answerable(self) -> bool:
        return self.answer_start >= 0


def _bigrams(text: str) -> set[str]:
    squeezed = re.sub(r"\s+", "", text)
    return {squeezed[i : i + 2] for i in range(len(squeezed) - 1)}


def korquad_examples(
    path: Path,
    part: str,
    analyzer: LexicalAnalyzer,
    rng: random.Random,
    articles: int | None = None,
) -> list[ReaderExample]:
    """Examples from the ``part`` of a SQuAD file (its first ``articles`` articles there)."""
    data = [
        a
        for a in json.loads(path.read_text(encoding="utf-8"))["data"]
        if squad_part(a.get("title", "")) == part
    ][:articles]
    examples: list[ReaderExample] = []
    questions: list[tuple[EvalQuestion, str]] = []
    for article in data:
        paragraphs = [p["context"] for p in article["paragraphs"]]
        grams = [_bigrams(p) for p in paragraphs]
        for index, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                text = qa["question"]
                examples.append(
                    ReaderExample(
                        text,
                        paragraph["context"],
                        answer["answer_start"],
                        answer["text"],
                        "korquad",
                        "ko",
                    )
                )
                question = EvalQuestion(qa["id"], text, "ko", {str(index): 1}, [answer["text"]])
                questions.append((question, paragraph["context"]))
                # The paragraph of the same article most like the question, without its answer.
                mine = _bigrams(text)
                others = [
                    (len(mine & grams[j]), j)
                    for j in range(len(paragraphs))
                    if j != index and answer["text"] not in paragraphs[j]
                ]
                if others:
                    _, nearest = max(others)
                    examples.append(
                        ReaderExample(text, paragraphs[nearest], -1, "", "near-paragraph", "ko")
                    )
    names = [analyzer.names(q.text, "ko") for q, _ in questions]
    pool = list(dict.fromkeys(n for found in names for n in found))
    for (question, context), own in zip(questions, names, strict=True):
        swaps = [n for n in pool if n not in own]
        changed = alter(question, context, own, swaps, rng)
        if changed is not None:
            examples.append(ReaderExample(changed, context, -1, "", "altered", "ko"))
    return examples


def referenced_articles(question_files: Iterable[Path]) -> set[str]:
    """Article ids that a question set points at: never trained on."""
    held: set[str] = set()
    for path in question_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                article = json.loads(line).get("article_id")
                if article:
                    held.add(str(article))
    return held


def _cloze(sentence: str, rng: random.Random) -> tuple[str, str] | None:
    """(question, answer): the sentence with one number or name turned into "what"."""
    spans = [m for m in _NUMBER.finditer(sentence)] + [m for m in _NAME.finditer(sentence)]
    spans = [m for m in spans if 2 <= len(m.group().strip()) <= 40]
    if not spans:
        return None
    chosen = rng.choice(spans)
    answer = chosen.group().strip(" ,.")
    question = sentence[: chosen.start()] + "what" + sentence[chosen.end() :]
    return question.strip().rstrip(".!?") + "?", answer


def cloze_examples(
    articles_path: Path, left_out: set[str], count: int, rng: random.Random
) -> list[ReaderExample]:
    articles = []
    with articles_path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = str(record.get("text") or "")
            if record.get("id") not in left_out and len(text) > 3 * CLOZE_WINDOW_CHARS:
                articles.append(text)
    rng.shuffle(articles)
    examples: list[ReaderExample] = []
    for text in articles:
        if len(examples) >= 2 * count:
            break
        sentences = list(_SENTENCE.finditer(text))
        if len(sentences) < 6:
            continue
        match = rng.choice(sentences[1:-1])
        made = _cloze(match.group().strip(), rng)
        if made is None:
            continue
        question, answer = made
        begin = max(0, match.start() - rng.randint(0, CLOZE_WINDOW_CHARS // 2))
        window = text[begin : begin + CLOZE_WINDOW_CHARS]
        at = window.find(answer, match.start() - begin)
        if at < 0:
            continue
        examples.append(ReaderExample(question, window, at, answer, "cloze", "en"))
        # A window of the same article far from the sentence, without the answer.
        far = 0 if match.start() > len(text) // 2 else len(text) - CLOZE_WINDOW_CHARS
        distant = text[far : far + CLOZE_WINDOW_CHARS]
        if answer not in distant:
            examples.append(ReaderExample(question, distant, -1, "", "cloze-far", "en"))
    return examples


def summary(examples: Sequence[ReaderExample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.kind] = counts.get(example.kind, 0) + 1
    return dict(sorted(counts.items()))
