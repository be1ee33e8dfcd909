"""Turning judges' scores into a calibrated ranking with ties, prize-place probabilities and review flags.

Entries are ranked by their calibrated score: what the panel's average judge would have given them, once
each judge's leniency, use of the scale and reliability have been learnt from all the scores together
(see calibration.py). Every entry also gets its raw mean beside it, how likely it is to finish in a prize
place, and flags that say where one more review would help most.

Pure: plain values in, frozen dataclasses out; no Flask, no database.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from app.judging.calibration import PanelFit, fit_panel, leave_one_out

EntryId = int | str
JudgeId = int | str
Review = tuple[EntryId, JudgeId, float]

# By default entries tie within a thousandth of the scale's range: 0.009 points on a 1-10 rubric, about
# what two decimals show, and far below any entry's own uncertainty (tenths of a point). So only entries
# the evidence hardly tells apart tie; how sure each place is, place_probability says.
DEFAULT_TOLERANCE_SHARE = 0.001
DEFAULT_DRAWS = 2000

OUTLIER_RESIDUAL = 3.0  # a review this many of its judge's noise SDs from the prediction is an outlier
NEAR_LINE = (0.1, 0.9)  # prize-place probabilities that call for another review
LOW_WEIGHT_SHARE = 0.1  # a judge worth less than a tenth of the panel's typical judge "carries no weight"
_DRAW_CHUNK_VALUES = 4_000_000  # draws are made in slices of about this many numbers to bound memory

JUDGES_DISAGREE = "judges_disagree"
NEAR_PRIZE_LINE = "near_prize_line"
FRAGILE = "fragile"
LOW_WEIGHT_JUDGE = "low_weight_judge"
FEW_REVIEWS = "few_reviews"
DISCONNECTED = "disconnected"

# Not set by ``rank``: results mark entries no judge reviewed, which the sponsor accepted unranked.
UNREVIEWED = "unreviewed"

FLAG_SENTENCES: dict[str, str] = {
    UNREVIEWED: "No judge reviewed it: it is listed last, unranked, and wins no prize.",
    JUDGES_DISAGREE: "One judge's score is far from what the other judges' scores predict.",
    NEAR_PRIZE_LINE: "Whether it finishes in a prize place is uncertain.",
    FRAGILE: "Leaving out any one of its reviews would move it across the prize line.",
    LOW_WEIGHT_JUDGE: "One of its judges scored unlike the rest of the panel, so that review counts for little.",
    FEW_REVIEWS: "It has fewer reviews than most entries.",
    DISCONNECTED: (
        "Its judges reviewed no entry in common with the main panel, so its place against other entries "
        "assumes those judges are as lenient as the panel on average."
    ),
}


def describe_flag(code: str) -> str:
    """The sentence a sponsor reads for a flag code."""
    return FLAG_SENTENCES[code]


@dataclass(frozen=True)
class RankedEntry:
    """One entry's place, its calibrated and raw scores, how certain the place is, and review flags.

    calibrated_score is on the rubric's scale: the score the panel's average judge would give the entry. It
    can pass the end of the scale a little when every judge gave the top score (a 10 means "10 or more"),
    and an entry with fewer reviews is pulled further toward the middle of the field, because fewer
    judges' word is weaker evidence. sd is the uncertainty of calibrated_score in the same points.
    place_probability and p_first are probabilities (0 to 1) of finishing within the prize places and first; they
    leave out the uncertainty about the judges themselves, so read 0.9 as "very likely", not certain.
    """

    entry_id: EntryId
    rank: int
    calibrated_score: float
    raw_mean: float
    place_probability: float
    p_first: float
    sd: float
    tie_group: int
    review_count: int
    flags: tuple[str, ...]

    @property
    def flag_sentences(self) -> tuple[str, ...]:
        return tuple(describe_flag(code) for code in self.flags)


@dataclass(frozen=True)
class JudgeEstimate:
    """How a judge scores, for the sponsor's chart.

    leniency is the score this judge gives an average entry; scale is how many points they move per unit
    of quality (0: their scores don't follow quality at all); noise is the typical size, in points, of
    their scores' disagreement with the panel; relative_weight is how much one of their reviews counts
    against one from the panel's median judge.
    """

    judge_id: JudgeId
    leniency: float
    scale: float
    noise: float
    review_count: int
    relative_weight: float


@dataclass(frozen=True)
class Ranking:
    """A calibrated ranking: entries best first, and what was learnt about each judge."""

    entries: tuple[RankedEntry, ...]  # best first
    judges: tuple[JudgeEstimate, ...]  # by judge id


@dataclass(frozen=True)
class RawRankedEntry:
    """An entry's place by the plain mean of its scores (for comparison only)."""

    entry_id: EntryId
    rank: int
    raw_mean: float
    review_count: int


def _order_key(value: EntryId | JudgeId) -> tuple[bool, EntryId | JudgeId]:
    # Numbers before text, so ids of either kind sort the same way every time.
    return (isinstance(value, str), value)


@dataclass(frozen=True)
class _Design:
    scale: tuple[float, float]
    entry_ids: list[EntryId]  # sorted
    judge_ids: list[JudgeId]  # sorted
    entry_index: np.ndarray
    judge_index: np.ndarray
    scores: np.ndarray


def _design(reviews: Iterable[Review], scale: tuple[float, float]) -> _Design:
    """Validated reviews as index arrays, in a canonical order so input order never matters."""
    low, high = _check_scale(scale)
    rows: list[tuple[EntryId, JudgeId, float]] = []
    for review in reviews:
        entry_id, judge_id, score = review
        value = float(score)
        if not (np.isfinite(value) and low <= value <= high):
            raise ValueError(
                f"Score {score!r} for entry {entry_id!r} by judge {judge_id!r} is outside the scale "
                f"{low:g} to {high:g}."
            )
        rows.append((entry_id, judge_id, value))
    rows.sort(key=lambda row: (_order_key(row[0]), _order_key(row[1])))
    for before, after in itertools.pairwise(rows):
        if before[:2] == after[:2]:
            raise ValueError(f"Judge {after[1]!r} reviewed entry {after[0]!r} more than once.")
    entry_ids = sorted({row[0] for row in rows}, key=_order_key)
    judge_ids = sorted({row[1] for row in rows}, key=_order_key)
    entry_pos = {entry_id: i for i, entry_id in enumerate(entry_ids)}
    judge_pos = {judge_id: i for i, judge_id in enumerate(judge_ids)}
    return _Design(
        scale=(low, high),
        entry_ids=entry_ids,
        judge_ids=judge_ids,
        entry_index=np.fromiter((entry_pos[row[0]] for row in rows), dtype=np.intp, count=len(rows)),
        judge_index=np.fromiter((judge_pos[row[1]] for row in rows), dtype=np.intp, count=len(rows)),
        scores=np.fromiter((row[2] for row in rows), dtype=np.float64, count=len(rows)),
    )


def _check_scale(scale: tuple[float, float]) -> tuple[float, float]:
    low, high = (float(end) for end in scale)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"The scale must run from a lower to a higher number, not {scale!r}.")
    return low, high


