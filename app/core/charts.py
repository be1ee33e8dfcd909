"""Numbers shaped for the server-rendered SVG charts: counts per bin and bar lengths, nothing drawn."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bin:
    """One bar of a histogram: the values from ``low`` up to (not including) ``high``; the last bin
    also holds ``high`` itself."""

    low: float
    high: float
    count: int


def histogram(values: Sequence[float], low: float, high: float, bins: int) -> tuple[Bin, ...]:
    """Count ``values`` into ``bins`` equal bins spanning ``low``..``high``; values outside are clipped
    into the first or last bin, so every value is counted exactly once."""
    return counted_histogram([(value, 1) for value in values], low, high, bins)


def counted_histogram(
    counted: Iterable[tuple[float, int]], low: float, high: float, bins: int
) -> tuple[Bin, ...]:
    """``histogram`` of values given with how often each occurs, as a GROUP BY answers them: a page
    reads a few dozen (score, count) rows instead of every score."""
    if bins < 1:
        raise ValueError("a histogram needs at least one bin")
    if not high > low:
        raise ValueError("the range must be wider than nothing")
    width = (high - low) / bins
    counts = [0] * bins
    for value, times in counted:
        index = math.floor((value - low) / width) if math.isfinite(value) else 0
        counts[min(bins - 1, max(0, index))] += times
    return tuple(
        Bin(low + index * width, low + (index + 1) * width, count) for index, count in enumerate(counts)
    )


def scaled(value: float, largest: float, length: float) -> float:
    """``value``'s share of ``largest``, as a length out of ``length`` (0 when there is nothing to show)."""
    if largest <= 0:
        return 0.0
    return round(length * max(0.0, min(value, largest)) / largest, 1)
