"""The judge-calibration model: each judge's leniency, scale and noise, fitted jointly with entry qualities.

A judge's score for an entry is read as: the judge's leniency, plus how many points the judge spends per
unit of quality times the entry's quality, plus the judge's own noise. Leniency, scale and noise are
learnt for every judge at once, each pulled toward the panel's typical value by as much as the panel
actually varies, so a panel of judges who behave alike is simply averaged. A score at the very top or
bottom of the scale is read as "at least" (or "at most") that score. Reviews far from what the rest of
the panel predicts count for less.

This module holds only arrays in and arrays out (numpy); aggregation.py turns them into a ranking.
See /work/shared/JUDGING.md for the model and how it was measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_ndtr

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

HUBER_CUTOFF = 2.0  # residuals beyond two noise SDs count for less, in proportion
MAX_SWEEPS = 500
CONVERGED_CHANGE = 1e-6  # largest change of any entry's quality (in panel SDs) between two sweeps
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class PanelFit:
    """The fitted model: per entry (index 0..N-1), per judge (0..J-1) and per review (input order)."""

    quality: FloatArray  # posterior mean of q_i; panel-standardised (mean 0, E[q^2] = 1)
    quality_var: FloatArray  # posterior variance of q_i
    leniency: FloatArray  # mu_j, in scale points: the score this judge gives an average entry
    scale: FloatArray  # a_j >= 0, points per unit of quality
    noise_var: FloatArray  # v_j, in scale points squared
    review_weight: FloatArray  # Huber weight of each review, in (0, 1]
    latent: FloatArray  # each score, with censored ones replaced by their conditional expectation
    information: FloatArray  # share of a full review's information each review retains (1 if not censored)
    leniency_spread: float  # the panel's estimated SD of leniency, points
    scale_spread: float  # the panel's estimated SD of scale, points per unit of quality
    log_noise_spread: float  # the panel's estimated SD of log noise variance
    sweeps: int
    is_converged: bool

    @property
    def panel_leniency(self) -> float:
        """The panel-average judge's leniency, used to put qualities back on the scale."""
        return float(self.leniency.mean()) if self.leniency.size else 0.0

    @property
    def panel_scale(self) -> float:
        """The panel-average judge's points per unit of quality."""
        return float(self.scale.mean()) if self.scale.size else 0.0


def censor_margin(scale: tuple[float, float]) -> float:
    """How far below the top a top score may really lie: half a point, or a tenth of a very short scale."""
    low, high = scale
    return min(0.5, (high - low) / 10.0)


def _truncated_normal(alpha: FloatArray) -> tuple[FloatArray, FloatArray]:
    """For a standard normal kept only above alpha: its mean (the inverse Mills ratio) and 1 - its variance."""
    mills = np.exp(-0.5 * alpha**2 - _LOG_SQRT_2PI - log_ndtr(-alpha))
    retained = np.clip(mills * (mills - alpha), 1e-12, 1.0)
    return mills, retained


def _panel_prior(
    own: FloatArray, sampling_var: FloatArray, mean: float, spread: float, floor: float
) -> tuple[float, float]:
    """The panel-wide mean and spread (a variance) that make the judges' own estimates most likely.

    Each judge's own estimate (from their reviews alone) is the panel mean plus the judge's deviation
    (variance ``spread``) plus sampling noise (``sampling_var``); the spread is solved for directly by the
    usual random-effects fixed point, warm-started from the last sweep, and may reach zero (the floor)
    when the judges' differences are no larger than their sampling noise.
    """
    usable = np.isfinite(own) & np.isfinite(sampling_var)
    x, noise = own[usable], sampling_var[usable]
    if x.size == 0:
        return mean, max(spread, floor)
    spread = max(spread, floor)
    for _ in range(50):
        weight = 1.0 / (spread + noise)
        mean = float(np.sum(weight * x) / np.sum(weight))
        proposal = float(np.sum(weight**2 * ((x - mean) ** 2 - noise)) / np.sum(weight**2))
        proposal = max(proposal, floor)
        if abs(proposal - spread) <= 1e-9 + 1e-6 * spread:
            spread = proposal
            break
        spread = proposal
    weight = 1.0 / (spread + noise)
    return float(np.sum(weight * x) / np.sum(weight)), spread


def _additive_start(
    e: IntArray, j: IntArray, y: FloatArray, n_entries: int, n_judges: int
) -> tuple[FloatArray, FloatArray, float]:
    """Least-squares entry effects and judge offsets (y = grand + c_i + b_j), lightly ridged so a
    disconnected design still has one answer."""
    grand = float(y.mean())
    per_entry = np.bincount(e, minlength=n_entries) + 1.0
    per_judge = np.bincount(j, minlength=n_judges) + 1.0
    entry_effect = np.zeros(n_entries)
    judge_offset = np.zeros(n_judges)
    for _ in range(200):
        entry_effect = np.bincount(e, y - grand - judge_offset[j], minlength=n_entries) / per_entry
        new_offset = np.bincount(j, y - grand - entry_effect[e], minlength=n_judges) / per_judge
        change = float(np.max(np.abs(new_offset - judge_offset)))
        judge_offset = new_offset
        if change < 1e-9:
            break
    return entry_effect, judge_offset, grand


