"""The arithmetic of a campaign result: two groups, a difference, an interval.

Conversion (the share of customers who bought) is compared with Newcombe's
hybrid score interval for a difference of two proportions (Newcombe 1998,
method 10): each group's Wilson score interval, combined by the square
root of the sum of squares. Unlike the plain Wald interval it stays
sensible when a group has few or no buyers, which a small control group
often has. Revenue per customer is compared with Welch's unequal-variance
standard error and the normal quantile (1.96 at 95%): the groups differ in
size and spread, and with hundreds of customers per group the t quantile
of Welch's degrees of freedom differs from 1.96 by under 1%.

Both are normal approximations; an interval that contains 0 means the data
cannot tell the campaign from no campaign ("not significant").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

#: Confidence level of every interval.
LEVEL = 0.95
CONVERSION_METHOD = (
    "Newcombe hybrid score interval (Wilson score interval of each group), 95%"
)
REVENUE_METHOD = "Welch unequal-variance standard error, normal quantile, 95%"


def z_value(level: float = LEVEL) -> float:
    """Return the two-sided normal quantile of ``level`` (1.959964 at 0.95)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class Interval:
    """A difference (contacted minus control) and its confidence interval."""

    estimate: float
    low: float
    high: float
    method: str

    @property
    def covers_zero(self) -> bool:
        """Whether 0 lies in the interval (the difference is not significant)."""
        return self.low <= 0 <= self.high

    def as_dict(self) -> dict[str, Any]:
        """Return the interval with its verdict, as results.json stores it."""
        return {**asdict(self), "significant": not self.covers_zero}


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Return the Wilson score interval of ``successes`` out of ``n``.

    Raises:
        ValueError: ``n`` is not positive or ``successes`` is out of range.
    """
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"wilson: {successes} successes out of {n}")
    z = z_value(level)
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    return (centre - spread) / denominator, (centre + spread) / denominator


def newcombe_difference(
    successes_a: int, n_a: int, successes_b: int, n_b: int, level: float = LEVEL
) -> Interval:
    """Return p_a - p_b with Newcombe's hybrid score interval (method 10)."""
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson(successes_a, n_a, level)
    low_b, high_b = wilson(successes_b, n_b, level)
    difference = p_a - p_b
    return Interval(
        difference,
        difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2),
        difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2),
        CONVERSION_METHOD,
    )


def wald_difference(
    successes_a: int, n_a: int, successes_b: int, n_b: int, level: float = LEVEL
) -> Interval:
    """Return p_a - p_b with the Wald interval (for comparison only)."""
    p_a, p_b = successes_a / n_a, successes_b / n_b
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    z = z_value(level)
    return Interval(p_a - p_b, p_a - p_b - z * se, p_a - p_b + z * se, "Wald, 95%")


def welch_difference(
    mean_a: float,
    sd_a: float,
    n_a: int,
    mean_b: float,
    sd_b: float,
    n_b: int,
    level: float = LEVEL,
) -> Interval:
    """Return mean_a - mean_b with Welch's standard error and the normal quantile.

    ``sd_a`` and ``sd_b`` are sample standard deviations (n - 1 divisor).
    """
    se = math.sqrt(sd_a**2 / n_a + sd_b**2 / n_b)
    z = z_value(level)
    difference = mean_a - mean_b
    return Interval(
        difference, difference - z * se, difference + z * se, REVENUE_METHOD
    )


@dataclass(frozen=True)
class Group:
    """What one group did in the window."""

    name: str
    customers: int
    buyers: int
    revenue: float
    revenue_sd: float

    @property
    def conversion(self) -> float:
        """Share of the group's customers who bought."""
        return self.buyers / self.customers if self.customers else 0.0

    @property
    def revenue_per_customer(self) -> float:
        """Mean revenue over all the group's customers, buyers or not."""
        return self.revenue / self.customers if self.customers else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the group with its rates, as results.json stores it."""
        return {
            **asdict(self),
            "conversion": self.conversion,
            "revenue_per_customer": self.revenue_per_customer,
        }


def compare(contacted: Group, control: Group) -> dict[str, Interval]:
    """Return the differences contacted minus control, with their intervals."""
    return {
        "conversion": newcombe_difference(
            contacted.buyers, contacted.customers, control.buyers, control.customers
        ),
        "revenue_per_customer": welch_difference(
            contacted.revenue_per_customer,
            contacted.revenue_sd,
            contacted.customers,
            control.revenue_per_customer,
            control.revenue_sd,
            control.customers,
        ),
    }


def verdict(interval: Interval, unit: str) -> str:
    """Say in words what an interval means, e.g. for the table and results.md.

    Args:
        interval: A difference contacted minus control.
        unit: ``points`` (conversion, shown in percentage points) or ``BRL``.
    """
    if interval.covers_zero:
        return "not significant: the interval covers 0"
    direction = "higher" if interval.estimate > 0 else "lower"
    what = "conversion" if unit == "points" else "revenue per customer"
    return f"significant: contacted customers have {direction} {what} than control"
