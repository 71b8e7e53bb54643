"""Reading a question against passages: the best answer span of each passage (character
offsets into the passage's text) and the margin of that span's score over "no answer"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.reader.model import AdapterConfig, SpanReaderModel, load_adapter

# Candidates per window for the span search: the best starts times the best ends.
SPAN_CANDIDATES = 20
MAX_ANSWER_TOKENS = 32
NO_SPAN = -1e9


@dataclass(frozen=True)
class Reading:
    """What the reader found in one passage: the span ``[start, end)`` of its text (None when
    no span could be read) and ``margin``, the span's score minus the no-answer score (> 0:
    the reader thinks the passage answers)."""

    start: int | None
    end: int | None
    span_score: float
    null_score: float

    @property
    def margin(self) -> float:
        return self.span_score - self.null_score

    @property
    def has_span(self) -> bool:
        return self.start is not None


def best_span(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    context: np.ndarray,
    max_tokens: int = MAX_ANSWER_TOKENS,
) -> tuple[int, int, float] | None:
    """The best (start token, end token, score) with both in ``context`` (a boolean mask),
    start <= end and at most ``max_tokens`` long; None when the window has no context."""
    positions = np.flatnonzero(context)
    if not len(positions):
        return None
    starts = positions[np.argsort(-start_logits[positions])[:SPAN_CANDIDATES]]
    ends = positions[np.argsort(-end_logits[positions])[:SPAN_CANDIDATES]]
    best: tuple[int, int, float] | None = None
    for s in starts:
        for e in ends:
            if e < s or e - s + 1 > max_tokens:
                continue
            score = float(start_logits[s] + end_logits[e])
            if best is None or score > best[2]:
                best = (int(s), int(e), score)
    return best


class Reader:
    """A loaded reader: ``read(question, texts)`` gives one :class:`Reading` per text."""

    def __init__(self, model: SpanReaderModel, tokenizer: Any, batch_size: int = 8) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.config: AdapterConfig = model.config
        self.batch_size = batch_size

    def features(self, question: str, texts: list[str]) -> Any:
        """Tokenized windows of (question, text) pairs, with offsets and their text index."""
        question_ids = self.tokenizer(question, add_special_tokens=False)["input_ids"]
        if len(question_ids) > self.config.max_question_tokens:
            question = self.tokenizer.decode(question_ids[: self.config.max_question_tokens])
        return self.tokenizer(
            [question] * len(texts),
            texts,
            truncation="only_second",
            max_length=self.config.max_tokens,
            stride=self.config.stride_tokens,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="np",
        )

    def logits(self, input_ids: np.ndarray, attention: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch

        starts, ends = [], []
        with torch.inference_mode():
            for at in range(0, len(input_ids), self.batch_size):
                ids = torch.from_numpy(input_ids[at : at + self.batch_size]).long()
                mask = torch.from_numpy(attention[at : at + self.batch_size]).long()
                start, end = self.model(ids, mask)
                starts.append(start.numpy())
                ends.append(end.numpy())
        return np.concatenate(starts), np.concatenate(ends)

    def read(self, question: str, texts: list[str]) -> list[Reading]:
        if not texts:
            return []
        encoded = self.features(question, texts)
        start_logits, end_logits = self.logits(encoded["input_ids"], encoded["attention_mask"])
        owners = encoded["overflow_to_sample_mapping"]
        spans: list[tuple[int, int, float] | None] = [None] * len(texts)
        nulls = [float("inf")] * len(texts)
        for row, owner in enumerate(owners.tolist()):
            context = np.array([sid == 1 for sid in encoded.sequence_ids(row)])
            # The no-answer score of a text is its lowest over windows: a window that cut the
            # answer off says nothing against another that holds it.
            nulls[owner] = min(nulls[owner], float(start_logits[row, 0] + end_logits[row, 0]))
            found = best_span(start_logits[row], end_logits[row], context)
            if found is None:
                continue
            s, e, score = found
            offsets = encoded["offset_mapping"][row]
            current = spans[owner]
            if current is None or score > current[2]:
                spans[owner] = (int(offsets[s][0]), int(offsets[e][1]), score)
        readings = []
        for span, null in zip(spans, nulls, strict=True):
            if span is None:
                readings.append(Reading(None, None, NO_SPAN, null))
            else:
                readings.append(Reading(span[0], span[1], span[2], null))
        return readings


def load_reader(model_dir: Path, adapter_dir: Path, threads: int | None = None) -> Reader:
    """The reader of ``adapter_dir`` on the provisioned base model of ``model_dir``."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    if threads:
        torch.set_num_threads(threads)
    encoder = AutoModel.from_pretrained(str(model_dir))
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    return Reader(load_adapter(encoder, adapter_dir), tokenizer)
