"""Benchmark: how fast the judging cores run at the size of a large challenge.

Run from the project root: ``.venv/bin/python -m bench.judging_speed``. Each measurement is one function
that prints its figures beside its target and returns them; ``main`` runs them all in turn. It exits 0
whether the targets are met or not. See bench/README.md for what the targets mean.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from app.judging.assignment import Assignment, assign

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


# --- Aggregation: calibrated ranking (to be added) ---------------------------------------------------


def main() -> None:
    bench_assignment()


if __name__ == "__main__":
    main()
