"""Question sets in their standard layouts, read from any path.

- BEIR: a folder with ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/test.tsv`` (graded).
- SQuAD: a JSON file (or a folder holding one); each paragraph is a document, a question's
  own paragraph is its gold document and its answers are answer spans.
- Answer spans: a ``questions.jsonl`` whose lines have ``question`` and ``answer`` (a verbatim
  span, or ``null`` when the corpus does not answer it) and optionally ``article_id``; the
  corpus is given separately (default: the news corpora).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.documents import Article
from rag.errors import InputError
from rag.ingest import article_from_record, read_articles
from rag.language import detect_language, normalize_language

QRELS_SPLIT = "test"
SPLIT_SEPARATOR = "#"  # SET#PART: one part of a set
SLIPS_SUFFIX = "~slips"  # SET~slips: its questions with a typing slip each (eval.slips)
SQUAD_PARTS = ("train", "heldout")


@dataclass
class EvalQuestion:
    id: str
    text: str
    lang: str
    gold: dict[str, int] = field(default_factory=dict)  # document id -> relevance grade
    answers: list[str] = field(default_factory=list)  # verbatim answer spans, if any
    answerable: bool = True
    split: str | None = None  # a set's part ("tune" or "report"), where it has parts


@dataclass
class EvalSet:
    name: str
    kind: str  # "beir", "squad", "answers"
    articles: list[Article]
    questions: list[EvalQuestion]
    corpus_inputs: list[str]

    def article_languages(self) -> dict[str, str]:
        return {a.id: a.lang or detect_language(a.text) for a in self.articles}


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_beir(folder: Path) -> EvalSet:
    articles = []
    for number, record in enumerate(_read_jsonl(folder / "corpus.jsonl"), start=1):
        article = article_from_record(record, f"{folder}/corpus.jsonl:{number}", fallback_id="")
        if article is not None:
            articles.append(article)
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{QRELS_SPLIT}.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[2].lstrip("-").isdigit():
                continue  # header or malformed line
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    questions = []
    for record in _read_jsonl(folder / "queries.jsonl"):
        qid = str(record["_id"])
        gold = {doc: grade for doc, grade in qrels.get(qid, {}).items() if grade > 0}
        if not gold:
            continue  # BEIR evaluates only queries with at least one relevant document
        text = str(record["text"])
        questions.append(EvalQuestion(qid, text, detect_language(text), gold))
    return EvalSet(folder.name, "beir", articles, questions, [str(folder)])


def squad_part(title: str) -> str:
    """``train`` or ``heldout``: a stable half of a SQuAD set's articles, by title. The reader
    (``eval.train_reader``) trains on ``train``; ``SET#heldout`` scores what it never saw."""
    digest = hashlib.sha1(title.encode("utf-8")).digest()
    return SQUAD_PARTS[digest[0] % 2]


def load_squad(path: Path) -> EvalSet:
    data = json.loads(path.read_text(encoding="utf-8"))
    articles: list[Article] = []
    questions: list[EvalQuestion] = []
    for a_index, entry in enumerate(data["data"]):
        for p_index, paragraph in enumerate(entry["paragraphs"]):
            doc_id = f"{a_index}-{p_index}"
            context = paragraph["context"]
            articles.append(
                Article(
                    id=doc_id,
                    text=context,
                    title=entry.get("title", ""),
                    lang=detect_language(context),
                    origin=str(path),
                )
            )
            for qa in paragraph["qas"]:
                answers = sorted({a["text"] for a in qa.get("answers", []) if a.get("text")})
                questions.append(
                    EvalQuestion(
                        str(qa["id"]),
                        qa["question"],
                        detect_language(qa["question"]),
                        {doc_id: 1},
                        answers,
                        answerable=bool(answers),
                        split=squad_part(entry.get("title", "")),
                    )
                )
    name = path.parent.name if path.name.startswith(("KorQuAD", "dev", "train")) else path.stem
    return EvalSet(name, "squad", articles, questions, [str(path)])


def load_answer_spans(path: Path, corpus: Sequence[Path]) -> EvalSet:
    if not corpus:
        raise InputError(f"{path}: an answer-span set needs a corpus (--corpus PATH)")
    report = read_articles(corpus)
    questions = []
    for number, record in enumerate(_read_jsonl(path), start=1):
        if "question" not in record:
            raise InputError(f"{path}:{number}: no 'question' field")
        text = str(record["question"])
        answer = record.get("answer")
        gold_id = record.get("article_id")
        split = record.get("split")
        questions.append(
            EvalQuestion(
                str(record.get("id", number)),
                text,
                normalize_language(str(record.get("lang") or "")) or detect_language(text),
                {str(gold_id): 1} if gold_id and answer is not None else {},
                [str(answer)] if answer else [],
                answerable=answer is not None,
                split=None if split is None else str(split),
            )
        )
    name = path.parent.name if path.name == "questions.jsonl" else path.stem
    return EvalSet(name, "answers", report.articles, questions, [str(p) for p in corpus])


def load_eval_set(path: Path, corpus: Sequence[Path] = ()) -> EvalSet:
    """Detect the layout of ``path`` and load it. ``SET#PART`` loads the questions of one
    part of a set whose questions name a ``split`` (``eval/sets/paraphrase-dev#report``);
    ``SET~slips`` its questions with a typing slip each (``eval.slips``)."""
    text = str(path)
    if text.endswith(SLIPS_SUFFIX):
        from eval.slips import with_slips

        return with_slips(load_eval_set(Path(text.removesuffix(SLIPS_SUFFIX)), corpus))
    if SPLIT_SEPARATOR in text:
        base, _, part = text.rpartition(SPLIT_SEPARATOR)
        whole = load_eval_set(Path(base), corpus)
        chosen = [q for q in whole.questions if q.split == part]
        if not chosen:
            parts = sorted({q.split for q in whole.questions if q.split})
            raise InputError(
                f"{base}: no questions in part {part!r}; its parts: {', '.join(parts) or 'none'}"
            )
        name = f"{whole.name}{SPLIT_SEPARATOR}{part}"
        return replace(whole, name=name, questions=chosen)
    if not path.exists():
        raise InputError(f"no such question set: {path}")
    if path.is_dir():
        if (path / "corpus.jsonl").is_file() and (path / "queries.jsonl").is_file():
            return load_beir(path)
        if (path / "questions.jsonl").is_file():
            return load_answer_spans(path / "questions.jsonl", corpus)
        squad = sorted(path.glob("*.json"))
        if len(squad) == 1:
            return load_squad(squad[0])
        raise InputError(
            f"{path}: not a BEIR folder (corpus.jsonl, queries.jsonl, qrels/), a SQuAD JSON "
            "or a questions.jsonl"
        )
    if path.suffix == ".json":
        return load_squad(path)
    if path.suffix == ".jsonl":
        return load_answer_spans(path, corpus)
    raise InputError(f"{path}: unsupported question-set file")
