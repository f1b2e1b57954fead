"""The refresh-interval simulation and the production drift check.

Real dbt builds of the generated sample: `stability_build` trains the model
as of 2017-12-04, then runs `dbt build --selector stability` as of the
latest date with 4 start dates and 6 weekly horizons.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from olist_segmentation import cli, dbt_models, stability
from olist_segmentation import segmentation as seg
from olist_segmentation.summaries import stability_summary

from helpers.builds import (
    EARLY_AS_OF_DATE,
    STABILITY_VARS,
    Build,
    StabilityBuild,
    run_dbt,
)
from helpers.input_checks import InputChecks

# --------------------------------------------------------------------------
# PSI: arithmetic on known distributions.


# --------------------------------------------------------------------------
# The simulation's tables.


def test_a_plain_build_leaves_the_simulation_out(sample_build: Build) -> None:
    tables = set(
        sample_build.query("select table_name from information_schema.tables")[
            "table_name"
        ]
    )
    assert "segment_refit_check" in tables
    assert not {t for t in tables if t.startswith("stability_")}


def test_builds_leave_no_staging_tables_behind(
    stability_build: StabilityBuild,
) -> None:
    """Incremental Python models' `__dbt_tmp` tables are dropped at run end."""
    tables = stability_build.build.query(
        "select table_name from information_schema.tables"
    )["table_name"]
    assert "segment_model_selection" in set(tables)
    assert not [t for t in tables if "__dbt_tmp" in t]


def test_grid_has_every_start_date_and_horizon(stability_build: StabilityBuild) -> None:
    b = stability_build.build
    grid = b.query("select * from intermediate.int_stability_as_of_dates")
    data_end = b.query("select as_of_date from intermediate.int_as_of_date").iloc[0, 0]
    starts = pd.to_datetime(STABILITY_VARS["stability_start_dates"])
    weeks = STABILITY_VARS["stability_horizon_weeks"]
    expected = {
        (s, w)
        for s in starts
        for w in range(weeks + 1)
        if s + pd.Timedelta(days=7 * w) <= pd.Timestamp(data_end)
    }
    got = set(
        zip(pd.to_datetime(grid["start_date"]), grid["horizon_weeks"], strict=True)
    )
    assert got == expected
    assert len(got) >= 4 * 5


def test_features_over_many_dates_equal_the_mart_definition(
    stability_build: StabilityBuild,
) -> None:
    """One pass over all dates gives the same rows as int_customer_features
    built with as_of_date = that date."""
    early = stability_build.early.query(
        "select * from intermediate.int_customer_features order by customer_unique_id"
    )
    many = stability_build.build.query(
        "select * from intermediate.int_stability_features "
        f"where as_of_date = date '{EARLY_AS_OF_DATE}' order by customer_unique_id"
    )
    assert len(early) > 100
    pd.testing.assert_frame_equal(
        early.reset_index(drop=True), many[early.columns].reset_index(drop=True)
    )


def test_ari_table_populations_and_identity_at_the_start(
    stability_build: StabilityBuild,
) -> None:
    b = stability_build.build
    ari = b.query("select * from main.stability_ari")
    counts = b.query(
        "select as_of_date, count(*) as n from intermediate.int_stability_features "
        "group by as_of_date"
    ).set_index("as_of_date")["n"]
    grid_rows = b.query("select count(*) from intermediate.int_stability_as_of_dates")
    assert len(ari) == 2 * grid_rows.iloc[0, 0]
    start = ari[ari["horizon_weeks"] == 0]
    assert (start["ari_highest_seed"] == 1.0).all()  # the first seed's refit is M0
    assert (ari["ari_lowest_seed"] <= ari["ari"]).all()
    assert (ari["ari"] <= ari["ari_highest_seed"]).all()
    everyone = ari[ari["population"] == "all_customers"]
    assert (
        everyone["customers"].to_numpy() == counts[everyone["as_of_date"]].to_numpy()
    ).all()
    # customers known at the start are all still there at every horizon
    known = ari[ari["population"] == "known_at_start"].merge(
        start[start["population"] == "known_at_start"][["start_date", "customers"]],
        on="start_date",
        suffixes=("", "_at_start"),
    )
    assert (known["customers"] == known["customers_at_start"]).all()
    assert (ari["ari"] <= 1.0 + 1e-9).all()
    # customers move as they buy (their segment at the start against later)
    # but those who did nothing never do (issue 21)
    known_rows = ari[ari["population"] == "known_at_start"]
    assert known_rows["ari_since_start"].min() < 1.0
    assert (known_rows["idle_customers"] > 0).all()
    assert (known_rows["idle_customers_moved"] == 0).all()


