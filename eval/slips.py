"""Questions as typed in a hurry: a set's questions with one typing slip each
(``rag eval SET~slips``).

People misspell the words that matter most, the long ones. Each English question's longest
lower-case Latin-script word of at least ``MIN_SLIP_LETTERS`` letters (a name, capitalised,
is left alone) gets one slip inside it, chosen with a fixed seed: a letter dropped, two
neighbours swapped, a letter doubled, or a vowel changed. A Korean question's longest run of
Hangul syllables (of at least ``MIN_SLIP_SYLLABLES``) gets one wrong key in one of its
syllables but the last (often a particle): a vowel, an initial or a final consonant changed,
a final dropped or one added. Questions with no such word stay as written, so the set is the
same questions and compares with the set as written pair by pair. Nothing is tuned on these:
they measure what spelling correction (``rag.spelling``, ``rag.korean_spelling``) gives back
of what the slips cost.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

from eval.datasets import SLIPS_SUFFIX, EvalQuestion, EvalSet

SLIP_SEED = 17
MIN_SLIP_LETTERS = 6
MIN_SLIP_SYLLABLES = 3
_LOWER_WORD = re.compile(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])")
_HANGUL_RUN = re.compile(r"[가-힣]+")
_VOWELS = "aeiou"
# Hangul syllables are composed arithmetically: (initial * 21 + vowel) * 28 + final.
_SYLLABLE_BASE, _INITIALS, _MEDIALS, _FINALS = 0xAC00, 19, 21, 28


def slip(word: str, rng: random.Random) -> str:
    """``word`` with one slip inside it (its first and last letters kept)."""
    at = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("drop", "swap", "double", "vowel"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "swap" and word[at] != word[at + 1]:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == "vowel":
        vowels = [i for i in range(1, len(word) - 1) if word[i] in _VOWELS]
        if vowels:
            i = rng.choice(vowels)
            return word[:i] + rng.choice(_VOWELS.replace(word[i], "")) + word[i + 1 :]
    return word[:at] + word[at] + word[at:]  # doubled


def korean_slip(word: str, rng: random.Random) -> str:
    """``word`` (Hangul syllables) with one wrong key in one syllable but its last."""
    at = rng.randrange(0, len(word) - 1)
    initial, rest = divmod(ord(word[at]) - _SYLLABLE_BASE, _MEDIALS * _FINALS)
    vowel, final = divmod(rest, _FINALS)
    kind = rng.choice(("vowel", "initial", "final"))
    if kind == "vowel":
        vowel = rng.choice([v for v in range(_MEDIALS) if v != vowel])
    elif kind == "initial":
        initial = rng.choice([i for i in range(_INITIALS) if i != initial])
    else:  # a final dropped, or one added or changed
        final = (
            0
            if final and rng.random() < 0.5
            else rng.choice([f for f in range(1, _FINALS) if f != final])
        )
    syllable = chr(_SYLLABLE_BASE + (initial * _MEDIALS + vowel) * _FINALS + final)
    return word[:at] + syllable + word[at + 1 :]


def with_slip(question: EvalQuestion, rng: random.Random) -> EvalQuestion | None:
    """``question`` with a slip in its longest Hangul run, or else in its longest lower-case
    word (None: it has neither)."""
    runs = [m for m in _HANGUL_RUN.finditer(question.text) if len(m.group()) >= MIN_SLIP_SYLLABLES]
    words = [m for m in _LOWER_WORD.finditer(question.text) if len(m.group()) >= MIN_SLIP_LETTERS]
    if runs:
        longest, slipped = max(runs, key=lambda m: len(m.group())), korean_slip
    elif words:
        longest, slipped = max(words, key=lambda m: len(m.group())), slip
    else:
        return None
    text = (
        question.text[: longest.start()]
        + slipped(longest.group(), rng)
        + question.text[longest.end() :]
    )
    return replace(question, text=text)


def with_slips(eval_set: EvalSet) -> EvalSet:
    """``eval_set`` with its questions slipped (those with a word to slip in)."""
    rng = random.Random(SLIP_SEED)
    slipped = [with_slip(q, rng) or q for q in eval_set.questions]
    return replace(eval_set, name=eval_set.name + SLIPS_SUFFIX, questions=slipped)


def main(argv: list[str] | None = None) -> int:
    """``python -m eval.slips SET...``: for each set, how its slipped words are searched, and
    the corrections made to its questions as written."""
    import argparse
    from pathlib import Path

    from eval.datasets import load_eval_set
    from eval.report import markdown_table
    from eval.runner import engine_for
    from rag.config import Settings
    from rag.embedding.encoder import Encoder

    parser = argparse.ArgumentParser(prog="python -m eval.slips", description=__doc__)
    parser.add_argument("sets", nargs="+", metavar="SET")
    args = parser.parse_args(argv)
    settings = Settings()
    corpus = [Path(p) for p in settings.eval.eval_news_corpus]
    encoder = Encoder(settings)
    rows = []
    as_written: list[str] = []
    for path in args.sets:
        written = load_eval_set(Path(path), corpus)
        engine, _ = engine_for(written, settings, encoder, progress=True)
        slipped = with_slips(written)
        originals = {q.id: q for q in written.questions}
        counts = {"its own term": 0, "another term": 0, "as typed": 0}
        terms: dict[str, set[str]] = {}  # each question's terms as written
        for question in written.questions:
            query = engine.make_query(question.text)
            terms[question.id] = set(query.terms)
            as_written.extend(
                f"{written.name} {question.id}: {c}" for c in query.corrections.items()
            )
        changed = [q for q in slipped.questions if q.text != originals[q.id].text]
        for question in changed:
            query = engine.make_query(question.text)
            if not query.corrections:
                counts["as typed"] += 1
            elif set(query.terms) <= terms[question.id]:
                counts["its own term"] += 1
            else:
                counts["another term"] += 1
        rows.append(
            [slipped.name, str(len(slipped.questions)), str(len(changed))]
            + [str(count) for count in counts.values()]
        )
    header = ["set", "questions", "slipped", "searched as its own term", "as another", "as typed"]
    print(markdown_table(header, rows))
    print("\ncorrections made to the questions as written (word, word put in its place):")
    print("\n".join(as_written) or "none")
    return 0


if __name__ == "__main__":
    from eval.command import run

    run(main, "python -m eval.slips")
