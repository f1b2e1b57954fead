"""Model lifecycle: a bounded fit, reuse builds that fit nothing, and a
frozen model that refuses data it was not trained on."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from olist_segmentation import segmentation as seg
from olist_segmentation.build import PROJECT_DIR
from olist_segmentation.generate import generate
from olist_segmentation.phased_build import target_path
from olist_segmentation.segmentation.frozen import to_scaled_units
from olist_segmentation.summaries import warehouse_summary

from helpers.builds import Build, build_or_fail, run_dbt, shared_build

#: A fit sample smaller than the test sample's customers, so it bites.
FIT_SAMPLE = 1000
#: Tables a refused build must leave exactly as they were.
SERVED = ("customer_rfm", "customer_segments", "segment_profiles", "customers")
#: The public marts BI tools read: contract enforced, access public.
PUBLIC_MARTS = (
    "customers",
    "customer_rfm",
    "rfm_segment_summary",
    "customer_segments",
    "segment_profiles",
    "segment_definitions",
)


@dataclass
class Bounded:
    """A build whose model was fitted on a FIT_SAMPLE-customer sample."""

    build: Build
    folder: Path


@pytest.fixture(scope="session")
def bounded(sample_dir: Path, shared_root: Path) -> Bounded:
    """Read-only, shared by the session; tests that build take a copy."""
    build = shared_build(
        shared_root,
        "bounded",
        sample_dir,
        lambda data, warehouse: build_or_fail(
            data, warehouse, segment_fit_sample_size=FIT_SAMPLE
        ),
    )
    return Bounded(build, build.warehouse.parent)


def _copy(bounded: Bounded, tmp_path: Path) -> Path:
    target = tmp_path / "olist.duckdb"
    shutil.copy(bounded.build.warehouse, target)
    return target


def _served(build: Build) -> dict[str, pd.DataFrame]:
    return {
        table: build.query(f"select * from main.{table} order by 1") for table in SERVED
    }


def _refused(data_dir: Path, warehouse: Path, **dbt_vars: object) -> str:
    result = run_dbt(["build"], data_dir, warehouse, dbt_vars or None, capture=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    return output


def _assert_unchanged(before: dict[str, pd.DataFrame], after: Build) -> None:
    for table, frame in _served(after).items():
        pd.testing.assert_frame_equal(before[table], frame, obj=table)


def test_fit_sees_a_bounded_seeded_sample(bounded: Bounded) -> None:
    b = bounded.build
    features = b.query(
        "select * from intermediate.int_customer_features order by customer_unique_id"
    )
    sample = b.query(
        "select * from intermediate.int_segment_fit_sample order by customer_unique_id"
    )
    assert len(features) > 2 * FIT_SAMPLE
    assert len(sample) == FIT_SAMPLE
    # the sample is the FIT_SAMPLE customers with the smallest md5 of
    # "<id>/<seed>", computed here independently of the database
    keys = sorted(
        (hashlib.md5(f"{c}/0".encode()).hexdigest(), c)
        for c in features["customer_unique_id"]
    )
    assert set(sample["customer_unique_id"]) == {c for _, c in keys[:FIT_SAMPLE]}
    selection = b.query("select * from main.segment_model_selection")
    assert (selection["trained_customers"] == FIT_SAMPLE).all()
    # every customer is scored, by the rules fitted on the sample only
    segments = b.query(
        "select customer_unique_id, segment_id from main.customer_segments "
        "order by customer_unique_id"
    )
    assert list(segments["customer_unique_id"]) == list(features["customer_unique_id"])
    chosen = seg.chosen_candidate(selection)
    config = seg.SegmentConfig.from_json(chosen["settings"])
    fitted = seg.fit_segmenter(
        sample, chosen["algorithm"], int(chosen["n_segments"]), config
    )
    python = fitted.predict(seg.feature_matrix(features, config))
    assert adjusted_rand_score(python, segments["segment_id"]) == 1.0


def test_each_version_stores_the_fingerprint_of_its_training_data(
    bounded: Bounded,
) -> None:
    b = bounded.build
    fingerprint = b.query("select * from main.segment_model_fingerprints")
    assert len(fingerprint) == 1
    row = fingerprint.iloc[0]
    features = b.query("select * from intermediate.int_customer_features")
    assert row["model_version"] == 1
    assert row["training_as_of_date"] == features["as_of_date"].iloc[0]
    assert row["customers"] == len(features)
    assert row["fit_sample_customers"] == FIT_SAMPLE
    assert row["first_purchase_date"] == features["first_purchase_date"].min()
    assert row["last_purchase_date"] == features["last_purchase_date"].max()
    orders = pd.read_csv(b.data_dir / "olist_orders_dataset.csv")
    assert row["orders_rows"] == len(orders)
    assert row["mean_monetary"] == pytest.approx(features["monetary"].mean())


def test_distance_to_centre_is_measured_from_the_frozen_model(
    sample_build: Build,
) -> None:
    """SQL assigns by the rules; the distance to the centre of that segment
    (a spread measure) is the frozen transforms and centres, as NumPy
    computes them, on every customer."""
    features = sample_build.query(
        "select * from intermediate.int_customer_features order by customer_unique_id"
    )
    sql = sample_build.query(
        "select segment_id, distance_to_centre from main.customer_segments "
        "order by customer_unique_id"
    )
    transforms = sample_build.query("select * from main.segment_model_transforms")
    centres = sample_build.query("select * from main.segment_model_centres")
    t = transforms.sort_values("feature_position")
    names = t["feature"].tolist()
    values = features[names].to_numpy(dtype=float)
    values = np.where(np.isnan(values), t["fill_value"].to_numpy(), values)
    scaled = to_scaled_units(values, t)
    wide = centres.pivot(index="segment_id", columns="feature", values="centre")
    own = wide.loc[sql["segment_id"], names].to_numpy()
    distance = np.sqrt(((scaled - own) ** 2).sum(axis=1))
    np.testing.assert_allclose(sql["distance_to_centre"], distance, rtol=1e-9)
    # the nearest centre mostly agrees with the rules (rule_agreement)
    nearest = seg.score_frozen(features, transforms, centres)
    agreement = sample_build.query(
        "select rule_agreement from main.segment_model_selection where is_chosen"
    )["rule_agreement"][0]
    assert (nearest == sql["segment_id"].to_numpy()).mean() >= agreement - 0.05


def test_a_reuse_build_fits_nothing(bounded: Bounded, tmp_path: Path) -> None:
    warehouse = _copy(bounded, tmp_path)
    before = Build(bounded.build.data_dir, warehouse, "")
    model = {
        t: before.query(f"select * from main.{t} order by all")
        for t in ("segment_model_selection", "segment_model_centres")
    }
    again = build_or_fail(bounded.build.data_dir, warehouse)
    assert "reusing model version 1" in again.output
    assert "model selection for version" not in again.output
    assert "fitting version" not in again.output
    # the lift backtest and the drift check (which fit) are not in the build
    assert "segment_refit_check" not in again.output
    assert "segment_lift_assignments" not in again.output
    for table, frame in model.items():
        after = again.query(f"select * from main.{table} order by all")
        pd.testing.assert_frame_equal(frame, after, obj=table)
    summary = warehouse_summary(warehouse)
    assert summary.drift_verdict.startswith("not run for this build")


def test_data_that_do_not_continue_the_training_data_are_refused(
    bounded: Bounded, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    generate(other, n_orders=2000, seed=99)
    warehouse = _copy(bounded, tmp_path)
    before = _served(Build(other, warehouse, ""))
    output = _refused(other, warehouse)
    assert "Segment model version 1" in output
    assert "does not fit these data" in output
    assert "trained on" in output
    assert "olist-seg build --refit" in output
    assert "No table was changed" in output
    _assert_unchanged(before, Build(other, warehouse, ""))
    # the fix the message names works: a refit on the new data
    refit = build_or_fail(other, warehouse, segment_refit=True)
    versions = refit.query(
        "select model_version, customers from main.segment_model_fingerprints "
        "order by model_version"
    )
    assert list(versions["model_version"]) == [1, 2]
    rfm = refit.query("select count(*) as n from main.customer_rfm")["n"][0]
    assert versions["customers"].iloc[1] == rfm
    scored = refit.query("select distinct model_version from main.customer_segments")
    assert list(scored["model_version"]) == [2]


def test_an_as_of_date_before_training_is_refused(
    bounded: Bounded, tmp_path: Path
) -> None:
    warehouse = _copy(bounded, tmp_path)
    data = bounded.build.data_dir
    before = _served(Build(data, warehouse, ""))
    trained = bounded.build.query(
        "select training_as_of_date from main.segment_model_fingerprints"
    ).iloc[0, 0]
    output = _refused(data, warehouse, as_of_date="2018-01-01")
    assert "look-ahead" in output
    assert f"trained as of {pd.Timestamp(trained).date()}" in output
    assert "segment_model_version" in output
    _assert_unchanged(before, Build(data, warehouse, ""))


def test_a_version_without_fingerprint_is_refused(
    bounded: Bounded, tmp_path: Path
) -> None:
    warehouse = _copy(bounded, tmp_path)
    output = _refused(bounded.build.data_dir, warehouse, segment_model_version=7)
    assert "Segment model version 7" in output
    assert "no training fingerprint" in output


def test_public_marts_compile_without_a_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "never_built.duckdb"
    result = run_dbt(
        ["compile", "--select", "customer_segments", "segment_profiles"],
        warehouse=warehouse,
        capture=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    # where this dbt run wrote (DBT_TARGET_PATH: one folder per test worker)
    target = target_path(PROJECT_DIR)
    compiled = (
        target / "compiled/olist_segmentation/models/segments/segment_profiles.sql"
    ).read_text()
    assert "median_distance_to_sao_paulo_km" in compiled
    manifest = json.loads((target / "manifest.json").read_text())
    for name in PUBLIC_MARTS:
        node = manifest["nodes"][f"model.olist_segmentation.{name}"]
        assert node["config"]["contract"]["enforced"], name
        assert node["access"] == "public", name
        assert all(c.get("data_type") for c in node["columns"].values()), name