def fit_panel(
    entry_index: IntArray,
    judge_index: IntArray,
    scores: FloatArray,
    *,
    n_entries: int,
    n_judges: int,
    scale: tuple[float, float],
    max_sweeps: int = MAX_SWEEPS,
) -> PanelFit:
    """Fit leniency, scale and noise per judge and quality per entry by alternating sweeps.

    Each sweep: (1) per judge, a weighted Bayesian regression of their scores on the current qualities,
    shrunk toward the panel, with the scale kept non-negative; (2) censored scores replaced by their
    conditional expectation; (3) per judge, the noise from the residuals, shrunk toward the panel on the
    log scale; (4) Huber weights per review; (5) the panel-wide means and spreads re-estimated from the
    judges' own estimates (empirical Bayes; a spread can reach zero, and the fit is then an average);
    (6) per entry, the precision-weighted quality and its posterior variance
    1 / (1 + sum w a^2 / v); then qualities are re-standardised. Stops when no quality moves by more than
    CONVERGED_CHANGE, or after max_sweeps.
    """
    e = np.asarray(entry_index, dtype=np.intp)
    j = np.asarray(judge_index, dtype=np.intp)
    y = np.asarray(scores, dtype=np.float64)
    low, high = scale
    width = high - low
    margin = censor_margin(scale)
    top_cut, bottom_cut = high - margin, low + margin
    at_top = np.flatnonzero(y >= high)
    at_bottom = np.flatnonzero(y <= low)
    # Scores given in whole points carry at least the rounding noise (a width-1 uniform has variance 1/12).
    noise_floor = margin**2 / 3.0
    spread_floor = (1e-3 * width) ** 2
    log_spread_floor = 1e-4

    entry_effect, judge_offset, grand = _additive_start(e, j, y, n_entries, n_judges)
    effect_sd = float(entry_effect.std())
    q = (entry_effect - entry_effect.mean()) / effect_sd if effect_sd > 1e-12 else np.zeros(n_entries)
    q_var: FloatArray = np.zeros(n_entries)
    residual = y - grand - judge_offset[j] - entry_effect[e]
    v = np.full(n_judges, max(float(np.mean(residual**2)), noise_floor))
    log_v = np.log(v)
    latent = y.copy()
    cond_var = np.zeros_like(y)
    information = np.ones_like(y)
    weight = np.ones_like(y)
    reviews_per_judge = np.bincount(j, minlength=n_judges).astype(np.float64)

    # Start with nearly flat priors; the first sweep's estimates set the panel-wide means and spreads.
    mean_mu, spread_mu = grand, width**2 * 1e3
    mean_a, spread_a = max(effect_sd, 1e-3 * width), width**2 * 1e3
    mean_lv, spread_lv = float(log_v.mean()), 10.0

    mu = np.full(n_judges, grand)
    a = np.full(n_judges, mean_a)
    sweeps = 0
    is_converged = False
    for sweeps in range(1, max_sweeps + 1):  # noqa: B007 - the count is reported
        # (1) Per judge: Bayesian regression of scores on qualities, E[q^2] = q^2 + var(q).
        qe, qve = q[e], q_var[e]
        s0 = np.bincount(j, weight, minlength=n_judges)
        s1 = np.bincount(j, weight * qe, minlength=n_judges)
        s2 = np.bincount(j, weight * (qe**2 + qve), minlength=n_judges)
        t0 = np.bincount(j, weight * latent, minlength=n_judges)
        t1 = np.bincount(j, weight * qe * latent, minlength=n_judges)
        p00 = s0 / v + 1.0 / spread_mu
        p01 = s1 / v
        p11 = s2 / v + 1.0 / spread_a
        r0 = t0 / v + mean_mu / spread_mu
        r1 = t1 / v + mean_a / spread_a
        det = p00 * p11 - p01**2
        mu = (p11 * r0 - p01 * r1) / det
        a = (p00 * r1 - p01 * r0) / det
        negative = a < 0.0
        if negative.any():  # a judge who scores against the consensus: no scale, leniency alone
            a[negative] = 0.0
            mu[negative] = r0[negative] / p00[negative]
        # Each judge's own leniency and scale, from their reviews alone (the other held at its estimate).
        own_mu = (t0 - a * s1) / s0
        own_mu_var = v / s0
        spread_seen = s2 > 1e-12  # not before the qualities differ at all
        own_a = np.divide(t1 - mu * s1, s2, out=np.full(n_judges, np.nan), where=spread_seen)
        own_a_var = np.divide(v, s2, out=np.full(n_judges, np.inf), where=spread_seen)

        # (2) Censored scores: the conditional expectation of the latent score beyond the cut.
        fitted = mu[j] + a[j] * qe
        sd = np.sqrt(v[j])
        if at_top.size:
            sd_t = sd[at_top]
            alpha = (top_cut - fitted[at_top]) / sd_t
            mills, retained = _truncated_normal(alpha)
            latent[at_top] = fitted[at_top] + sd_t * mills
            information[at_top] = retained
            cond_var[at_top] = sd_t**2 * (1.0 - retained)
        if at_bottom.size:
            sd_b = sd[at_bottom]
            alpha = (fitted[at_bottom] - bottom_cut) / sd_b
            mills, retained = _truncated_normal(alpha)
            latent[at_bottom] = fitted[at_bottom] - sd_b * mills
            information[at_bottom] = retained
            cond_var[at_bottom] = sd_b**2 * (1.0 - retained)

        # (3) Per judge noise: squared residuals over the degrees of freedom the qualities did not use up
        # (each review's share of its entry's precision is the part it fitted itself), then shrunk
        # toward the panel on the log scale (log v-hat has variance ~ 2/n).
        residual = latent - fitted
        leverage = weight * a[j] ** 2 * information / v[j] * qve
        n_eff = np.maximum(np.bincount(j, weight, minlength=n_judges), 1e-9)
        dof = np.maximum(np.bincount(j, weight * (1.0 - leverage), minlength=n_judges), 1e-9)
        squares = np.bincount(j, weight * (residual**2 + cond_var), minlength=n_judges)
        v_hat = np.maximum(squares / dof, noise_floor)
        has_reviews = reviews_per_judge > 0
        log_precision = n_eff / 2.0 * has_reviews + 1.0 / spread_lv
        log_v = (n_eff / 2.0 * has_reviews * np.log(v_hat) + mean_lv / spread_lv) / log_precision
        v = np.maximum(np.exp(log_v), noise_floor)

        # (4) Huber weights on residuals standardised by the judge's own noise.
        z = np.abs(residual) / np.sqrt(v[j])
        weight = np.minimum(1.0, HUBER_CUTOFF / np.maximum(z, 1e-12))

        # (5) Empirical Bayes: panel-wide means and spreads from each judge's own estimates.
        mean_mu, spread_mu = _panel_prior(own_mu, own_mu_var, mean_mu, spread_mu, spread_floor)
        mean_a, spread_a = _panel_prior(own_a, own_a_var, mean_a, spread_a, spread_floor)
        mean_lv, spread_lv = _panel_prior(np.log(v_hat), 2.0 / n_eff, mean_lv, spread_lv, log_spread_floor)

        # (6) Per entry: a Newton step on the posterior, exact for uncensored scores; censored ones
        # count only the information they retain.
        aj, vj = a[j], v[j]
        gradient = np.bincount(e, weight * aj * (latent - mu[j] - aj * qe) / vj, minlength=n_entries) - q
        precision = 1.0 + np.bincount(e, weight * aj**2 * information / vj, minlength=n_entries)
        new_q = q + gradient / precision
        q_var = (1.0 / precision).astype(np.float64, copy=False)

        # Re-standardise: qualities centred with E[q^2] = 1, judges adjusted so fitted scores stay put.
        shift = float(new_q.mean())
        new_q -= shift
        spread = math.sqrt(float(np.mean(new_q**2 + q_var)))
        new_q /= spread
        q_var = q_var / spread**2
        mu = mu + a * shift
        a = a * spread
        mean_mu += mean_a * shift
        mean_a *= spread
        spread_a *= spread**2

        change = float(np.max(np.abs(new_q - q))) if n_entries else 0.0
        q = new_q
        if change < CONVERGED_CHANGE:
            is_converged = True
            break

    return PanelFit(
        quality=q,
        quality_var=q_var,
        leniency=mu,
        scale=a,
        noise_var=v,
        review_weight=weight,
        latent=latent,
        information=information,
        leniency_spread=math.sqrt(spread_mu),
        scale_spread=math.sqrt(spread_a),
        log_noise_spread=math.sqrt(spread_lv),
        sweeps=sweeps,
        is_converged=is_converged,
    )


def leave_one_out(
    fit: PanelFit, entry_index: IntArray, judge_index: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Per review: the entry's quality and its variance had that one review been left out.

    One Newton step from the fitted quality with the judges held fixed, which is exact for uncensored
    scores; it is what "dropping this review" would do to the entry.
    """
    e = np.asarray(entry_index, dtype=np.intp)
    j = np.asarray(judge_index, dtype=np.intp)
    a, v, w = fit.scale[j], fit.noise_var[j], fit.review_weight
    q = fit.quality[e]
    own_gradient = w * a * (fit.latent - fit.leniency[j] - a * q) / v
    precision_without = 1.0 / fit.quality_var[e] - w * a**2 * fit.information / v
    precision_without = np.maximum(precision_without, 1.0)  # the prior alone is worth 1
    return q - own_gradient / precision_without, 1.0 / precision_without
