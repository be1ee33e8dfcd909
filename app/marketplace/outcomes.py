"""Summaries for the outcomes analytics: survey answers, percentages and typical delays."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

USEFUL_FROM = 4  # "found it useful": answered 4 or 5 on the 1-5 "useful for my career" scale
SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class SurveyAnswer:
    useful_score: int
    would_do_again: bool
    skills_gained: tuple[str, ...] = ()


@dataclass(frozen=True)
class SurveySummary:
    sent: int
    answered: int
    useful_percent: int | None  # None until someone answers
    again_percent: int | None
    score_counts: dict[int, int]
    top_skills: list[tuple[str, int]]


def percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` as a whole percentage, halves rounded up; None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


def summarise_surveys(sent: int, answers: Sequence[SurveyAnswer], *, top: int = 5) -> SurveySummary:
    """How many answered, the share who found it useful and would do it again, and the skills most
    often named as gained (case-insensitively, shown as first written)."""
    answered = len(answers)
    counts = Counter(answer.useful_score for answer in answers)
    shown: dict[str, str] = {}
    skills: Counter[str] = Counter()
    for answer in answers:
        for name in dict.fromkeys(skill.strip() for skill in answer.skills_gained if skill.strip()):
            key = name.lower()
            shown.setdefault(key, name)
            skills[key] += 1
    ranked = sorted(skills.items(), key=lambda item: (-item[1], item[0]))[:top]
    return SurveySummary(
        sent=sent,
        answered=answered,
        useful_percent=percent(sum(1 for a in answers if a.useful_score >= USEFUL_FROM), answered),
        again_percent=percent(sum(1 for a in answers if a.would_do_again), answered),
        score_counts={score: counts.get(score, 0) for score in SCORES},
        top_skills=[(shown[key], count) for key, count in ranked],
    )


def median_of(values: Iterable[float]) -> float | None:
    values = list(values)
    return median(values) if values else None
