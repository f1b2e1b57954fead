"""The report's wording, without a build or a browser."""

from __future__ import annotations

from olist_segmentation import report


def test_refresh_headline_wording():
    base = {
        "ari_threshold": 0.8,
        "start_dates": 5,
        "limiting_start_date": "2017-03-06",
        "is_lower_bound": False,
    }
    normal = report.refresh_headline(
        base | {"recommended_interval_weeks": 10, "refits_per_year": 6}
    )
    assert normal.startswith("Refit the segmentation every 10 weeks (about 6 refits")
    assert "ARI ≥ 0.8" in normal and "every one of the 5 start dates" in normal
    assert "in week 11" in normal and "at least" not in normal
    assert "Not counting" not in normal
    robust = report.refresh_headline(
        base
        | {"recommended_interval_weeks": 7, "refits_per_year": 8}
        | {"robust_interval_weeks": 17}
    )
    assert robust.endswith("disagreed among themselves, the interval is 17 weeks.")
    bound = report.refresh_headline(
        base
        | {"recommended_interval_weeks": 26, "refits_per_year": 2}
        | {"is_lower_bound": True}
    )
    assert "at least 26 weeks" in bound
    zero = report.refresh_headline(
        base | {"recommended_interval_weeks": 0, "refits_per_year": 52}
    )
    assert "already differ from a fresh fit" in zero and "after one week" in zero
    assert report.drift_table_horizons([0, 1, 2]) == [2]
    assert report.drift_table_horizons(range(27)) == [4, 13, 26]
    assert report.drift_table_horizons([0]) == []