def test_ari_equals_an_independent_fit_of_m0_and_the_refit(
    stability_build: StabilityBuild,
) -> None:
    b = stability_build.build
    start, weeks = pd.Timestamp("2017-12-04"), 6
    later = start + pd.Timedelta(weeks=weeks)
    features = b.query(
        "select * from intermediate.int_stability_features "
        f"where as_of_date in (date '{start.date()}', date '{later.date()}') "
        "order by as_of_date, customer_unique_id"
    )
    chosen = stability.ChosenModel.from_selection(
        b.query("select * from main.segment_model_selection")
    )
    dates = pd.to_datetime(features["as_of_date"])
    at_start = features[dates == start]
    at_later = features[dates == later].reset_index(drop=True)
    algorithm, k, config = chosen.algorithm, chosen.n_segments, chosen.config
    # served segments: each fit's clustering distilled into rules
    m0 = seg.fit_segmenter(at_start, algorithm, k, config)
    x = seg.feature_matrix(at_later, config)
    frozen_labels = m0.predict(x)
    refits = [
        seg.fit_segmenter(at_later, algorithm, k, config, seed).predict(x)
        for seed in config.seeds
    ]
    known = at_later["customer_unique_id"].isin(set(at_start["customer_unique_id"]))
    stored = b.query(
        "select * from main.stability_ari "
        f"where start_date = date '{start.date()}' and horizon_weeks = {weeks}"
    ).set_index("population")
    everyone = np.ones(len(at_later), dtype=bool)
    for population, mask in (("all_customers", everyone), ("known_at_start", known)):
        scores = [adjusted_rand_score(frozen_labels[mask], r[mask]) for r in refits]
        row = stored.loc[population]
        assert row["ari"] == pytest.approx(np.median(scores))
        assert row["ari_lowest_seed"] == pytest.approx(min(scores))
        assert row["ari_highest_seed"] == pytest.approx(max(scores))
        agreement = np.mean(
            [
                adjusted_rand_score(refits[i][mask], refits[j][mask])
                for i in range(len(refits))
                for j in range(i + 1, len(refits))
            ]
        )
        assert row["refit_agreement"] == pytest.approx(agreement)


def test_simulation_reruns_to_identical_tables(
    stability_build: StabilityBuild,
) -> None:
    # Deterministic: the same features and settings give the same tables,
    # bit for bit, in another process than the dbt build that stored them.
    b = stability_build.build
    features = b.query(
        "select * from intermediate.int_stability_features "
        "order by as_of_date, customer_unique_id"
    )
    grid = b.query("select * from intermediate.int_stability_as_of_dates")
    selection = b.query("select * from main.segment_model_selection")
    order = ["start_date", "horizon_weeks", "population"]
    stored_ari = b.query("select * from main.stability_ari").sort_values(order)
    rerun_ari = dbt_models.stability_ari(
        features, grid, selection, STABILITY_VARS["stability_start_dates"]
    ).sort_values(order)
    assert len(rerun_ari) == len(stored_ari) > 0
    _assert_same_values(
        rerun_ari,
        stored_ari,
        ["customers", "ari", "ari_lowest_seed", "ari_highest_seed", "refit_agreement"],
    )

    order = ["start_date", "horizon_weeks", "feature"]
    stored_drift = b.query("select * from main.stability_drift").sort_values(order)
    rerun_drift = dbt_models.stability_drift(features, grid, selection).sort_values(
        order
    )
    assert len(rerun_drift) == len(stored_drift) > 0
    _assert_same_values(
        rerun_drift,
        stored_drift,
        ["feature", "psi", "ks_statistic", "reference_mean", "current_mean"],
    )


def _assert_same_values(
    got: pd.DataFrame, stored: pd.DataFrame, columns: list[str]
) -> None:
    # Exact: no tolerance. NaN equals NaN (a feature nobody has yet).
    pd.testing.assert_frame_equal(
        got[columns].reset_index(drop=True),
        stored[columns].reset_index(drop=True),
        check_exact=True,
        check_dtype=False,
    )


def _intervals_oracle(ari: pd.DataFrame, threshold: float) -> pd.DataFrame:
    rows = []
    for (start, population), g in ari.groupby(["start_date", "population"]):
        longest = int(g["horizon_weeks"].max())
        below = sorted(g.loc[g["ari"] < threshold, "horizon_weeks"])
        conclusive = g["refit_agreement"] >= threshold
        robust = sorted(g.loc[(g["ari"] < threshold) & conclusive, "horizon_weeks"])
        interval = below[0] - 1 if below else longest
        rows.append(
            (
                start,
                population,
                interval,
                not below,
                robust[0] - 1 if robust else longest,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "start_date",
            "population",
            "interval_weeks",
            "is_censored",
            "robust_interval_weeks",
        ],
    )


