"""Benchmark: does calibrated ranking pick the truly best entries more often than the raw mean?

Run from the project root: ``.venv/bin/python -m bench.judging_quality [--contests N] [--workers W]``.
It simulates contests from the generative model in /work/shared/JUDGING.md (200 entries, 20 judges, 3
judges per entry, loads balanced), ranks each one both by raw mean and with app.judging.aggregation.rank,
and compares both with the truth on the same contests. It prints its figures beside two targets and exits
0 whether they are met or not. See bench/README.md for what the targets mean.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.stats import kendalltau

from app.judging.aggregation import rank, raw_mean_rank

SEED = 20302
ENTRIES = 200
JUDGES = 20
K = 3
SCALE = (1, 10)
TOP = 5
DEFAULT_CONTESTS = 1000
STRONG_GAIN_TARGET = 0.12  # calibrated top-5 precision at least raw + 0.12 under strong miscalibration
NO_BIAS_LOSS_LIMIT = 0.01  # and at least raw - 0.01 when judges are not miscalibrated at all


@dataclass(frozen=True)
class Scenario:
    name: str
    leniency_sd: float  # sigma_b
    log_scale_sd: float  # sigma_a
    noise: Callable[[np.random.Generator], np.ndarray]  # each judge's sigma_j
    has_odd_judges: bool = False


def _same_noise(sd: float) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: np.full(JUDGES, sd)


def _varied_noise(rng: np.random.Generator) -> np.ndarray:
    # "Noise levels varying between judges": uniform between a careful 0.5 and a careless 1.5 points.
    return rng.uniform(0.5, 1.5, JUDGES)


SCENARIOS = (
    Scenario("no miscalibration", 0.0, 0.0, _same_noise(0.75)),
    Scenario("NIPS-like", 0.43, 0.0, _same_noise(1.5)),
    Scenario("strong", 1.0, 0.4, _varied_noise),
    Scenario("strong + odd judges", 1.0, 0.4, _varied_noise, has_odd_judges=True),
)


def balanced_assignment(rng: np.random.Generator, entries: int, judges: int, k: int) -> np.ndarray:
    """k distinct judges per entry: the k least loaded so far, ties broken at random (loads differ by ≤ 1)."""
    load = np.zeros(judges)
    chosen = np.empty((entries, k), dtype=np.intp)
    for entry in range(entries):
        chosen[entry] = np.argsort(load + rng.uniform(0.0, 0.5, judges), kind="stable")[:k]
        load[chosen[entry]] += 1
    return chosen


def simulate(scenario: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """One contest: true qualities and the reviews, score = clip(round(5.5 + 1.5 (a q + b) + e), 1, 10).

    With odd judges, judge 0 scores uniformly at random, judge 1 squeezes their scores into 7-9 (the same
    latent score mapped linearly from 1-10 onto 7-9), and judge 2 gives one of their entries a 10.
    """
    quality = rng.standard_normal(ENTRIES)
    leniency = rng.normal(0.0, scenario.leniency_sd, JUDGES)
    scale = rng.lognormal(0.0, scenario.log_scale_sd, JUDGES)
    noise = scenario.noise(rng)
    chosen = balanced_assignment(rng, ENTRIES, JUDGES, K)
    entry = np.repeat(np.arange(ENTRIES), K)
    judge = chosen.ravel()
    latent = 5.5 + 1.5 * (scale[judge] * quality[entry] + leniency[judge])
    latent += noise[judge] * rng.standard_normal(entry.size)
    score = np.clip(np.round(latent), 1, 10)
    if scenario.has_odd_judges:
        erratic = judge == 0
        score[erratic] = rng.integers(1, 11, int(erratic.sum()))
        narrow = judge == 1
        score[narrow] = np.clip(np.round(7 + 2 * (latent[narrow] - 1) / 9), 7, 9)
        score[rng.choice(np.flatnonzero(judge == 2))] = 10
    reviews = [(int(e), int(j), float(s)) for e, j, s in zip(entry, judge, score, strict=True)]
    return quality, reviews


@dataclass(frozen=True)
class Outcome:
    """One contest, one method: how the announced order compares with the truth."""

    top_precision: float
    tau: float
    is_best_first: bool


@dataclass(frozen=True)
class ContestResult:
    raw: Outcome
    calibrated: Outcome
    confident: int  # entries the calibrated ranking gave place_probability >= 0.9
    confident_right: int  # of those, entries truly in the top 5
    seconds: float  # time of rank(), uncertainty and flags included


def _outcome(announced: list[int], quality: np.ndarray) -> Outcome:
    true_top = set(np.argsort(-quality)[:TOP].tolist())
    position = np.empty(len(announced))
    position[announced] = np.arange(len(announced))
    return Outcome(
        top_precision=len(true_top & set(announced[:TOP])) / TOP,
        tau=float(kendalltau(quality, -position)[0]),
        is_best_first=announced[0] == int(np.argmax(quality)),
    )


def run_contest(task: tuple[int, int, int]) -> ContestResult:
    seed, scenario_index, contest = task
    rng = np.random.default_rng([seed, scenario_index, contest])
    quality, reviews = simulate(SCENARIOS[scenario_index], rng)
    raw = [entry.entry_id for entry in raw_mean_rank(reviews, SCALE)]
    started = time.perf_counter()
    ranking = rank(reviews, scale=SCALE, prize_places=TOP, seed=contest)
    seconds = time.perf_counter() - started
    calibrated = [int(entry.entry_id) for entry in ranking.entries]
    true_top = set(np.argsort(-quality)[:TOP].tolist())
    confident = [int(e.entry_id) for e in ranking.entries if e.place_probability >= 0.9]
    return ContestResult(
        raw=_outcome([int(e) for e in raw], quality),
        calibrated=_outcome(calibrated, quality),
        confident=len(confident),
        confident_right=len(true_top & set(confident)),
        seconds=seconds,
    )


@dataclass(frozen=True)
class ScenarioFigures:
    name: str
    contests: int
    raw: dict[str, float]
    calibrated: dict[str, float]
    gain: float  # calibrated - raw top-5 precision
    gain_se: float  # its standard error over contests (paired)
    confident_share_right: float
    confident_count: int
    mean_seconds: float


def _summarise(name: str, results: list[ContestResult]) -> ScenarioFigures:
    def means(pick: Callable[[ContestResult], Outcome]) -> dict[str, float]:
        return {
            "top-5 precision": float(np.mean([pick(r).top_precision for r in results])),
            "Kendall tau": float(np.mean([pick(r).tau for r in results])),
            "P(true best wins)": float(np.mean([pick(r).is_best_first for r in results])),
        }

    gains = np.array([r.calibrated.top_precision - r.raw.top_precision for r in results])
    confident = sum(r.confident for r in results)
    return ScenarioFigures(
        name=name,
        contests=len(results),
        raw=means(lambda r: r.raw),
        calibrated=means(lambda r: r.calibrated),
        gain=float(gains.mean()),
        gain_se=float(gains.std(ddof=1) / np.sqrt(gains.size)) if gains.size > 1 else float("nan"),
        confident_share_right=sum(r.confident_right for r in results) / confident
        if confident
        else float("nan"),
        confident_count=confident,
        mean_seconds=float(np.mean([r.seconds for r in results])),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contests", type=int, default=DEFAULT_CONTESTS, help="contests per scenario")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.contests < 2:
        parser.error("--contests must be at least 2")

    print(
        f"judging quality: {ENTRIES} entries, {JUDGES} judges, k={K}, {args.contests} contests per scenario "
        f"(the same contests for both methods), seed {args.seed}, {args.workers} worker(s), "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    started = time.perf_counter()
    figures: list[ScenarioFigures] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        for index, scenario in enumerate(SCENARIOS):
            tasks = [(args.seed, index, contest) for contest in range(args.contests)]
            results = list(
                pool.map(run_contest, tasks, chunksize=max(1, args.contests // (4 * args.workers)))
            )
            figures.append(_summarise(scenario.name, results))
            _print_scenario(figures[-1])
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    _print_targets(figures)


def _print_scenario(figures: ScenarioFigures) -> None:
    print(f"\n{figures.name} ({figures.contests} contests; rank() {figures.mean_seconds * 1000:.0f} ms each)")
    print(f"  {'':20} {'raw mean':>9} {'calibrated':>11}")
    for metric in figures.raw:
        print(f"  {metric:20} {figures.raw[metric]:9.3f} {figures.calibrated[metric]:11.3f}")
    print(f"  top-5 gain {figures.gain:+.3f} ± {figures.gain_se:.3f} (standard error, paired)")
    print(
        f"  entries given place_probability ≥ 0.9: {figures.confident_count}, "
        f"{figures.confident_share_right:.1%} of them truly in the top {TOP}"
    )


def _print_targets(figures: list[ScenarioFigures]) -> None:
    by_name = {f.name: f for f in figures}
    strong, calm = by_name["strong"], by_name["no miscalibration"]
    checks = (
        (
            f"strong: calibrated top-5 precision ≥ raw + {STRONG_GAIN_TARGET:.2f}",
            strong.gain,
            strong.gain >= STRONG_GAIN_TARGET,
        ),
        (
            f"no miscalibration: calibrated top-5 precision ≥ raw − {NO_BIAS_LOSS_LIMIT:.2f}",  # noqa: RUF001
            calm.gain,
            calm.gain >= -NO_BIAS_LOSS_LIMIT,
        ),
    )
    print("\ntargets")
    for label, gain, met in checks:
        print(f"  {label}: gain {gain:+.3f} {'PASS' if met else 'MISS'}")


if __name__ == "__main__":
    main()
