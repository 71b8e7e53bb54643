"""The reader's network: adapters that start as the base model, a saved adapter that loads
back to the same outputs, and a training path (frozen lower layers kept) equal to inference's."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rag.config import Settings
from rag.embedding.encoder import resolve_model_path
from rag.errors import ModelError
from rag.reader.model import (
    ADAPTER_FILE,
    AdapterConfig,
    SpanReaderModel,
    load_adapter,
    save_adapter,
)

SMALL = AdapterConfig(
    base_model="multilingual-e5-small",
    depth=3,
    adapted_layers=2,
    rank=4,
    alpha=8.0,
    max_tokens=64,
    stride_tokens=16,
    max_question_tokens=16,
)


@pytest.fixture(scope="module")
def base_dir(settings: Settings) -> Path:
    return Path(resolve_model_path(settings))


def _base(base_dir: Path) -> torch.nn.Module:
    from transformers import AutoModel

    return AutoModel.from_pretrained(str(base_dir))


def _inputs() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.randint(1000, 20000, (2, 24), generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(ids)
    mask[1, 15:] = 0
    return ids, mask


def test_only_adapters_and_the_span_head_train_and_a_fresh_adapter_changes_nothing(
    base_dir: Path,
) -> None:
    model = SpanReaderModel(_base(base_dir), SMALL)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all(
        ".down." in n or ".up." in n or n.startswith("span.") for n in trainable
    )
    assert {n.split(".layer.")[1].split(".")[0] for n in trainable if ".layer." in n} == {"1", "2"}
    ids, mask = _inputs()
    with torch.no_grad():
        plain = _base(base_dir)
        plain.encoder.layer = plain.encoder.layer[:3]
        expected = plain(input_ids=ids, attention_mask=mask).last_hidden_state
        adapted = model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.allclose(expected, adapted, atol=1e-5)  # up starts at zero


def test_training_path_equals_inference_and_a_saved_adapter_loads_to_the_same_outputs(
    base_dir: Path, tmp_path: Path
) -> None:
    torch.manual_seed(0)
    model = SpanReaderModel(_base(base_dir), SMALL)
    with torch.no_grad():
        for param in model.parameters():
            if param.requires_grad:
                param.normal_(0, 0.05)  # as if trained
    model.eval()
    ids, mask = _inputs()
    with torch.no_grad():
        start, end = model(ids, mask)
        upper_start, upper_end = model.upper(model.lower(ids, mask), mask)
    real = mask.bool()
    assert torch.allclose(start[real], upper_start[real], atol=1e-4)
    assert torch.allclose(end[real], upper_end[real], atol=1e-4)
    assert (start[~real] < -1e3).all()  # padding is never a boundary

    save_adapter(model, tmp_path, {"note": "test"})
    size = (tmp_path / ADAPTER_FILE).stat().st_size
    assert size < 1_000_000  # adapters and head only, never base weights
    loaded = load_adapter(_base(base_dir), tmp_path)
    with torch.no_grad():
        loaded_start, loaded_end = loaded(ids, mask)
    # Half-precision storage and merged weights: equal to a few thousandths.
    assert torch.allclose(start[real], loaded_start[real], atol=2e-2)
    assert torch.allclose(end[real], loaded_end[real], atol=2e-2)


def test_a_missing_or_foreign_adapter_is_refused_with_its_folder(
    base_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ModelError, match="no reader adapter"):
        load_adapter(_base(base_dir), tmp_path)
    other = SpanReaderModel(_base(base_dir), SMALL)
    save_adapter(other, tmp_path)
    config = (tmp_path / "adapter.json").read_text().replace('"rank": 4', '"rank": 8')
    (tmp_path / "adapter.json").write_text(config)
    with pytest.raises(ModelError, match="does not fit"):
        load_adapter(_base(base_dir), tmp_path)
