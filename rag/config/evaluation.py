"""Evaluation settings (``eval/``): where its indexes live and what it ranks over."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rag.config.service import PROJECT_ROOT


class EvalSettings(BaseModel):
    """``RAG_EVAL__*`` or the bare ``RAG_*`` names."""

    model_config = ConfigDict(frozen=True)

    eval_index_dir: Path = Field(Path("var/eval"), description="indexes of evaluation corpora")
    eval_news_corpus: tuple[Path, ...] = Field(
        (
            PROJECT_ROOT / "data" / "demo",
            PROJECT_ROOT.parent / "shared" / "corpora" / "health-news-en",
            PROJECT_ROOT.parent / "shared" / "corpora" / "science-news-ko",
        ),
        description="corpus of answer-span question sets that name none",
    )
    eval_candidates: int = Field(300, ge=1, description="ranking depth for recall@100")
