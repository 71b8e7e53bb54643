"""The index config: how a build is made. Read from the environment only by a build; the
build writes it into its manifest (and each part its own share beside its files), and a
loaded index answers with the config it was built with, whatever the serving process's
environment says."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IndexConfig(BaseModel):
    """Build-time settings (``RAG_INDEX__*`` or the bare ``RAG_*`` names)."""

    model_config = ConfigDict(frozen=True)

    # --- dense index -----------------------------------------------------------------
    faiss_factory: str = Field(
        "auto",
        description="FAISS index_factory string (inner product), e.g. Flat or HNSW32; auto: "
        "exact Flat below ann_min_passages, an inverted file (IVF) above (rag/ann.py)",
    )
    ann_min_passages: int = Field(
        100_000, ge=1, description="least passages for which auto builds an approximate index"
    )
    ann_recall: float = Field(
        0.95,
        gt=0,
        le=1,
        description="recall@10 against exact search that an approximate index's search breadth "
        "is calibrated to at build time",
    )
    ann_retrain_growth: float = Field(
        0.25,
        ge=0,
        description="a build reuses the served build's trained IVF lists (no k-means) while "
        "its passages are within this share of those the lists were trained on (0: always "
        "train)",
    )
    language_centering: float = Field(
        0.5, ge=0, le=1, description="share of each language's mean vector removed"
    )

    # --- chunking --------------------------------------------------------------------
    chunk_tokens: int = Field(320, ge=16, description="chunk size in model tokens")
    chunk_overlap_tokens: int = Field(48, ge=0)
    title_tokens: int = Field(32, ge=0, description="title tokens prepended to each passage")

    # --- cleaning / de-duplication ---------------------------------------------------
    min_repeat_line_chars: int = Field(
        20, description="a line at least this long that repeats in one article is dropped"
    )
    # Off by default: it also drops template lines that reference corpora repeat as content
    # (docs/abstention.md, "A site's furniture dropped across articles").
    drop_earlier_article_lines: bool = Field(
        False,
        description="drop a line at least min_repeat_line_chars long that an earlier article "
        "of the build holds word for word (a scraped site's sign-up boxes, ads, contact "
        "lines); the first article keeps it",
    )
    drop_duplicates: bool = Field(True, description="drop exact and near-duplicate articles")
    near_duplicate_jaccard: float = Field(0.9, gt=0, le=1)
    minhash_permutations: int = Field(128, ge=16)
    shingle_words: int = Field(3, ge=1)

    # --- guard rails (rag/screening.py, rag/pipeline.py, index/builder.py) -----------
    max_article_chars: int = Field(
        1_000_000,
        ge=1,
        description="longest article indexed, in characters as read (a JSON record's text, a "
        "file's whole content, HTML markup included); a longer one is skipped with a reason "
        "before any cleaning, chunking or embedding, not truncated: a cut article would be "
        "cited as if whole, and text this long is seldom one article (more often a dump to "
        "split at the source)",
    )
    max_article_passages: int = Field(
        1000,
        ge=1,
        description="most passages one article may be chunked into; one with more is skipped "
        "with a reason before embedding (not truncated, as for max_article_chars)",
    )
    max_garbled_share: float = Field(
        0.01,
        ge=0,
        le=1,
        description="most share of an article's characters that may be undecodable bytes "
        "(U+FFFD) or control characters other than whitespace; more means binary data or "
        "another encoding than UTF-8, skipped with a reason (a NUL byte always is)",
    )
    min_letter_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="least share of letters among an article's non-space characters; fewer "
        "means no words (numbers, symbols), skipped with a reason. Low, since a page of a "
        "statistics table is mostly digits (0.09 letters in autorag-ko)",
    )

    # --- lexical parts ---------------------------------------------------------------
    lexicon_min_df: int = Field(2, ge=1, description="passages a word needs to enter a lexicon")
    bm25_k1: float = Field(1.2, gt=0)
    bm25_b: float = Field(0.75, ge=0, le=1)
