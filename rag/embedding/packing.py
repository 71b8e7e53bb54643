"""Several short texts through the model in one forward pass, without padding.

A question and its new words (embedded for translation) are a handful of short texts. On a
CPU each forward pass has a fixed cost, and a padded batch spends compute on padding, so
encoding them separately costs about twice the question alone. Packing them into one
sequence, each text attending only to itself and with its own position ids, gives the same
vectors (mean pooling per text) for little more than the question's cost.

Packing relies on the model taking a 4-D attention mask and explicit position ids, and on
mean pooling over every token. ``PackedEncoder.for_model`` checks that on the loaded model,
by comparing packed vectors with the model's own, and returns None where they differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Packed vectors must match the model's own to this cosine distance to be used at all.
_SELF_CHECK_TOLERANCE = 1e-4
_SELF_CHECK_TEXTS = ("query: what did the hospital present?", "환자", "boston")


def pack_windows(lengths: Sequence[int], max_tokens: int) -> list[list[int]]:
    """Positions of texts of ``lengths`` (tokens, each within the window) in order, as
    consecutive groups that each fill at most one window of ``max_tokens``."""
    windows: list[list[int]] = [[]]
    filled = 0
    for number, length in enumerate(lengths):
        if windows[-1] and filled + length > max_tokens:
            windows.append([])
            filled = 0
        windows[-1].append(number)
        filled += length
    return windows


class PackedEncoder:
    """Mean-pooled, unit-length vectors of several texts from padding-free forward passes
    (one per model window they fill)."""

    def __init__(self, model: SentenceTransformer, max_tokens: int) -> None:
        self.transformer: Any = model[0].auto_model  # a transformers PreTrainedModel
        self.tokenizer = model.tokenizer
        self.max_tokens = max_tokens

    @classmethod
    def for_model(cls, model: SentenceTransformer, max_tokens: int) -> PackedEncoder | None:
        """A packed encoder for ``model`` if it reproduces the model's vectors, else None."""
        modules = list(model)
        pooling = modules[1] if len(modules) > 1 else None
        if (
            len(modules) not in (2, 3)
            or not hasattr(modules[0], "auto_model")
            or getattr(pooling, "pooling_mode", None) != "mean"
            or not getattr(pooling, "include_prompt", True)
        ):
            return None
        packed = cls(model, max_tokens)
        texts = list(_SELF_CHECK_TEXTS)
        try:
            ours = packed.encode(texts)
        except Exception:  # an architecture without 4-D masks or position ids: not packable
            return None
        reference = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        if np.max(1 - np.sum(ours * reference, axis=1)) > _SELF_CHECK_TOLERANCE:
            return None
        return packed

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` (prompts already applied, each truncated to the model's
        window like the model's own encoding). Texts that do not fit one window together
        are packed into as many consecutive windows as needed."""
        pieces = [
            self.tokenizer(text, truncation=True, max_length=self.max_tokens)["input_ids"]
            for text in texts
        ]
        if not pieces:
            return np.empty((0, self.transformer.config.hidden_size), dtype=np.float32)
        windows = pack_windows([len(piece) for piece in pieces], self.max_tokens)
        return np.vstack([self._forward([pieces[n] for n in window]) for window in windows])

    def _forward(self, pieces: list[list[int]]) -> np.ndarray:
        """One forward pass over ``pieces`` packed into one sequence."""
        import torch

        total = sum(len(p) for p in pieces)
        device = self.transformer.device
        input_ids = torch.tensor([[i for piece in pieces for i in piece]], device=device)
        segment = torch.cat([torch.full((len(p),), n, device=device) for n, p in enumerate(pieces)])
        positions = torch.cat([torch.arange(len(p), device=device) for p in pieces])[None]
        # Additive mask: 0 where a token may attend (its own text), the dtype's minimum elsewhere.
        dtype = self.transformer.dtype
        blocked = segment[:, None] != segment[None, :]
        mask = torch.zeros((1, 1, total, total), dtype=dtype, device=device)
        mask.masked_fill_(blocked, torch.finfo(dtype).min)
        inputs: dict[str, Any] = {
            "input_ids": input_ids,
            "attention_mask": mask,
            "position_ids": positions,
        }
        if "token_type_ids" in self.tokenizer.model_input_names:
            inputs["token_type_ids"] = torch.zeros_like(input_ids)
        with torch.inference_mode():
            hidden = self.transformer(**inputs).last_hidden_state[0]
            sums = torch.zeros((len(pieces), hidden.shape[-1]), dtype=hidden.dtype, device=device)
            sums.index_add_(0, segment, hidden)
            counts = torch.tensor([len(p) for p in pieces], dtype=hidden.dtype, device=device)
            vectors = torch.nn.functional.normalize(sums / counts[:, None], dim=-1)
        return np.ascontiguousarray(vectors.float().cpu().numpy(), dtype=np.float32)
