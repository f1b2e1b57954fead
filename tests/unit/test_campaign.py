"""Campaign measurement: the control group's draw and the interval arithmetic."""

from __future__ import annotations

import hashlib
import math

import duckdb
import pandas as pd
import pytest

from olist_segmentation import campaign, campaign_stats
from olist_segmentation.campaign_stats import Group

IDS = pd.Series(
    [hashlib.md5(f"person {i}".encode()).hexdigest() for i in range(20_000)]
)


def test_the_draw_is_deterministic_and_the_same_in_sql() -> None:
    first = campaign.is_control(IDS, 0.10, 0)
    again = campaign.is_control(IDS, 0.10, 0)
    assert (first == again).all()
    # the order of the list does not matter: a customer's group is their own
    reversed_ids = IDS.iloc[::-1].reset_index(drop=True)
    assert (
        campaign.is_control(reversed_ids, 0.10, 0).to_numpy()
        == first.iloc[::-1].to_numpy()
    ).all()
    # portable: DuckDB's md5 gives the same draw
    sql = duckdb.execute(
        "select ('0x' || left(md5(id || '/control/' || 0), 13))::ubigint "
        "/ 16^13 < 0.10 as held from unnest($ids) as t(id)",
        {"ids": IDS.tolist()},
    ).df()
    assert sql["held"].tolist() == first.tolist()


@pytest.mark.parametrize("share", [0.05, 0.10, 0.25])
def test_the_share_is_respected(share: float) -> None:
    held = campaign.is_control(IDS, share, 0).mean()
    # 4 standard errors of a proportion over 20,000 customers
    assert held == pytest.approx(share, abs=4 * math.sqrt(share * (1 - share) / 2e4))


def test_another_seed_draws_another_group() -> None:
    zero = campaign.is_control(IDS, 0.10, 0)
    one = campaign.is_control(IDS, 0.10, 1)
    assert (zero != one).any()
    # independent draws: about 10% of the first group is in the second
    overlap = (zero & one).sum() / zero.sum()
    assert overlap == pytest.approx(0.10, abs=0.03)


def test_share_zero_holds_out_nobody_and_bad_shares_are_refused() -> None:
    frame = pd.DataFrame({"customer_unique_id": IDS, "rank": range(len(IDS))})
    contacted, control = campaign.split_control(frame, 0.0, 0)
    assert len(contacted) == len(IDS) and control.empty
    contacted, control = campaign.split_control(frame, 0.10, 0)
    assert len(contacted) + len(control) == len(IDS)
    assert contacted["rank"].is_monotonic_increasing  # the list's order kept
    assert set(control["holdout_reason"]) == {campaign.CONTROL_REASON}
    assert list(control.columns[:2]) == ["customer_unique_id", "holdout_reason"]
    for share in (-0.1, 1.0, 1.5):
        with pytest.raises(campaign.CampaignError, match="--control-share"):
            campaign.is_control(IDS, share, 0)


def test_wilson_interval_by_hand() -> None:
    # 81 of 263 (Newcombe 1998, table I): 0.2553 to 0.3662
    low, high = campaign_stats.wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    # no success: the lower bound is 0, the upper z^2 / (n + z^2)
    z = 1.959963984540054
    low, high = campaign_stats.wilson(0, 10)
    assert low == pytest.approx(0, abs=1e-15)
    assert high == pytest.approx(z * z / (10 + z * z))


def test_newcombe_difference_by_hand() -> None:
    # Newcombe 1998, table II, example (a): 56/70 - 48/80 = 0.2000,
    # method 10 (score, no continuity correction): 0.0524 to 0.3339
    interval = campaign_stats.newcombe_difference(56, 70, 48, 80)
    assert interval.estimate == pytest.approx(0.2)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.0524, 0.3339)
    assert not interval.covers_zero
    # by hand from the two Wilson intervals
    l1, u1 = campaign_stats.wilson(56, 70)
    l2, u2 = campaign_stats.wilson(48, 80)
    assert interval.low == pytest.approx(
        0.2 - math.sqrt((0.8 - l1) ** 2 + (u2 - 0.6) ** 2)
    )
    assert interval.high == pytest.approx(
        0.2 + math.sqrt((u1 - 0.8) ** 2 + (0.6 - l2) ** 2)
    )
    # the Wald interval of the same example (Newcombe: 0.0575 to 0.3425)
    wald = campaign_stats.wald_difference(56, 70, 48, 80)
    assert (round(wald.low, 4), round(wald.high, 4)) == (0.0575, 0.3425)
    # a control group without a buyer still gets a sensible interval
    zero = campaign_stats.newcombe_difference(3, 900, 0, 100)
    assert zero.low < 0 < zero.high and zero.covers_zero


def test_welch_difference_by_hand() -> None:
    # se = sqrt(4^2/100 + 3^2/50) = sqrt(0.34) = 0.583095; 1.959964 * se = 1.142845
    interval = campaign_stats.welch_difference(10.0, 4.0, 100, 8.0, 3.0, 50)
    assert interval.estimate == 2.0
    assert interval.low == pytest.approx(0.857155, abs=1e-6)
    assert interval.high == pytest.approx(3.142845, abs=1e-6)
    assert campaign_stats.z_value() == pytest.approx(1.959964, abs=1e-6)


def test_compare_and_verdict() -> None:
    contacted = Group("contacted", 1000, 100, 15_000.0, 60.0)
    control = Group("control", 100, 2, 500.0, 25.0)
    assert contacted.conversion == 0.1 and contacted.revenue_per_customer == 15.0
    differences = campaign_stats.compare(contacted, control)
    conversion = differences["conversion"]
    assert conversion.estimate == pytest.approx(0.08)
    assert conversion == campaign_stats.newcombe_difference(100, 1000, 2, 100)
    revenue = differences["revenue_per_customer"]
    assert revenue.estimate == 10.0
    half = 1.959963984540054 * math.sqrt(60**2 / 1000 + 25**2 / 100)
    assert (revenue.low, revenue.high) == pytest.approx((10 - half, 10 + half))
    flat = campaign_stats.compare(
        Group("contacted", 1000, 20, 2000.0, 30.0),
        Group("control", 100, 2, 200.0, 30.0),
    )
    for name, interval in flat.items():
        assert interval.covers_zero
        unit = "points" if name == "conversion" else "BRL"
        assert campaign_stats.verdict(interval, unit) == (
            "not significant: the interval covers 0"
        )
        assert interval.as_dict()["significant"] is False
    assert campaign_stats.verdict(conversion, "points").startswith("significant")
