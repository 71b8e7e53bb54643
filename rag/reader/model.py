"""The reader's network: the shipped encoder with LoRA adapters on its top layers and a span
head (start and end logits per token; the first token's pair scores "no answer", as in
SQuAD 2.0). What is saved is the adapter and the head, a few MB, never the base weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from rag.errors import ModelError
from rag.reader.lora import add_lora, merge_lora

ADAPTER_FILE = "adapter.safetensors"
CONFIG_FILE = "adapter.json"
# The linear layers of a BERT layer that get adapters: attention and feed-forward.
LORA_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


@dataclass(frozen=True)
class AdapterConfig:
    """How an adapter was made; saved beside it, so that a load rebuilds the same network."""

    base_model: str
    depth: int  # the encoder's first layers the reader runs: fewer read faster
    adapted_layers: int  # the top ones of those that carry adapters; those below stay frozen
    rank: int
    alpha: float
    max_tokens: int  # question and passage window together
    stride_tokens: int  # overlap between the windows of a long passage
    max_question_tokens: int

    @classmethod
    def read(cls, folder: Path) -> AdapterConfig:
        path = folder / CONFIG_FILE
        if not path.is_file():
            raise ModelError(f"{folder}: no reader adapter ({CONFIG_FILE} missing)")
        return cls(**json.loads(path.read_text(encoding="utf-8"))["config"])


class SpanReaderModel(nn.Module):
    def __init__(self, encoder: Any, config: AdapterConfig) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = config
        self.encoder.requires_grad_(False)
        layers = self.encoder.encoder.layer
        if not 0 < config.adapted_layers <= config.depth <= len(layers):
            raise ModelError(f"a reader needs 0 < adapted_layers <= depth <= {len(layers)}")
        layers = self.encoder.encoder.layer = nn.ModuleList(list(layers)[: config.depth])
        self.encoder.config.num_hidden_layers = config.depth
        self.first_adapted = len(layers) - config.adapted_layers
        for layer in layers[self.first_adapted :]:
            add_lora(layer, LORA_TARGETS, config.rank, config.alpha)
        self.span = nn.Linear(self.encoder.config.hidden_size, 2)

    @staticmethod
    def additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def lower(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The frozen layers' output: the same for every adapter, so training computes it once."""
        with torch.no_grad():
            out = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
            )
        hidden: torch.Tensor = out.hidden_states[self.first_adapted]
        return hidden

    def upper(
        self, hidden: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mask = self.additive_mask(attention_mask, hidden.dtype)
        for layer in self.encoder.encoder.layer[self.first_adapted :]:
            hidden = layer(hidden, attention_mask=mask)
            if isinstance(hidden, tuple):  # older transformers return a tuple
                hidden = hidden[0]
        logits = self.span(hidden)
        start, end = logits.unbind(-1)
        # Padding can never be a span boundary.
        blocked = attention_mask == 0
        return start.masked_fill(blocked, -1e4), end.masked_fill(blocked, -1e4)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        logits = self.span(out.last_hidden_state)
        start, end = logits.unbind(-1)
        blocked = attention_mask == 0
        return start.masked_fill(blocked, -1e4), end.masked_fill(blocked, -1e4)

    def adapter_state(self) -> dict[str, torch.Tensor]:
        """The trained tensors only: adapters and span head."""
        return {
            name: param.detach().clone()
            for name, param in self.named_parameters()
            if param.requires_grad
        }

    def merge(self) -> SpanReaderModel:
        """Fold the adapters into their layers for inference (same output, fewer matmuls)."""
        merge_lora(self.encoder)
        return self.eval()


def save_adapter(
    model: SpanReaderModel, folder: Path, record: dict[str, Any] | None = None
) -> Path:
    """Write the adapter (half precision) and its config and training record into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {name: t.to(torch.float16).contiguous() for name, t in model.adapter_state().items()}
    save_file(tensors, str(folder / ADAPTER_FILE))
    meta = {"config": asdict(model.config), "record": record or {}}
    (folder / CONFIG_FILE).write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return folder / ADAPTER_FILE


def load_adapter(encoder: Any, folder: Path) -> SpanReaderModel:
    """The base ``encoder`` (a transformers BertModel) with the adapter of ``folder``, merged."""
    config = AdapterConfig.read(folder)
    model = SpanReaderModel(encoder, config)
    state = load_file(str(folder / ADAPTER_FILE))
    expected = {name: p.shape for name, p in model.named_parameters() if p.requires_grad}
    if {name: t.shape for name, t in state.items()} != expected:
        raise ModelError(f"{folder}: the adapter does not fit this reader ({CONFIG_FILE})")
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    return model.merge()