def test_recommendation_is_the_shortest_interval_over_start_dates(
    stability_build: StabilityBuild,
) -> None:
    b = stability_build.build
    ari = b.query("select * from main.stability_ari")
    recommendation = b.query("select * from main.stability_recommendation")
    assert sorted(recommendation["ari_threshold"].unique()) == [0.7, 0.8, 0.9]
    assert len(recommendation) == 6
    for row in recommendation.itertuples():
        oracle = _intervals_oracle(ari, row.ari_threshold)
        oracle = oracle[oracle["population"] == row.population]
        shortest = oracle["interval_weeks"].min()
        assert row.recommended_interval_weeks == shortest
        assert row.robust_interval_weeks == oracle["robust_interval_weeks"].min()
        assert row.robust_interval_weeks >= shortest
        assert row.spread_weeks == oracle["interval_weeks"].max() - shortest
        assert row.start_dates == 4
        assert row.refits_per_year == math.ceil(52 / max(shortest, 1))
        limiting = oracle.sort_values(["interval_weeks", "start_date"]).iloc[0]
        assert pd.Timestamp(row.limiting_start_date) == pd.Timestamp(
            limiting["start_date"]
        )
        assert row.is_lower_bound == bool(limiting["is_censored"])
        assert row.is_default_threshold == (row.ari_threshold == 0.8)
    # a stricter threshold never gives a longer interval
    everyone = recommendation[recommendation["population"] == "all_customers"]
    intervals = everyone.sort_values("ari_threshold")["recommended_interval_weeks"]
    assert intervals.is_monotonic_decreasing


def test_drift_table_is_zero_at_the_start_and_matches_psi(
    stability_build: StabilityBuild,
) -> None:
    b = stability_build.build
    drift = b.query("select * from main.stability_drift")
    features = seg.SegmentConfig.from_json(
        b.query("select settings from main.segment_model_selection limit 1").iloc[0, 0]
    ).features
    assert set(drift["feature"]) == set(features)
    assert (drift.loc[drift["horizon_weeks"] == 0, "psi"] == 0).all()
    row = drift[(drift["horizon_weeks"] == 6) & (drift["feature"] == "monetary")].iloc[
        0
    ]
    values = b.query(
        "select as_of_date, monetary from intermediate.int_stability_features "
        f"where as_of_date in (date '{row['start_date'].date()}', "
        f"date '{row['as_of_date'].date()}')"
    )
    dates = pd.to_datetime(values["as_of_date"])
    reference = values[dates == pd.Timestamp(row["start_date"])]
    current = values[dates == pd.Timestamp(row["as_of_date"])]
    assert row["psi"] == pytest.approx(
        stability.psi(
            reference["monetary"].to_numpy(float),
            current["monetary"].to_numpy(float),
        )
    )
    assert row["psi"] > 0


