"""Benchmark: how fast the judging cores run at the size of a large challenge.

Run from the project root: ``.venv/bin/python -m bench.judging_speed`` (``--entries 2000`` for a
second, smaller size). Each measurement is one function
that prints its figures beside its target and returns them; ``main`` runs them all in turn. It exits 0
whether the targets are met or not. See bench/README.md for what the targets mean.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass

import numpy as np

from app.judging.aggregation import rank
from app.judging.assignment import Assignment, assign
from app.judging.calibration import fit_panel

SEED = 20301


# --- Assignment: who reviews what -------------------------------------------------------------------

ASSIGNMENT_TARGET_SECONDS = 10.0
ASSIGNMENT_ENTRIES = 10_000
ASSIGNMENT_JUDGES = 500
ASSIGNMENT_K = 3
ASSIGNMENT_CONFLICT_SHARE = 0.02
ASSIGNMENT_AFFINITY_SHARE = 0.10


@dataclass(frozen=True)
class AssignmentFigures:
    seconds: float
    min_load: int
    max_load: int
    missing_reviews: int
    affinity_share: float  # of assigned pairs, the share with a positive affinity
    met: bool


@dataclass(frozen=True)
class AssignmentCase:
    entries: list[int]
    caps: dict[int, int | None]
    conflicts: frozenset[tuple[int, int]]
    affinity: dict[tuple[int, int], float]


def assignment_case(seed: int = SEED) -> AssignmentCase:
    """10,000 entries, 500 uncapped judges, 2% of pairs conflicted, 10% with an affinity in (0, 1]."""
    rng = random.Random(seed)
    entries = list(range(1, ASSIGNMENT_ENTRIES + 1))
    judges = list(range(100_001, 100_001 + ASSIGNMENT_JUDGES))
    conflicts: set[tuple[int, int]] = set()
    affinity: dict[tuple[int, int], float] = {}
    for entry in entries:
        for judge in judges:
            draw = rng.random()
            if draw < ASSIGNMENT_CONFLICT_SHARE:
                conflicts.add((judge, entry))
            elif draw < ASSIGNMENT_CONFLICT_SHARE + ASSIGNMENT_AFFINITY_SHARE:
                affinity[(judge, entry)] = round(rng.random(), 3) or 0.001
    return AssignmentCase(entries, dict.fromkeys(judges), frozenset(conflicts), affinity)


def _time_assignment(case: AssignmentCase, **extra: object) -> tuple[float, Assignment[int, int]]:
    started = time.process_time()
    result = assign(
        case.entries,
        case.caps,
        ASSIGNMENT_K,
        conflicts=case.conflicts,
        affinity=case.affinity,
        **extra,  # type: ignore[arg-type]
    )
    return time.process_time() - started, result


def bench_assignment() -> AssignmentFigures:
    """Time one fresh assignment of the large case on one core (CPU time), then two re-runs for reference."""
    case = assignment_case()
    seconds, result = _time_assignment(case)
    loads = result.loads().values()
    missing = sum(result.missing.values())
    positive = sum(1 for pair in result.pairs if case.affinity.get(pair, 0) > 0)
    figures = AssignmentFigures(
        seconds=seconds,
        min_load=min(loads),
        max_load=max(loads),
        missing_reviews=missing,
        affinity_share=positive / max(1, len(result.pairs)),
        met=seconds <= ASSIGNMENT_TARGET_SECONDS,
    )
    verdict = "PASS" if figures.met else "MISS"
    print(
        f"assignment: {ASSIGNMENT_ENTRIES} entries × {ASSIGNMENT_JUDGES} judges, k={ASSIGNMENT_K}, "  # noqa: RUF001
        f"{ASSIGNMENT_CONFLICT_SHARE:.0%} conflicts: {seconds:.2f} s "
        f"(target ≤ {ASSIGNMENT_TARGET_SECONDS:.0f} s) {verdict}"
    )
    print(
        f"  loads min {figures.min_load} / max {figures.max_load}; missing reviews {missing}; "
        f"pairs with a positive affinity {figures.affinity_share:.1%} (random choice would give about "
        f"{ASSIGNMENT_AFFINITY_SHARE / (1 - ASSIGNMENT_CONFLICT_SHARE):.0%})"
    )

    # Reference only: the re-runs the service makes after a recusal and after a new judge joins.
    recused = next(iter(sorted(result.pairs)))
    rerun = AssignmentCase(case.entries, case.caps, case.conflicts | {recused}, case.affinity)
    rerun_seconds, after = _time_assignment(rerun, previous=result.pairs)
    print(
        f"  re-run after one recusal: {rerun_seconds:.2f} s, "
        f"{len(after.pairs ^ result.pairs)} pairs changed (symmetric difference)"
    )
    newcomer = max(case.caps) + 1
    grown = AssignmentCase(case.entries, {**case.caps, newcomer: None}, case.conflicts, case.affinity)
    grown_seconds, after = _time_assignment(grown, previous=result.pairs)
    grown_loads = after.loads().values()
    print(
        f"  re-run after a judge joins: {grown_seconds:.2f} s, {len(after.pairs - result.pairs)} pairs moved, "
        f"loads min {min(grown_loads)} / max {max(grown_loads)}"
    )
    return figures


# --- Aggregation: calibrated ranking ---------------------------------------------------------------

AGGREGATION_TARGET_SECONDS = 5.0
AGGREGATION_ENTRIES = 10_000
AGGREGATION_JUDGES = 500
AGGREGATION_K = 3
AGGREGATION_DRAWS = 2000


@dataclass(frozen=True)
class AggregationFigures:
    seconds: float  # wall clock of one rank() call: calibration, uncertainty, ties and flags
    cpu_seconds: float
    fit_seconds: float  # the calibration fit alone, for reference
    sweeps: int
    met: bool


def aggregation_case(seed: int = SEED) -> list[tuple[int, int, float]]:
    """10,000 entries, 500 judges, 3 each (loads balanced), scored like JUDGING.md's "strong" scenario."""
    rng = np.random.default_rng(seed)
    quality = rng.standard_normal(AGGREGATION_ENTRIES)
    leniency = rng.normal(0.0, 1.0, AGGREGATION_JUDGES)
    scale = rng.lognormal(0.0, 0.4, AGGREGATION_JUDGES)
    noise = rng.uniform(0.5, 1.5, AGGREGATION_JUDGES)
    load = np.zeros(AGGREGATION_JUDGES)
    judge = np.empty((AGGREGATION_ENTRIES, AGGREGATION_K), dtype=np.intp)
    for entry in range(AGGREGATION_ENTRIES):  # the k least loaded judges, ties broken at random
        shuffled_load = load + rng.uniform(0.0, 0.5, AGGREGATION_JUDGES)
        judge[entry] = np.argpartition(shuffled_load, AGGREGATION_K - 1)[:AGGREGATION_K]
        load[judge[entry]] += 1
    entry_of = np.repeat(np.arange(AGGREGATION_ENTRIES), AGGREGATION_K)
    flat = judge.ravel()
    latent = 5.5 + 1.5 * (scale[flat] * quality[entry_of] + leniency[flat])
    latent += noise[flat] * rng.standard_normal(flat.size)
    score = np.clip(np.round(latent), 1, 10)
    return [(int(e), 100_001 + int(j), float(s)) for e, j, s in zip(entry_of, flat, score, strict=True)]


