"""Behavioural segments: real dbt builds of the sample, checked end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import adjusted_rand_score

from olist_segmentation import segmentation as seg
from olist_segmentation.build import PROJECT_DIR

from helpers.builds import Build, build_or_fail, private_copy, run_dbt, shared_build

#: Columns that legitimately differ between two builds (wall-clock time).
VOLATILE = {"scored_at"}
#: Lowest ARI between the planted customer types and the segments that
#: counts as "recovered" on the test sample (measured: see the test).
MIN_PLANTED_ARI = 0.5


def _features(build: Build) -> pd.DataFrame:
    return build.query(
        "select * from intermediate.int_customer_features order by customer_unique_id"
    )


def _served_rules(build: Build, model_version: int | None = None) -> pd.DataFrame:
    """The latest served definition version (of ``model_version``)."""
    where = "" if model_version is None else f"where model_version = {model_version}"
    return build.query(
        f"""
        select * from main.segment_rules
        where definition_version = (
            select max(definition_version) from main.segment_rules {where}
        )
        """
    )


def _python_segment_ids(build: Build, score: pd.DataFrame) -> np.ndarray:
    """Segment ids the served rules give ``score`` in Python (apply_rules)."""
    return seg.apply_rules(score, _served_rules(build))


def test_one_row_per_customer_of_customer_rfm(sample_build: Build) -> None:
    segments = sample_build.query("select * from main.customer_segments")
    rfm = sample_build.query("select customer_unique_id from main.customer_rfm")
    assert segments["customer_unique_id"].is_unique
    assert set(segments["customer_unique_id"]) == set(rfm["customer_unique_id"])
    assert segments["segment_id"].notna().all()
    assert segments["segment_name"].str.len().gt(0).all()
    assert (segments["distance_to_centre"] >= 0).all()
    assert (segments["model_version"] == 1).all()


def test_sql_scoring_implements_the_served_definitions_on_every_customer(
    sample_build: Build,
) -> None:
    features = _features(sample_build)
    sql = sample_build.query(
        "select segment_id, definition_version from main.customer_segments "
        "order by customer_unique_id"
    )
    python = _python_segment_ids(sample_build, features)
    assert len(python) == len(sql) > 0
    assert (python >= 0).all()  # the last rule takes everyone else
    assert (python == sql["segment_id"].to_numpy()).all()
    assert (sql["definition_version"] == 1).all()
    # every segment of the decision list holds customers
    assert set(python) == set(_served_rules(sample_build)["segment_id"])


def test_definitions_read_as_the_conditions_that_score(sample_build: Build) -> None:
    rules = _served_rules(sample_build)
    definitions = sample_build.query(
        "select * from main.segment_definitions order by rule_order"
    )
    profiles = sample_build.query(
        "select segment_id, rule_order, definition from main.segment_profiles"
    )
    assert list(definitions["rule_order"]) == list(range(1, len(definitions) + 1))
    assert definitions["definition"].iloc[-1] == "everyone else"
    for row in definitions.itertuples():
        conditions = rules[rules["segment_id"] == row.segment_id]
        assert row.definition == seg.definition_text(conditions)
        if row.definition != "everyone else":
            # e.g. "frequency >= 2": a named feature, an operator, a number
            feature, operator, threshold = row.definition.split(" ")
            assert feature in seg.RULE_FEATURES
            assert operator in seg.OPERATORS
            float(threshold)
    merged = definitions.merge(profiles, on="segment_id", suffixes=("", "_p"))
    assert (merged["definition"] == merged["definition_p"]).all()
    assert (merged["rule_order"] == merged["rule_order_p"]).all()


def test_model_selection_chooses_by_reproducibility(sample_build: Build) -> None:
    selection = sample_build.query("select * from main.segment_model_selection")
    settings = json.loads(selection["settings"].iloc[0])
    assert set(selection["algorithm"]) == set(settings["algorithms"]) == {"kmeans"}
    assert sorted(selection["n_segments"]) == sorted(settings["k_values"])
    assert selection["is_chosen"].sum() == 1
    metrics = [
        "silhouette",
        "stability_ari",
        "prediction_strength",
        "rule_strength",
        "rule_agreement",
    ]
    assert selection[metrics].notna().all().all()
    for column in ("prediction_strength", "rule_strength", "rule_agreement"):
        assert selection[column].between(0, 1.0000001).all()
    # eligibility recomputed from the stored metrics and thresholds
    eligible = (
        (selection["prediction_strength"] >= settings["min_prediction_strength"])
        & (selection["rule_strength"] >= settings["min_prediction_strength"])
        & (selection["rule_agreement"] >= settings["min_rule_agreement"])
        & (selection["stability_ari"] >= settings["min_stability"])
        & (selection["min_segment_share"] >= settings["min_share"])
    )
    assert (eligible == selection["is_eligible"]).all()
    assert eligible.any()
    # some candidate fails on reproducibility: the rule is not a formality
    assert not eligible.all()
    chosen = selection[selection["is_chosen"]].iloc[0]
    assert chosen["n_segments"] == selection.loc[eligible, "n_segments"].max()
    assert chosen["selection_rank"] == 1
    assert "prediction strength" in chosen["choice_rule"]
    assert "silhouette" not in chosen["choice_rule"]


def test_every_segment_has_a_unique_name_description_and_action(
    sample_build: Build,
) -> None:
    definitions = sample_build.query("select * from main.segment_definitions")
    chosen_k = sample_build.query(
        "select n_segments from main.segment_model_selection where is_chosen"
    )["n_segments"][0]
    assert len(definitions) == chosen_k
    assert definitions["segment_name"].is_unique
    for column in ("segment_name", "description", "recommended_action"):
        assert (
            definitions[column]
            .str.len()
            .gt(10 if column != "segment_name" else 2)
            .all()
        )
    assert definitions["description"].str.contains("% of customers").all()
    used = sample_build.query("select distinct segment_id from main.customer_segments")
    assert set(used["segment_id"]) == set(definitions["segment_id"])


def test_profiles_add_up_to_the_customers_and_revenue(sample_build: Build) -> None:
    profiles = sample_build.query("select * from main.segment_profiles")
    rfm = sample_build.query(
        "select count(*) as n, sum(monetary) as revenue from customer_rfm"
    )
    assert profiles["customers"].sum() == rfm["n"][0]
    assert profiles["customer_share"].sum() == pytest.approx(1.0)
    assert profiles["revenue"].sum() == pytest.approx(float(rfm["revenue"][0]))
    assert profiles["revenue_share"].sum() == pytest.approx(1.0)
    rules = sample_build.query(
        "select distinct feature from main.segment_rules where feature is not null"
    )
    for feature in rules["feature"]:
        assert f"mean_{feature}" in profiles.columns
        assert f"median_{feature}" in profiles.columns
    # one mean checked independently
    joined = sample_build.query(
        """
        select s.segment_id, avg(f.monetary) as mean_monetary
        from main.customer_segments as s
        inner join intermediate.int_customer_features as f using (customer_unique_id)
        group by 1 order by 1
        """
    )
    expected = joined.set_index("segment_id")["mean_monetary"]
    actual = profiles.set_index("segment_id").loc[expected.index, "mean_monetary"]
    np.testing.assert_allclose(actual.astype(float), expected.astype(float))


def test_planted_customer_types_are_recovered(sample_build: Build) -> None:
    planted = pd.read_csv(sample_build.data_dir / "planted_customer_types.csv")
    segments = sample_build.query(
        "select customer_unique_id, segment_id from main.customer_segments"
    )
    merged = segments.merge(planted, on="customer_unique_id", how="inner")
    assert len(merged) == len(segments)
    ari = adjusted_rand_score(merged["planted_type"], merged["segment_id"])
    print(f"ARI planted types vs segments: {ari:.3f}")
    assert ari >= MIN_PLANTED_ARI
    # a random assignment of the same sizes scores about 0
    shuffled = np.random.default_rng(0).permutation(merged["segment_id"].to_numpy())
    assert adjusted_rand_score(merged["planted_type"], shuffled) < 0.05
    # The documented reasons for the rest (docs/segment_results.md, "Planted
    # types"): the two repeat types are each under segment_min_share and
    # share the segment `frequency >= 2`; remote_long_delivery is planted by
    # geography, which is not a model feature. Without those two effects
    # the segments recover the planted types much better.
    repeat = merged["planted_type"].isin(["loyal_high_value", "frequent_small_basket"])
    rules = _served_rules(sample_build)
    frequency = rules[rules["feature"] == "frequency"]
    assert len(frequency) == 1 and frequency["threshold"].iloc[0] == 2
    repeat_segment = int(frequency["segment_id"].iloc[0])
    assert (merged.loc[repeat, "segment_id"] == repeat_segment).mean() >= 0.95
    assert repeat.mean() < 2 * 0.02  # both types together barely reach 2% x 2
    types = merged["planted_type"].where(~repeat, "repeat")
    behaviour = merged["planted_type"] != "remote_long_delivery"
    explained = adjusted_rand_score(types[behaviour], merged["segment_id"][behaviour])
    print(f"ARI without the two documented effects: {explained:.3f}")
    assert explained >= MIN_PLANTED_ARI + 0.2


def test_lift_compares_behavioural_and_rfm_segments(sample_build: Build) -> None:
    lift = sample_build.query("select * from main.segment_lift")
    assert set(lift["segmentation"]) == {"behavioural", "rfm"}
    assert (lift["horizon_days"] == 90).all()
    sizes = lift.groupby("segmentation")["customers"].sum()
    assert sizes["behavioural"] == sizes["rfm"] > 0
    known = sample_build.query(
        """
        select count(distinct customer_unique_id) as n
        from intermediate.int_orders_enriched
        where is_qualifying and purchase_date < (
            select as_of_date from intermediate.int_lift_as_of_date
        )
        """
    )
    assert sizes["behavioural"] == known["n"][0]
    assert (lift["buyers"] <= lift["customers"]).all()
    for _, group in lift.groupby("segmentation"):
        # lifts are relative to everyone: their share-weighted mean is 1
        weighted = (group["customer_share"] * group["purchase_rate_lift"]).sum()
        assert weighted == pytest.approx(1.0)
        revenue = (group["customer_share"] * group["revenue_lift"]).sum()
        assert revenue == pytest.approx(1.0)


def test_lift_segments_carry_the_production_names(sample_build: Build) -> None:
    lift = sample_build.query(
        "select segment_order, segment_name, matches_production "
        "from main.segment_lift where segmentation = 'behavioural'"
    )
    production = sample_build.query(
        "select segment_id, segment_name from main.segment_definitions "
        "where model_version = (select max(model_version) "
        "from main.segment_definitions)"
    )
    names = dict(zip(production["segment_id"], production["segment_name"], strict=True))
    matched = lift[lift["matches_production"]]
    # the planted types are found at both dates, so most past clusters match
    assert len(matched) >= len(lift) - 1 > 0
    for row in matched.itertuples():
        assert names[row.segment_order] == row.segment_name
    for row in lift[~lift["matches_production"]].itertuples():
        assert row.segment_name.endswith("(past only)")
        assert row.segment_order not in names


def test_rebuild_gives_identical_segment_tables(
    sample_build: Build, sample_rebuild: Build
) -> None:
    again = sample_rebuild
    tables = {
        "segment_model_selection": "algorithm, n_segments",
        "segment_model_transforms": "feature",
        "segment_model_centres": "segment_id, feature",
        "segment_model_rules": "rule_order, condition_number",
        "segment_rules": "rule_order, condition_number",
        "segment_definitions": "segment_id",
        "customer_segments": "customer_unique_id",
        "segment_profiles": "segment_id",
        "segment_lift": "segmentation, segment_order",
    }
    for table, order in tables.items():
        first = sample_build.query(f"select * from main.{table} order by {order}")
        second = again.query(f"select * from main.{table} order by {order}")
        keep = [c for c in first.columns if c not in VOLATILE]
        pd.testing.assert_frame_equal(first[keep], second[keep], obj=table)


@pytest.fixture(scope="session")
def past_then_present(early_build: Build, shared_root: Path) -> tuple[Build, Build]:
    """A model fitted as of 2018-03-01 (`early_build`), then a build on all
    the data into a copy of that warehouse. Read-only, shared by the session.

    Returns the past build and the present build (the frozen version 1
    reused).
    """
    present = shared_build(
        shared_root,
        "past_then_present",
        early_build.data_dir,
        lambda data, folder_file: build_or_fail(
            data, private_copy(early_build, folder_file.parent).warehouse
        ),
    )
    return early_build, present


def test_new_customers_are_scored_by_the_frozen_model_without_refit(
    past_then_present: tuple[Build, Build],
) -> None:
    past, present = past_then_present
    versions = present.query(
        "select distinct model_version from main.segment_definitions"
    )
    assert list(versions["model_version"]) == [1]
    assert "reusing model version 1" in present.output
    past_n = past.query("select count(*) as n from main.customer_segments")["n"][0]
    now = present.query(
        "select customer_unique_id, segment_id from main.customer_segments "
        "order by customer_unique_id"
    )
    rfm = present.query("select count(*) as n from main.customer_rfm")["n"][0]
    assert len(now) == rfm > past_n
    # the rules fitted on the past assign today's customers in SQL exactly
    # as they do in Python, and are the past's rules, unchanged
    python = seg.apply_rules(_features(present), _served_rules(past))
    assert (python == now["segment_id"].to_numpy()).all()
    for table in ("segment_model_centres", "segment_rules"):
        frozen = present.query(f"select * from main.{table} order by all")
        before = past.query(f"select * from main.{table} order by all")
        pd.testing.assert_frame_equal(frozen, before, obj=table)


def test_a_customer_who_did_nothing_keeps_the_segment(
    past_then_present: tuple[Build, Build],
) -> None:
    """Issue 21: same model version, a later as-of date; customers with no
    new order and no new review keep their segment (target: at most 0.1%
    move), and everyone known at the start keeps ARI >= 0.8."""
    past, present = past_then_present
    sql = """
        select s.customer_unique_id, s.segment_id, f.frequency,
            f.reviewed_order_count
        from main.customer_segments as s
        inner join intermediate.int_customer_features as f using (customer_unique_id)
    """
    before, now = past.query(sql), present.query(sql)
    assert before["customer_unique_id"].is_unique
    both = before.merge(now, on="customer_unique_id", suffixes=("_start", "_now"))
    assert len(both) == len(before)  # nobody known at the start is lost
    idle = (both["frequency_start"] == both["frequency_now"]) & (
        both["reviewed_order_count_start"] == both["reviewed_order_count_now"]
    )
    moved = both["segment_id_start"] != both["segment_id_now"]
    print(
        f"idle customers {idle.sum():,}, of whom moved {(idle & moved).sum():,}; "
        f"active {(~idle).sum():,}, of whom moved {(~idle & moved).sum():,}"
    )
    assert idle.sum() > 0.9 * len(both)
    assert (idle & moved).sum() <= 0.001 * idle.sum()
    assert (~idle & moved).sum() > 0  # the check can see a move
    ari = adjusted_rand_score(both["segment_id_start"], both["segment_id_now"])
    assert ari >= 0.8


def test_refit_keeps_ids_and_names_of_persisting_segments(
    past_then_present: tuple[Build, Build], tmp_path: Path
) -> None:
    past, present = past_then_present
    warehouse = private_copy(present, tmp_path).warehouse
    refit = build_or_fail(past.data_dir, warehouse, segment_refit=True)
    definitions = refit.query(
        "select * from main.segment_definitions order by model_version, segment_id"
    )
    assert sorted(definitions["model_version"].unique()) == [1, 2]
    old = definitions[definitions["model_version"] == 1].set_index("segment_id")
    new = definitions[definitions["model_version"] == 2].set_index("segment_id")
    kept = new[~new["is_new_segment"]]
    assert len(kept) >= 1
    for segment_id, row in kept.iterrows():
        assert row["segment_name"] == old.loc[segment_id, "segment_name"]
    fresh = new[new["is_new_segment"]]
    assert (fresh.index > old.index.max()).all()
    assert new["segment_name"].is_unique
    segments = refit.query("select distinct model_version from main.customer_segments")
    assert list(segments["model_version"]) == [2]
    selection = refit.query(
        "select model_version, is_chosen from segment_model_selection"
    )
    assert selection.groupby("model_version")["is_chosen"].sum().tolist() == [1, 1]


def test_bad_segment_var_stops_the_build_with_its_name(
    sample_build: Build, tmp_path: Path
) -> None:
    result = run_dbt(
        ["build", "--select", "+segment_model_selection"],
        sample_build.data_dir,
        tmp_path / "olist.duckdb",
        {"segment_algorithms": ["kmeans", "dbscan"]},
        capture=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "segment_algorithms must be a non-empty subset" in output
    assert "dbscan" in output


def test_as_of_date_before_any_order_is_a_clear_error(
    sample_build: Build, tmp_path: Path
) -> None:
    result = run_dbt(
        ["build"],
        sample_build.data_dir,
        tmp_path / "olist.duckdb",
        {"as_of_date": "2010-01-01"},
        capture=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "nothing to segment" in output


def test_every_segment_column_is_documented(sample_build: Build) -> None:
    spec = yaml.safe_load(
        (PROJECT_DIR / "models" / "segments" / "_segments__models.yml").read_text()
    )
    documented = {
        model["name"]: [column["name"] for column in model.get("columns", [])]
        for model in spec["models"]
    }
    for model, columns in documented.items():
        actual = list(sample_build.query(f"select * from main.{model} limit 0").columns)
        assert columns == actual, model
