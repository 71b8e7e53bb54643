"""One settings object for the whole service; every field reads a ``RAG_`` environment variable.

``RAG_INDEX_DIR=/srv/index rag serve`` serves another index; ``RAG_CHUNK_TOKENS=128 rag build``
builds with smaller chunks. Nothing else in the code base hard-codes a tunable number.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.abstention import FEATURES
from rag.fitted import shipped_abstention

DEFAULT_MODEL = "multilingual-e5-small"
_PROJECT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    # --- embedding model -------------------------------------------------------------
    model: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model: the bundled name, a local path or a hub name",
    )
    models_dir: Path = Field(
        Path("~/.cache/rag/models"), description="where provisioned models are written"
    )
    query_prompt: str = Field("query", description="prompt name for questions")
    passage_prompt: str = Field("document", description="prompt name for passages")
    title_prompt: str = Field(
        "query", description="prompt name for article titles (matched like another question)"
    )
    embed_batch_size: int = Field(32, ge=1)
    device: str = "cpu"
    encoder_backend: Literal["torch", "onnx"] = Field(
        "onnx",
        description="what runs the model: onnx (ONNX Runtime, exported offline from the same "
        "weights by `rag model`; about 3x faster per question) or torch (sentence-transformers "
        "on PyTorch, which packs a question with its new words in one pass)",
    )
    build_encoder_backend: Literal["torch", "onnx"] = Field(
        "torch",
        description="what runs the model on a build's batches of passages, titles and words "
        "(bench.encoders: ONNX Runtime is no faster than PyTorch on long batches here)",
    )
    encoder_tolerance: float = Field(
        0.999,
        gt=0,
        le=1,
        description="least cosine between the probe vectors a build stored and the serving "
        "encoder's: below it the index is refused (another model, backend or precision)",
    )
    query_analyzer_threads: int = Field(
        2,
        ge=0,
        description="kiwipiepy threads analysing the sentences of cited passages (0: none)",
    )
    pack_queries: bool = Field(
        True,
        description="embed a question and its new words in one padding-free forward pass "
        "(used only where the model's packed vectors match its own)",
    )

    # --- index -----------------------------------------------------------------------
    index_dir: Path = Field(Path("var/index"), description="root of the served index")
    demo_corpus: Path = Field(
        _PROJECT / "data" / "demo",
        description="articles indexed when the service starts without an index",
    )
    faiss_factory: str = Field(
        "Flat", description="FAISS index_factory string (inner product); e.g. HNSW32"
    )
    faiss_ef_search: int = Field(64, ge=1, description="HNSW search breadth")
    faiss_nprobe: int = Field(16, ge=1, description="IVF lists searched")
    cache_dir: Path = Field(
        Path("~/.cache/rag"), description="stored passage embeddings, shared by all builds"
    )
    keep_builds: int = Field(2, ge=1, description="old index builds kept after a swap")

    # --- chunking --------------------------------------------------------------------
    chunk_tokens: int = Field(320, ge=16, description="chunk size in model tokens")
    chunk_overlap_tokens: int = Field(48, ge=0)
    title_tokens: int = Field(32, ge=0, description="title tokens prepended to each passage")

    # --- cleaning / de-duplication ---------------------------------------------------
    min_repeat_line_chars: int = Field(
        20, description="a line at least this long that repeats in one article is dropped"
    )
    drop_duplicates: bool = Field(True, description="drop exact and near-duplicate articles")
    near_duplicate_jaccard: float = Field(0.9, gt=0, le=1)
    minhash_permutations: int = Field(128, ge=16)
    shingle_words: int = Field(3, ge=1)

    # --- build guard rails (rag/screening.py, rag/pipeline.py, index/builder.py) -------------
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

    # --- retrieval -------------------------------------------------------------------
    candidates: int = Field(300, ge=1, description="hits taken from each retriever")
    fusion: Literal["zscore", "rrf"] = Field(
        "zscore", description="zscore: adaptive convex combination of z-scores; rrf: rank fusion"
    )
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    bm25_weight: float = Field(1.0, ge=0)
    title_weight: float = Field(
        1.0,
        ge=0,
        description="weight of the question-title ranking in fusion, scaled by the corpus's "
        "distinct titles per titled article (0: off)",
    )
    syllable_weight: float = Field(
        1.0,
        ge=0,
        description="weight in fusion of BM25 over Hangul syllable bigrams, for questions in "
        "Korean: it matches names the morpheme analyzer splits differently (0: off)",
    )
    phrase_weight: float = Field(
        1.0,
        ge=0,
        description="weight in fusion of BM25 over pairs of neighbouring terms, for the "
        "question's language; it weighs by how far its best passage stands out among those "
        "sharing a pair (0: off)",
    )
    sentence_weight: float = Field(
        2.0,
        ge=0,
        description="added to a first fused passage's score, times the spread (standard "
        "deviation) of those passages' fused scores and the IDF-weighted share of the "
        "question's terms its best sentence holds, raised to sentence_share_power (0: off)",
    )
    sentence_share_power: float = Field(
        4.0,
        gt=0,
        description="power of the best sentence's share: a sentence holding every term counts "
        "far more than one holding most",
    )
    sentence_cross_power: float = Field(
        1.0,
        gt=0,
        description="that power in a language partition without the question's language, "
        "where the share counts translations, which rarely cover a whole question",
    )
    sentence_rerank_depth: int = Field(
        10, ge=0, description="first fused passages of each partition re-scored by sentence"
    )
    feedback_passages: int = Field(
        3, ge=0, description="top fused passages whose mean vector expands the query (0: off)"
    )
    feedback_weight: float = Field(0.5, ge=0, description="weight of that mean vector")
    language_centering: float = Field(
        0.5, ge=0, le=1, description="share of each language's mean vector removed (build)"
    )
    translate: bool = Field(True, description="add word translations to BM25 queries")
    translation_threshold: float = Field(
        0.88, gt=0, le=1, description="least word similarity for a cross-lingual translation"
    )
    translation_dictionary: bool = Field(
        True, description="translate Korean words the Basic Korean Dictionary knows by it"
    )
    dictionary_senses: int = Field(
        2,
        ge=1,
        description="dictionary senses kept per word (the nearest, see dictionary_senses_by)",
    )
    dictionary_senses_by: Literal["question", "word"] = Field(
        "question",
        description="what a word's dictionary senses are chosen by: the question's embedding "
        "(the word needs none of its own) or the word's",
    )
    transliteration_neighbours: int = Field(
        10,
        ge=0,
        description="nearest lexicon words searched for one that sounds like a question word "
        "(same consonant skeleton: 트렘피어 = Tremfya); 0: off",
    )
    lexicon_min_df: int = Field(2, ge=1, description="passages a word needs to enter a lexicon")
    lexicon_faiss_factory: str = Field(
        "HNSW32", description="FAISS index of lexicon words for translation (Flat: exact)"
    )
    translation_cache: int = Field(20000, ge=0, description="question words kept embedded")
    min_partition_chunks: int = Field(
        50, ge=1, description="chunks a language needs to be ranked as its own partition"
    )
    merge_similarity_weight: float = Field(
        100.0, ge=0, description="weight of raw cosine when language partitions are merged"
    )
    cross_language_offset: float = Field(
        0.09, ge=0, description="cosine added to passages in another language than the question"
    )
    # Learned by `python -m eval.lead --fit "eval/sets/paraphrase-dev#tune"
    # eval/sets/crosslingual-dev ../shared/evalsets/seed-qa --report
    # "eval/sets/paraphrase-dev#report"`: the best mean precision@1 over the fitted sets.
    lead_margin: float = Field(
        1.0,
        ge=0,
        description="merged score by which the best passage in another language than the "
        "question must beat the best in the question's language to be cited first (0: off)",
    )
    bm25_k1: float = Field(1.2, gt=0)
    bm25_b: float = Field(0.75, ge=0, le=1)

    # --- answering -------------------------------------------------------------------
    top_k: int = Field(5, ge=1)
    max_top_k: int = Field(50, ge=1)
    max_passage_chars: int = Field(
        2500, ge=1, description="longest passage made by joining neighbouring chunks"
    )
    max_question_chars: int = Field(1000, ge=1)
    highlight_sentences: int = Field(1, ge=1, description="sentences quoted per passage")
    highlight_number_bonus: float = Field(
        0.2,
        ge=0,
        description="added to the score (0..1, share of question terms) of a sentence with a "
        "digit when the question asks for a number or a date",
    )
    highlight_focus_bonus: float = Field(
        2.0,
        ge=0,
        description="a Korean question's last term (what it asks about, Korean being "
        "head-final) and its translations weigh 1 + this times their IDF in choosing the quote",
    )
    highlight_dense_max_sentences: int = Field(
        40, ge=0, description="most sentences embedded to highlight a cross-lingual answer"
    )
    abstain: bool = Field(True, description="answer 'not found' when evidence is weak")
    abstain_passages: int = Field(3, ge=1, description="top passages read for the decision")
    # The logistic model over rag.abstention.FEATURES that `python -m eval.abstention ...
    # --write rag/fitted/abstention.json` fitted: that file holds the weights, bias and
    # threshold with the record of the fit (its command, the sets held out, the rates); the
    # environment overrides them. docs/abstention.md has the figures.
    abstain_weights: list[float] = Field(
        default_factory=lambda: list(shipped_abstention().weights),
        min_length=len(FEATURES),
        max_length=len(FEATURES),
        description="one weight per rag.abstention.FEATURES, in that order",
    )
    abstain_bias: float = Field(default_factory=lambda: shipped_abstention().bias)
    abstain_threshold: float = Field(
        default_factory=lambda: shipped_abstention().threshold, ge=0, le=1
    )
    abstain_full_match_standout: float = Field(
        1.0, description="a passage holding all question terms answers if it stands out this far"
    )

    # --- evaluation ------------------------------------------------------------------
    eval_index_dir: Path = Field(Path("var/eval"), description="indexes of evaluation corpora")
    eval_news_corpus: list[Path] = Field(
        default_factory=lambda: [
            _PROJECT / "data" / "demo",
            _PROJECT.parent / "shared" / "corpora" / "health-news-en",
            _PROJECT.parent / "shared" / "corpora" / "science-news-ko",
        ],
        description="corpus of answer-span question sets that name none",
    )
    eval_candidates: int = Field(300, ge=1, description="ranking depth for recall@100")

    # --- HTTP ------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    reload_interval_s: float = Field(
        5.0, ge=0, description="how often the server looks for a newer build (0: never)"
    )

    # --- HTTP guard rails (api/limits.py) ------------------------------------------------
    max_body_bytes: int = Field(
        64 * 1024, ge=1, description="largest request body; a larger one is answered 413 unread"
    )
    body_timeout_s: float = Field(
        10.0, gt=0, description="seconds a request's body may take to arrive in full (then 408)"
    )
    max_json_depth: int = Field(
        32, ge=1, description="deepest nesting of arrays and objects in a JSON body (then 422)"
    )
    max_in_flight: int = Field(
        16, ge=1, description="/ask and /search requests served at once; more get 503 overloaded"
    )
    retry_after_s: int = Field(1, ge=0, description="Retry-After (seconds) of a 503 refusal")
    keep_alive_timeout_s: int = Field(
        5, ge=1, description="seconds an idle keep-alive connection stays open (uvicorn)"
    )

    # --- observability and admin (api/metrics.py, api/admin.py, index/reindex.py) ------
    metrics_latency_buckets_s: list[float] = Field(
        default_factory=lambda: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        min_length=1,
        description="upper bounds (seconds) of the buckets of the /metrics request latency "
        "histogram",
    )
    request_id_header: str = Field(
        "X-Request-ID",
        description="header of a request's id: taken from the request when it has a usable one, "
        "else made up; returned on the response and written in the request's log line",
    )
    admin_api_key: SecretStr | None = Field(
        None,
        description="key of the /admin routes (Authorization: Bearer KEY or X-API-Key: KEY); "
        "unset: the /admin routes do not exist",
    )
    admin_allowed_roots: list[Path] = Field(
        default_factory=list,
        description="folders (JSON list) inside which POST /admin/reindex accepts paths; empty: "
        "it only rebuilds the served build's own recorded inputs",
    )
    reindex_nice: int = Field(
        10, ge=0, le=19, description="niceness added to a reindex's build process (0: none)"
    )
    reindex_timeout_s: float = Field(
        3600.0, gt=0, description="a reindex still running after this long is stopped (failed)"
    )
    reindex_stop_grace_s: float = Field(
        5.0, gt=0, description="seconds a stopped build has to clean up before it is killed"
    )
    reindex_log_lines: int = Field(
        20, ge=0, description="last lines of a reindex's output kept for its status"
    )
    reindex_jobs_kept: int = Field(20, ge=1, description="finished reindex jobs kept for status")
    admin_wait_max_s: float = Field(
        120.0, ge=0, description="longest ?wait= of GET /admin/reindex/{id} (seconds)"
    )

    def resolved_models_dir(self) -> Path:
        return self.models_dir.expanduser()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
