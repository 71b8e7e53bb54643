"""Fitting the abstention model: a logistic regression over ``rag.abstention.FEATURES``, its
threshold, and leave-one-set-out validation.

Shared by the fit command (``python -m eval.abstention``), which prints the model to ship,
and ``rag eval``, which reports for each question set how a model fitted on the other sets
does on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.abstention import FEATURES

L2 = 1e-2
# Most answerable questions of any one fitted set that the shipped threshold may answer
# "not found": below the 5% allowed on a set the fit has not seen, since a threshold fitted
# to the limit lands above it on some set left out (at 5%: liveqa-medquad 0.052, paraphrase
# 0.067; at 4%, with the dictionary's English translations: paraphrase-dev#tune 0.067).
ABSTAIN_MAX_FALSE = 0.03
# Most questions of one kind of one set in a fit (as `python -m eval.abstention --limit`): a
# set of thousands (KorQuAD) would otherwise outweigh every other set.
FIT_MAX_PER_GROUP = 600
FIT_SAMPLE_SEED = 5
THRESHOLD_MARGIN = 2e-4  # below a lone answerable question: more than the printed precision
FOREIGN_SEPARATOR = "<-"  # a foreign question's group: CORPUS-SUITE<-QUESTION-SUITE


@dataclass
class Sample:
    suite: str  # a foreign question's: "CORPUS-SUITE<-QUESTION-SUITE"
    kind: str  # "answerable", "unanswerable", "gold-removed", "foreign" or "altered"
    features: np.ndarray
    answerable: bool

    @property
    def group(self) -> str:
        return f"{self.suite}/{self.kind}"

    @property
    def suites(self) -> set[str]:
        """The suites the sample comes from: a foreign question's two, else one."""
        return set(self.suite.split(FOREIGN_SEPARATOR))


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-regularized logistic regression by Newton's method.

    Features are standardized for the fit, so that the penalty weighs them alike (a cosine
    moves by hundredths where a flag moves by one); the weights returned apply to raw ones."""
    mean = x.mean(axis=0)
    spread = x.std(axis=0)
    spread[spread < 1e-12] = 1.0  # a constant feature keeps a zero weight
    design = np.hstack([(x - mean) / spread, np.ones((len(x), 1))])
    balance = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    theta = np.zeros(design.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-design @ theta))
        gradient = design.T @ (balance * (p - y)) + L2 * theta
        hessian = (design * (balance * p * (1 - p))[:, None]).T @ design + L2 * np.eye(len(theta))
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = theta[:-1] / spread
    return weights, float(theta[-1] - weights @ mean)


def probabilities(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    probability: np.ndarray = 1 / (1 + np.exp(-(x @ weights + bias)))
    return probability


def choose_threshold(
    p: np.ndarray, y: np.ndarray, max_false: float, groups: np.ndarray | None = None
) -> float:
    """The highest threshold at which no group's answerable questions are wrongly answered
    'not found' more often than ``max_false`` (one group when ``groups`` is None).

    It lies halfway below the first answerable question that must still be answered, so that
    printing it to a few decimals cannot push that question under it."""
    groups = np.zeros(len(p), dtype=int) if groups is None else groups
    thresholds = []
    for group in np.unique(groups[y == 1]):
        positives = np.sort(p[(y == 1) & (groups == group)])
        allowed = int(np.floor(max_false * len(positives)))
        below = positives[allowed - 1] if allowed else positives[0] - THRESHOLD_MARGIN
        thresholds.append(float(positives[allowed] + below) / 2)
    return min(thresholds, default=0.5)


def rates(samples: list[Sample], abstained: np.ndarray) -> dict[str, tuple[int, float]]:
    """Per group: (count, share answered 'not found')."""
    out: dict[str, tuple[int, float]] = {}
    for group in sorted({s.group for s in samples}):
        rows = [i for i, s in enumerate(samples) if s.group == group]
        out[group] = (len(rows), float(np.mean(abstained[rows])))
    return out


def complete_matches(raw: np.ndarray, min_standout: float) -> np.ndarray:
    """Which samples the service answers whatever the model says: the best passages hold
    every concept of the question, its rarest included, and stand out (``SearchEngine.decide``)."""
    column = {name: i for i, name in enumerate(FEATURES)}
    complete: np.ndarray = (
        (raw[:, column["coverage"]] >= 1.0)
        & (raw[:, column["rarest_missing"]] == 0.0)
        & (raw[:, column["standout"]] >= min_standout)
    )
    return complete


def fit_and_decide(
    x: np.ndarray,
    y: np.ndarray,
    suites: np.ndarray,
    train: np.ndarray,
    max_false: float,
    answered: np.ndarray | None = None,
) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Weights, bias and threshold fitted on ``train``; which of all samples abstain.

    ``answered`` marks samples the service answers whatever the model says (complete lexical
    matches): the threshold is chosen, and abstention decided, as the service decides."""
    weights, bias = fit_logistic(x[train], y[train])
    p = probabilities(x, weights, bias)
    if answered is not None:
        p = np.where(answered, np.inf, p)
    threshold = choose_threshold(p[train], y[train], max_false, suites[train])
    return weights, bias, threshold, p < threshold


