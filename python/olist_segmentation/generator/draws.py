"""Small random-draw and array helpers shared by the generator's builders.

Tables are plain dicts of equal-length numpy arrays (:data:`Table`); integer
codes index the parameter tables, ``-1`` stands for a missing value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Table = dict[str, np.ndarray]

SECONDS_PER_DAY = 86_400
NULL_TS = -1  # sentinel for a missing timestamp (epoch seconds)
NULL_INT = -1  # sentinel for a missing integer


def normalise(weights: np.ndarray | Sequence[float]) -> np.ndarray:
    """Return ``weights`` as float probabilities summing to one."""
    arr = np.asarray(weights, dtype=float)
    return arr / arr.sum()


def pick(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """Draw ``n`` indices ``0..len(weights)-1`` with the given weights."""
    return rng.choice(len(weights), size=n, p=normalise(weights))


def pick_subset(rng: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    """Draw ``k`` distinct elements of ``candidates`` (fewer if too few)."""
    k = min(k, len(candidates))
    return rng.choice(candidates, size=k, replace=False) if k else candidates[:0]


def lognormal(
    rng: np.random.Generator, median: float, sigma: float, n: int
) -> np.ndarray:
    """Draw ``n`` lognormal values with the given median."""
    return rng.lognormal(np.log(median), sigma, n)


def positions(counts: np.ndarray) -> np.ndarray:
    """Return 0-based positions within groups of the given sizes."""
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) - np.repeat(starts, counts)


def floor_day(ts: np.ndarray) -> np.ndarray:
    """Truncate epoch seconds to midnight."""
    return ts - ts % SECONDS_PER_DAY


def epoch(day: str) -> int:
    """Return the epoch seconds of midnight of an ISO date."""
    return int(np.datetime64(day, "s").astype(np.int64))