def raw_mean_rank(reviews: Sequence[Review], scale: tuple[float, float]) -> tuple[RawRankedEntry, ...]:
    """The usual platform rule, for comparison: entries by the plain mean of their scores, best first.

    Entries with exactly the same mean share a rank and are listed by entry id.
    """
    design = _design(reviews, scale)
    if not design.entry_ids:
        return ()
    counts = np.bincount(design.entry_index)
    means = np.bincount(design.entry_index, design.scores) / counts
    order = np.lexsort((np.arange(means.size), -means))
    result: list[RawRankedEntry] = []
    rank = 0
    for position, i in enumerate(order, start=1):
        if position == 1 or means[i] != means[order[position - 2]]:
            rank = position
        result.append(RawRankedEntry(design.entry_ids[i], rank, float(means[i]), int(counts[i])))
    return tuple(result)


def rank(
    reviews: Sequence[Review],
    *,
    scale: tuple[float, float],
    prize_places: int = 3,
    tolerance: float | None = None,
    seed: int = 0,
    draws: int = DEFAULT_DRAWS,
) -> Ranking:
    """Rank entries by calibrated score, best first, with ties, prize-place probabilities and flags.

    The calibrated score is what the panel's average judge would have given the entry, once each judge's
    leniency, use of the scale and consistency are learnt from all the scores together; so an entry can
    rank above one with a higher raw mean when its judges were harsher than the panel.

    Each review is (entry_id, judge_id, score), the score being the review's weighted rubric total on
    ``scale = (low, high)``. Ties: going down the list, an entry joins the tie group above it when its
    calibrated score is within ``tolerance`` points of that group's highest score, so every two entries
    in a group are within ``tolerance`` of each other (default: a thousandth of the scale's range). Tied
    entries share the best place among them and are listed by entry id. Prize-place probabilities come
    from ``draws`` draws of every entry's quality from its posterior; ``seed`` makes them repeatable. An
    entry whose judges reviewed nothing in common with the main panel is still ranked, on the assumption
    that its judges are as lenient as the panel on average, and flagged ``disconnected``.
    """
    if prize_places < 1:
        raise ValueError("There must be at least one prize place.")
    if tolerance is not None and not (np.isfinite(tolerance) and tolerance >= 0):
        raise ValueError("The tie tolerance must be zero or a positive number of points.")
    if draws < 1:
        raise ValueError("At least one draw is needed to estimate prize-place probabilities.")
    design = _design(reviews, scale)
    n_entries, n_judges = len(design.entry_ids), len(design.judge_ids)
    if n_entries == 0:
        return Ranking(entries=(), judges=())
    e, j, y = design.entry_index, design.judge_index, design.scores
    fit = fit_panel(e, j, y, n_entries=n_entries, n_judges=n_judges, scale=design.scale)

    panel_leniency, panel_scale = fit.panel_leniency, fit.panel_scale
    calibrated = panel_leniency + panel_scale * fit.quality
    score_sd = panel_scale * np.sqrt(fit.quality_var)
    review_count = np.bincount(e, minlength=n_entries)
    raw_mean = np.bincount(e, y, minlength=n_entries) / review_count

    if tolerance is None:
        tolerance = DEFAULT_TOLERANCE_SHARE * (design.scale[1] - design.scale[0])
    order, tie_group, ranks = _order_with_ties(calibrated, tolerance)
    place_probability, p_first = _place_probabilities(
        fit.quality, np.sqrt(fit.quality_var), prize_places, seed, draws
    )
    information = fit.scale**2 / fit.noise_var
    relative_weight = _relative_weight(information)
    flags = _flags(
        fit=fit,
        design=design,
        calibrated=calibrated,
        order=order,
        place_probability=place_probability,
        review_count=review_count,
        low_weight_judge=relative_weight < LOW_WEIGHT_SHARE,
        prize_places=prize_places,
    )

    entries = tuple(
        RankedEntry(
            entry_id=design.entry_ids[i],
            rank=int(ranks[i]),
            calibrated_score=float(calibrated[i]),
            raw_mean=float(raw_mean[i]),
            place_probability=float(place_probability[i]),
            p_first=float(p_first[i]),
            sd=float(score_sd[i]),
            tie_group=int(tie_group[i]),
            review_count=int(review_count[i]),
            flags=flags[i],
        )
        for i in order
    )
    judge_reviews = np.bincount(j, minlength=n_judges)
    judges = tuple(
        JudgeEstimate(
            judge_id=judge_id,
            leniency=float(fit.leniency[k]),
            scale=float(fit.scale[k]),
            noise=float(np.sqrt(fit.noise_var[k])),
            review_count=int(judge_reviews[k]),
            relative_weight=float(relative_weight[k]),
        )
        for k, judge_id in enumerate(design.judge_ids)
    )
    return Ranking(entries=entries, judges=judges)