@dataclass(frozen=True)
class HeldOutRates:
    """How a model fitted without one set does on it."""

    suite: str
    answerable: int
    false_abstention: float  # share of its answerable questions answered "not found"
    unanswerable: int
    not_found: float  # share of its unanswerable questions answered "not found"
    gold_removed: int
    not_found_gold_removed: float
    # Its answerable questions asked of another set's corpus, and the other sets' asked of
    # its own (``python -m eval.abstention --foreign``): questions off a corpus's subject.
    foreign: int = 0
    not_found_foreign: float = float("nan")


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else float("nan")


def capped(samples: Sequence[Sample], per_group: int = FIT_MAX_PER_GROUP) -> np.ndarray:
    """A reproducible mask of at most ``per_group`` samples of every group (set and kind)."""
    rows: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        rows.setdefault(sample.group, []).append(i)
    mask = np.zeros(len(samples), dtype=bool)
    rng = np.random.default_rng(FIT_SAMPLE_SEED)
    for group in sorted(rows):
        chosen = rows[group]
        if len(chosen) > per_group:
            chosen = sorted(rng.choice(chosen, per_group, replace=False).tolist())
        mask[chosen] = True
    return mask


def leave_one_set_out(
    samples: Sequence[Sample], keep: np.ndarray, max_false: float, min_standout: float
) -> list[HeldOutRates]:
    """For each suite: fit weights and threshold on every other suite's samples (``keep``
    masks the features used; at most :data:`FIT_MAX_PER_GROUP` of a kind per set), then score
    all of that suite's samples as unseen, the complete lexical matches (``min_standout``:
    ``abstain_full_match_standout``) answered."""
    raw = np.stack([s.features for s in samples])
    x = raw * keep
    answered = complete_matches(raw, min_standout)
    y = np.array([1.0 if s.answerable else 0.0 for s in samples])
    suites = np.array([s.suite for s in samples])
    kinds = np.array([s.kind for s in samples])
    rows = []
    fittable = capped(samples)
    for suite in set_names(samples):
        mine = np.array([suite in s.suites for s in samples])
        train = ~mine & fittable
        if len(np.unique(y[train])) < 2:
            continue  # the other suites hold no negatives (or no positives): nothing to fit
        *_, abstained = fit_and_decide(x, y, suites, train, max_false, answered)
        answerable = mine & (kinds == "answerable")
        unanswerable = mine & (kinds == "unanswerable")
        removed = mine & (kinds == "gold-removed")
        foreign = mine & (kinds == "foreign")
        rows.append(
            HeldOutRates(
                suite,
                int(answerable.sum()),
                _share(abstained[answerable]),
                int(unanswerable.sum()),
                _share(abstained[unanswerable]),
                int(removed.sum()),
                _share(abstained[removed]),
                int(foreign.sum()),
                _share(abstained[foreign]),
            )
        )
    return rows


