"""Query parameters: how one question is ranked, judged and cited.

The service's defaults come from the environment (``RAG_QUERY__*`` or the bare ``RAG_*``
names); a caller that wants others (an eval method, a benchmark pass, a test) passes its own
``QueryParams`` with the question instead of changing a shared engine."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.abstention import FEATURES
from rag.fitted import shipped_abstention, shipped_caution_threshold, shipped_reader_gate


class QueryParams(BaseModel):
    model_config = ConfigDict(frozen=True)

    # --- preparing the question ----------------------------------------------------
    pack_queries: bool = Field(
        True,
        description="embed a question and its new words in one padding-free forward pass "
        "(used only where the model's packed vectors match its own)",
    )

    # --- fusion ----------------------------------------------------------------------
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

    # --- spelling --------------------------------------------------------------------
    spelling_correction: bool = Field(
        True,
        description="a Latin-script word that no passage holds and no dictionary knows, and "
        "no name, is searched as the indexed term a typing slip away (vacine: vaccine), a "
        "Korean noun likewise, a slip being a jamo (흡엽로봇: 흡연로봇); the encoder still "
        "reads the question as typed",
    )
    spelling_min_chars: int = Field(
        5, ge=2, description="letters (jamo in Korean) of the shortest term corrected (one slip)"
    )
    spelling_two_edits_chars: int = Field(
        9,
        ge=2,
        description="letters (jamo in Korean) of the shortest term that may be two slips away",
    )

    # --- translation -----------------------------------------------------------------
    translate: bool = Field(True, description="add word translations to BM25 queries")
    translation_threshold: float = Field(
        0.88, gt=0, le=1, description="least word similarity for a cross-lingual translation"
    )
    translation_dictionary: bool = Field(
        True, description="translate Korean words the Basic Korean Dictionary knows by it"
    )
    translation_dictionary_english: bool = Field(
        True,
        description="translate English words by the same dictionary reversed: the Korean "
        "headwords that have the word as a sense (needs translation_dictionary)",
    )
    translation_splits_compounds: bool = Field(
        True,
        description="a Korean compound noun known to neither the lexicon nor the dictionary "
        "is translated by the dictionary words it is made of (환각버섯: 환각, 버섯)",
    )
    question_quantifiers_dropped: bool = Field(
        True,
        description="the word after 'how' in 'how much/many/long/often/far' is no term of the "
        "question, nor translated: it belongs to the question's wording, not its subject",
    )
    translation_english_phrases: bool = Field(
        True,
        description="two neighbouring English words that the dictionary reversed translates "
        "together (side effects: 부작용) are translated as one",
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

    # --- language partitions ---------------------------------------------------------
    min_partition_chunks: int = Field(
        50, ge=1, description="chunks a language needs to be ranked as its own partition"
    )
    merge_similarity_weight: float = Field(
        100.0, ge=0, description="weight of raw cosine when language partitions are merged"
    )
    cross_language_offset: float = Field(
        0.09, ge=0, description="cosine added to passages in another language than the question"
    )
    # Chosen by `python -m eval.lead_coverage` (docs/abstention.md, "Keyword questions"):
    # among the slacks that give the fitted sentence sets their best precision@1, the one
    # that leads the most keyword questions with their article.
    lead_coverage_slack: float = Field(
        0.2,
        ge=0,
        description="a passage in another language than the question leads only if it holds "
        "the question's concepts (terms or their translations, IDF-weighted share) at least "
        "as much as the best passage in the question's language, less this slack (1: off)",
    )
    cross_language_offset_needs_term: bool = Field(
        True,
        description="the offset lifts only passages that share a term or a translated term "
        "with the question: the encoder's cosine alone is no cross-lingual answer",
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
    lead_uncovered_follow: bool = Field(
        True,
        description="when the question's language leads, a passage in another language among "
        "the first sentence_rerank_depth that holds less of the question's concepts than the "
        "lead, less lead_coverage_slack, follows every other passage",
    )
    # Learned by the same command: the best mean answer-hit@5 over the fitted sets.
    lead_demotion: float = Field(
        6.0,
        ge=0,
        description="merged score taken from every passage in another language than the "
        "question when one in the question's language leads (0: off; needs lead_margin)",
    )

    # --- answering -------------------------------------------------------------------
    top_k: int = Field(5, ge=1)
    max_passage_chars: int = Field(
        2500, ge=1, description="longest passage made by joining neighbouring chunks"
    )
    highlight_sentences: int = Field(1, ge=1, description="sentences quoted per passage")
    highlight_number_bonus: float = Field(
        0.2,
        ge=0,
        description="added to the score (0..1, share of question terms) of a sentence with a "
        "digit when the question asks for a number or a date",
    )
    # Fitted on crosslingual-dev, paraphrase-dev#tune, seed-qa and korquad-v1-dev (600) by
    # `rag eval ... --compare highlight_kind_bonus=...` (docs/quotes.md).
    highlight_kind_bonus: float = Field(
        0.2,
        ge=0,
        description="added to the score of a sentence stating the kind of quantity the question "
        "asks for: a share, money, a date, a change, a measure or a count "
        "(rag.question_type.ANSWER_KINDS)",
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

    # --- abstention (rag.judge) ------------------------------------------------------
    abstain: bool = Field(True, description="answer 'not found' when evidence is weak")
    abstain_passages: int = Field(3, ge=1, description="top passages read for the decision")
    # The logistic model over rag.abstention.FEATURES that `python -m eval.abstention ...
    # --write rag/fitted/abstention.json` fitted: that file holds the weights, bias and
    # threshold with the record of the fit (its command, the sets held out, the rates); the
    # environment overrides them. docs/abstention.md has the figures.
    abstain_weights: tuple[float, ...] = Field(
        default_factory=lambda: tuple(shipped_abstention().weights),
        min_length=len(FEATURES),
        max_length=len(FEATURES),
        description="one weight per rag.abstention.FEATURES, in that order",
    )
    abstain_bias: float = Field(default_factory=lambda: shipped_abstention().bias)
    abstain_threshold: float = Field(
        default_factory=lambda: shipped_abstention().threshold, ge=0, le=1
    )
    caution_threshold: float = Field(
        default_factory=shipped_caution_threshold,
        ge=0,
        le=1,
        description="confidence under which a found answer is marked uncertain: its passages "
        "are cited with a word that they may not answer (fitted: python -m eval.caution)",
    )
    # The subject model (`python -m eval.subject ... --write`, in the same file): an answer
    # found whose question looks off the corpus's subject is marked uncertain, never hidden.
    subject_weights: tuple[float, ...] = Field(
        default_factory=lambda: tuple(
            shipped_abstention().subject_weights or [0.0] * len(FEATURES)
        ),
        min_length=len(FEATURES),
        max_length=len(FEATURES),
        description="one weight per rag.abstention.FEATURES, in that order",
    )
    subject_bias: float = Field(default_factory=lambda: shipped_abstention().subject_bias)
    subject_threshold: float = Field(
        default_factory=lambda: shipped_abstention().subject_threshold,
        ge=0,
        le=1,
        description="probability of the subject model under which a found answer is marked "
        "uncertain (0: never)",
    )
    abstain_full_match_standout: float = Field(
        1.0, description="a passage holding all question terms answers if it stands out this far"
    )

    # --- the reader (rag.reader; trained by python -m eval.train_reader) ---------------
    reader: bool = Field(
        False,
        description="read the first passages with the trained reader: the answer span is "
        "marked in its passage, its sentence quoted, and a question none of them answers "
        "is answered 'not found'",
    )
    reader_passages: int = Field(2, ge=1, description="first passages the reader reads")
    reader_context_chars: int = Field(
        900, ge=100, description="characters of a passage read, centred on its quoted sentence"
    )
    reader_min_margin: float = Field(
        default_factory=shipped_reader_gate,
        description="least reader margin (span score over no-answer score) of some read "
        "passage for an answer to be found (fitted: rag/fitted/reader_gate.json)",
    )

    def but(self, **changes: Any) -> QueryParams:
        """These parameters with ``changes``, validated like the environment's; a name that
        is no ranking parameter is an error (it would otherwise change nothing)."""
        unknown = sorted(set(changes) - set(type(self).model_fields))
        if unknown:
            raise ValueError(f"no ranking parameter is called {', '.join(map(repr, unknown))}")
        return QueryParams.model_validate({**self.model_dump(), **changes})