def _order_with_ties(calibrated: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best-first order, tie group (1, 2, ... best first) and rank of each entry.

    Entry indices follow sorted entry ids, so ordering a group by index orders it by id.
    """
    by_score = np.lexsort((np.arange(calibrated.size), -calibrated))
    descending = calibrated[by_score]
    # Each group is its highest entry and every entry within tolerance below it (a sorted search per group).
    group_in_order = np.empty(calibrated.size, dtype=np.intp)
    start, group = 0, 0
    while start < calibrated.size:
        group += 1
        end = int(np.searchsorted(-descending, -descending[start] + tolerance, side="right"))
        group_in_order[start:end] = group
        start = end
    tie_group = np.empty(calibrated.size, dtype=np.intp)
    tie_group[by_score] = group_in_order
    order = np.lexsort((np.arange(calibrated.size), tie_group))
    # A group's rank is the best position any of its members holds.
    first_position = np.flatnonzero(np.concatenate(([True], np.diff(group_in_order) > 0))) + 1
    ranks = first_position[tie_group - 1]
    return order, tie_group, ranks


def _place_probabilities(
    quality: np.ndarray, quality_sd: np.ndarray, prize_places: int, seed: int, draws: int
) -> tuple[np.ndarray, np.ndarray]:
    """Share of posterior draws in which each entry finishes within the prize places, and first."""
    n_entries = quality.size
    places = min(prize_places, n_entries)
    rng = np.random.default_rng(seed)
    in_prize = np.zeros(n_entries, dtype=np.int64)
    first = np.zeros(n_entries, dtype=np.int64)
    chunk = max(1, _DRAW_CHUNK_VALUES // n_entries)
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        sample = quality + quality_sd * rng.standard_normal((size, n_entries))
        first += np.bincount(np.argmax(sample, axis=1), minlength=n_entries)
        if places == n_entries:
            in_prize += size
        else:
            top = np.argpartition(-sample, places - 1, axis=1)[:, :places]
            in_prize += np.bincount(top.ravel(), minlength=n_entries)
        done += size
    return in_prize / draws, first / draws


def _relative_weight(information: np.ndarray) -> np.ndarray:
    """Each judge's information per review (a^2 / v) against the panel's median judge (1 = typical)."""
    reference = float(np.median(information))
    if reference <= 0:
        reference = float(information.max())
    if reference <= 0:
        return np.ones_like(information)  # nobody's scores follow quality; nobody is singled out
    return information / reference


def _connected_to_main_panel(design: _Design) -> np.ndarray:
    """Per entry: whether it is linked, through shared judges, to the largest group of entries."""
    n_entries, n_judges = len(design.entry_ids), len(design.judge_ids)
    graph = coo_matrix(
        (np.ones(design.entry_index.size), (design.entry_index, n_entries + design.judge_index)),
        shape=(n_entries + n_judges, n_entries + n_judges),
    )
    _, label = connected_components(graph, directed=False)
    entry_label = label[:n_entries]
    sizes = np.bincount(entry_label)
    # The largest component; on equal sizes, the one holding the first entry id.
    main = max(range(sizes.size), key=lambda c: (sizes[c], -int(np.flatnonzero(entry_label == c)[0])))
    return np.equal(entry_label, main)


def _flags(
    *,
    fit: PanelFit,
    design: _Design,
    calibrated: np.ndarray,
    order: np.ndarray,
    place_probability: np.ndarray,
    review_count: np.ndarray,
    low_weight_judge: np.ndarray,
    prize_places: int,
) -> list[tuple[str, ...]]:
    """The flag codes of each entry, in FLAG_SENTENCES order."""
    e, j, y = design.entry_index, design.judge_index, design.scores
    n_entries = calibrated.size
    quality_loo, var_loo = leave_one_out(fit, e, j)

    # Outlier: the review against what the entry's other reviews predict, in that judge's noise units.
    predicted = fit.leniency[j] + fit.scale[j] * quality_loo
    spread = np.sqrt(fit.noise_var[j] + fit.scale[j] ** 2 * var_loo)
    residual = y - predicted
    low, high = design.scale
    # A top score only says "at least this", so falling short of a prediction above the top is no outlier.
    residual = np.where(y >= high, np.maximum(residual, 0.0), residual)
    residual = np.where(y <= low, np.minimum(residual, 0.0), residual)
    outlier = (np.abs(residual) / spread > OUTLIER_RESIDUAL) & (review_count[e] >= 2)
    judges_disagree = np.bincount(e, outlier, minlength=n_entries) > 0

    near_line = (place_probability > NEAR_LINE[0]) & (place_probability < NEAR_LINE[1])

    fragile = np.zeros(n_entries, dtype=bool)
    places = min(prize_places, n_entries)
    if places < n_entries and fit.panel_scale > 0:
        last_in, first_out = calibrated[order[places - 1]], calibrated[order[places]]
        is_in = np.zeros(n_entries, dtype=bool)
        is_in[order[:places]] = True
        score_loo = fit.panel_leniency + fit.panel_scale * quality_loo
        crosses = np.where(is_in[e], score_loo < first_out, score_loo > last_in)
        fragile = np.bincount(e, crosses, minlength=n_entries) > 0

    weightless = np.bincount(e, low_weight_judge[j], minlength=n_entries) > 0
    few = review_count < _modal_count(review_count)
    disconnected = ~_connected_to_main_panel(design)

    columns = (
        (JUDGES_DISAGREE, judges_disagree),
        (NEAR_PRIZE_LINE, near_line),
        (FRAGILE, fragile),
        (LOW_WEIGHT_JUDGE, weightless),
        (FEW_REVIEWS, few),
        (DISCONNECTED, disconnected),
    )
    return [tuple(code for code, column in columns if column[i]) for i in range(n_entries)]


def _modal_count(review_count: np.ndarray) -> int:
    """The most common number of reviews per entry (the larger one if two are equally common)."""
    tally = Counter(int(count) for count in review_count)
    return max(tally, key=lambda count: (tally[count], count))