# The questions the subject model learns to mark: asked of a corpus that is not about them
# (another set's questions, `--foreign`) or that does not answer them.
SUBJECT_NEGATIVE_KINDS = ("foreign", "unanswerable")


@dataclass(frozen=True)
class SubjectModel:
    weights: np.ndarray
    bias: float
    threshold: float


def fit_subject(
    x: np.ndarray,
    y: np.ndarray,
    kinds: np.ndarray,
    suites: np.ndarray,
    train: np.ndarray,
    warned: np.ndarray,
    budget: float,
) -> SubjectModel:
    """The subject model fitted on ``train``'s answerable questions against its foreign and
    unanswerable ones, and the highest threshold at which it marks at most ``budget`` of each
    fitted set's answerable questions that nothing marks already (``warned``: answered "not
    found", under the caution threshold, or complete lexical matches, which it never marks)."""
    chosen = train & ((y == 1) | np.isin(kinds, SUBJECT_NEGATIVE_KINDS))
    weights, bias = fit_logistic(x[chosen], y[chosen])
    p = np.where(warned, np.inf, probabilities(x, weights, bias))
    # A set whose answerable questions are all marked already does not bind it (infinite).
    threshold = min(choose_threshold(p[chosen], y[chosen], budget, suites[chosen]), 1.0)
    return SubjectModel(weights, bias, threshold)


@dataclass(frozen=True)
class SubjectRates:
    """A set's questions warned about (answered "not found" or marked uncertain), without the
    subject model and with one fitted without the set."""

    suite: str
    answerable: tuple[int, float, float]  # count, share warned before, after
    unanswerable: tuple[int, float, float]
    foreign: tuple[int, float, float]
    gold_removed: tuple[int, float, float]


def subject_rates(
    samples: Sequence[Sample], suite: str, warned: np.ndarray, marked: np.ndarray
) -> SubjectRates:
    """``suite``'s questions warned about before (``warned``) and with the subject model's
    ``marked`` ones; its foreign questions are those asked of or by it."""
    suites = np.array([s.suite for s in samples])
    kinds = np.array([s.kind for s in samples])
    mine = np.array([suite in s.suites for s in samples])
    own = suites == suite
    after = warned | marked
    counted = [
        (int(chosen.sum()), _share(warned[chosen]), _share(after[chosen]))
        for chosen in (
            own & (kinds == "answerable"),
            own & (kinds == "unanswerable"),
            mine & (kinds == "foreign"),
            own & (kinds == "gold-removed"),
        )
    ]
    return SubjectRates(suite, *counted)


def set_names(samples: Sequence[Sample]) -> list[str]:
    """The suites of ``samples``, foreign pairs aside, in order."""
    return sorted({s.suite for s in samples if FOREIGN_SEPARATOR not in s.suite})


def subject_leave_one_out(
    samples: Sequence[Sample],
    keep: np.ndarray,
    warned: np.ndarray,
    complete: np.ndarray,
    budget: float,
) -> list[SubjectRates]:
    """For each suite: the subject model (over the features ``keep`` marks) fitted on every
    other suite's samples (at most :data:`FIT_MAX_PER_GROUP` of a kind per set), then the
    suite's questions warned about before and with it."""
    x = np.stack([s.features for s in samples]) * keep
    y = np.array([1.0 if s.answerable else 0.0 for s in samples])
    suites = np.array([s.suite for s in samples])
    kinds = np.array([s.kind for s in samples])
    fittable = capped(samples)
    rows = []
    for suite in set_names(samples):
        mine = np.array([suite in s.suites for s in samples])
        model = fit_subject(x, y, kinds, suites, ~mine & fittable, warned | complete, budget)
        marked = (probabilities(x, model.weights, model.bias) < model.threshold) & ~complete
        rows.append(subject_rates(samples, suite, warned, marked))
    return rows
