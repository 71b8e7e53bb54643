"""Low-rank adapters (LoRA) on a model's linear layers: the base weights stay frozen and
shared, and only two small matrices per layer are trained and shipped."""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """``base(x) + scale * up(down(x))``; ``up`` starts at zero, so training starts from the
    base model's own output."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.down = nn.Linear(base.in_features, rank, bias=False)
        self.up = nn.Linear(rank, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.down.weight, a=math.sqrt(5))
        nn.init.zeros_(self.up.weight)
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.base(x) + self.up(self.down(x)) * self.scale
        return out

    def merged(self) -> nn.Linear:
        """One linear layer computing the same: what inference runs."""
        merged = nn.Linear(self.base.in_features, self.base.out_features, bias=True)
        with torch.no_grad():
            delta = (self.up.weight @ self.down.weight) * self.scale
            merged.weight.copy_(self.base.weight + delta)
            if self.base.bias is not None:
                merged.bias.copy_(self.base.bias)
            else:
                merged.bias.zero_()
        return merged


def _parent(module: nn.Module, dotted: str) -> tuple[nn.Module, str]:
    *path, name = dotted.split(".")
    for step in path:
        module = getattr(module, step)
    return module, name


def add_lora(module: nn.Module, targets: tuple[str, ...], rank: int, alpha: float) -> None:
    """Wrap the linear layers named ``targets`` (dotted paths under ``module``) in adapters."""
    for dotted in targets:
        parent, name = _parent(module, dotted)
        linear = getattr(parent, name)
        if not isinstance(linear, nn.Linear):
            raise TypeError(f"{dotted} is not a linear layer")
        setattr(parent, name, LoRALinear(linear, rank, alpha))


def merge_lora(module: nn.Module) -> None:
    """Replace every adapter under ``module`` by its merged linear layer."""
    for name, child in list(module.named_children()):
        if isinstance(child, LoRALinear):
            setattr(module, name, child.merged())
        else:
            merge_lora(child)