def test_a_start_date_after_the_data_stops_the_simulation(
    stability_build: StabilityBuild, tmp_path: Path
) -> None:
    warehouse = tmp_path / "olist.duckdb"
    shutil.copy(stability_build.build.warehouse, warehouse)
    result = run_dbt(
        ["run", "--select", "int_stability_as_of_dates", "stability_ari"],
        stability_build.build.data_dir,
        warehouse,
        {"stability_start_dates": ["2018-03-05", "2019-06-03"]},
        capture=True,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "2019-06-03" in output
    assert "stability_start_dates" in output


def test_stability_summary_states_the_recommendation(
    stability_build: StabilityBuild,
) -> None:
    b = stability_build.build
    row = b.query(
        "select * from main.stability_recommendation "
        "where is_default_threshold and population = 'all_customers'"
    ).iloc[0]
    text = stability_summary(b.warehouse)
    weeks = int(row["recommended_interval_weeks"])
    bound = ">= " if row["is_lower_bound"] else ""
    assert f"Recommended refresh interval: {bound}{weeks} week" in text
    assert f"({int(row['refits_per_year'])} refits a year)" in text


# --------------------------------------------------------------------------
# The production drift check.


def test_drift_check_right_after_training_says_no_refit(sample_build: Build) -> None:
    check = sample_build.query("select * from main.segment_refit_check")
    assert len(check) == 1
    row = check.iloc[0]
    # the first seed's refit on the training data is the frozen model itself
    assert row["ari_highest_seed"] == pytest.approx(1.0)
    assert row["ari_frozen_vs_refit"] <= 1.0
    assert row["max_psi"] == pytest.approx(0.0)
    assert row["weeks_since_training"] == 0
    assert row["new_customers"] == 0
    assert not row["is_refit_due"]
    assert row["verdict"].startswith("no refit due")
    drift = sample_build.query("select * from main.segment_drift")
    assert (drift["psi"] == 0).all()
    assert not drift["is_drifted"].any()


def test_drift_check_says_due_for_a_model_trained_months_ago(
    stability_build: StabilityBuild,
) -> None:
    b = stability_build.build
    row = b.query("select * from main.segment_refit_check").iloc[0]
    as_of = b.query("select as_of_date from intermediate.int_as_of_date").iloc[0, 0]
    weeks = (pd.Timestamp(as_of) - pd.Timestamp(EARLY_AS_OF_DATE)).days // 7
    assert pd.Timestamp(row["trained_as_of_date"]) == pd.Timestamp(EARLY_AS_OF_DATE)
    assert row["weeks_since_training"] == weeks > row["refresh_interval_weeks"]
    assert row["is_refit_due"]
    assert row["verdict"].startswith("refit due")
    assert f"trained {weeks} weeks ago" in row["verdict"]
    drift = b.query("select * from main.segment_drift")
    assert row["max_psi"] == pytest.approx(drift["psi"].max())
    assert set(filter(None, row["drifted_features"].split(", "))) == set(
        drift.loc[drift["is_drifted"], "feature"]
    )
    early_customers = stability_build.early.query(
        "select count(*) from intermediate.int_customer_features"
    ).iloc[0, 0]
    assert row["new_customers"] == row["customers"] - early_customers


def test_each_reason_alone_makes_a_refit_due(stability_build: StabilityBuild) -> None:
    """The verdict on the real tables, with one threshold tightened at a time."""
    b = stability_build.build
    features = b.query(
        "select * from intermediate.int_customer_features order by customer_unique_id"
    )
    segments = b.query("select * from main.customer_segments")
    drift = b.query("select * from main.segment_drift")
    chosen = stability.ChosenModel.from_selection(
        b.query("select * from main.segment_model_selection")
    )
    trained = set(
        b.query(
            "select customer_unique_id from intermediate.int_segment_training_features"
        )["customer_unique_id"]
    )

    def check(ari: float, psi: float, weeks: int) -> pd.Series:
        thresholds = stability.DriftThresholds(ari, psi, weeks)
        return stability.refit_check(
            features, segments, drift, chosen, EARLY_AS_OF_DATE, trained, thresholds
        ).iloc[0]

    relaxed = check(0.0001, 1000.0, 1000)
    assert not relaxed["is_refit_due"]
    assert relaxed["verdict"].startswith("no refit due")
    ari = relaxed["ari_frozen_vs_refit"]
    # the rules a refit distils may be exactly the frozen ones (ARI 1)
    assert 0.8 <= ari <= 1.0
    moved = check(ari + 0.01, 1000.0, 1000)
    assert moved["is_refit_due"]
    assert "segments moved" in moved["verdict"]
    drifted = check(0.0001, relaxed["max_psi"], 1000)
    assert drifted["is_refit_due"]
    assert (
        f"{relaxed['max_psi_feature']} {relaxed['max_psi']:.2f}" in drifted["verdict"]
    )
    aged = check(0.0001, 1000.0, relaxed["weeks_since_training"] - 1)
    assert aged["is_refit_due"]
    assert aged["verdict"].startswith("refit due: age")


def test_drift_command_exit_status(
    stability_build: StabilityBuild,
    sample_build: Build,
    capsys: pytest.CaptureFixture[str],
) -> None:
    due = stability_build.build.warehouse
    args = ["drift", "--no-build", "--warehouse", str(due)]
    assert cli.main(args) == 0
    assert cli.main([*args, "--fail-if-due"]) == cli.EXIT_REFIT_DUE
    assert "REFIT DUE" in capsys.readouterr().out
    fresh = ["drift", "--no-build", "--warehouse", str(sample_build.warehouse)]
    assert cli.main([*fresh, "--fail-if-due"]) == 0
    assert "no refit due" in capsys.readouterr().out


def test_bad_stability_vars_stop_the_build_with_a_clear_error(
    sample_dir: Path, input_checks: InputChecks
) -> None:
    # the build's input checks (its first hook), without a build
    checked = input_checks.run(
        sample_dir,
        {
            "stability_start_dates": ["2017-06-05", "2017-13-45"],
            "stability_horizon_weeks": 0,
            "stability_sensitivity_thresholds": [0.7, 1.5],
        },
    )
    output = checked.output
    assert not checked.passed
    assert "stability_start_dates must be a non-empty list of dates" in output
    assert "got '2017-13-45'" in output
    assert "stability_horizon_weeks must be a whole number of weeks >= 1" in output
    assert "got '1.5'" in output