def bench_aggregation() -> AggregationFigures:
    """Time one rank() of the large case (2,000 posterior draws for the prize probabilities)."""
    reviews = aggregation_case()
    wall, cpu = time.perf_counter(), time.process_time()
    ranking = rank(reviews, scale=(1, 10), prize_places=3, draws=AGGREGATION_DRAWS)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu

    entry_ids = {e: n for n, e in enumerate(sorted({e for e, _, _ in reviews}))}
    judge_ids = {j: n for n, j in enumerate(sorted({j for _, j, _ in reviews}))}
    started = time.perf_counter()
    fit = fit_panel(
        np.array([entry_ids[e] for e, _, _ in reviews]),
        np.array([judge_ids[j] for _, j, _ in reviews]),
        np.array([s for _, _, s in reviews]),
        n_entries=len(entry_ids),
        n_judges=len(judge_ids),
        scale=(1, 10),
    )
    fit_seconds = time.perf_counter() - started
    figures = AggregationFigures(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        fit_seconds=fit_seconds,
        sweeps=fit.sweeps,
        met=seconds <= AGGREGATION_TARGET_SECONDS,
    )
    verdict = "PASS" if figures.met else "MISS"
    print(
        f"aggregation: {AGGREGATION_ENTRIES} entries × {AGGREGATION_JUDGES} judges, k={AGGREGATION_K} "  # noqa: RUF001
        f"({len(reviews)} reviews), {AGGREGATION_DRAWS} draws: {seconds:.2f} s "
        f"(target ≤ {AGGREGATION_TARGET_SECONDS:.0f} s) {verdict}"
    )
    flagged = sum(1 for entry in ranking.entries if entry.flags)
    print(
        f"  CPU {cpu_seconds:.2f} s; the fit alone {fit_seconds:.2f} s in {fit.sweeps} sweeps "
        f"({'converged' if fit.is_converged else 'NOT converged'}); {flagged} entries flagged"
    )
    return figures


def main() -> None:
    global ASSIGNMENT_ENTRIES, ASSIGNMENT_JUDGES, AGGREGATION_ENTRIES, AGGREGATION_JUDGES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--entries",
        type=int,
        default=ASSIGNMENT_ENTRIES,
        help="entries (default 10,000); judges are one per 20 entries, as at the default size",
    )
    arguments = parser.parse_args()
    if arguments.entries < 20:
        parser.error("--entries must be at least 20")
    # The targets are stated at the default size; another size shows how the figures grow.
    ASSIGNMENT_ENTRIES = AGGREGATION_ENTRIES = arguments.entries
    ASSIGNMENT_JUDGES = AGGREGATION_JUDGES = arguments.entries // 20
    bench_assignment()
    bench_aggregation()


if __name__ == "__main__":
    main()
