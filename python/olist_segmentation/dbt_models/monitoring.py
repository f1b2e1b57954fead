"""Monitoring: bodies of the models in ``models/monitoring/``.

The lift backtest's segments (``segment_lift_assignments``) and the
production drift check (``segment_drift``, ``segment_refit_check``), run by
``make drift`` on a built warehouse.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from olist_segmentation import model_tables as mt
from olist_segmentation.dbt_models.common import import_fitting_code, log
from olist_segmentation.dbt_models.segments import describe_segments


def backtest_assignments(
    features: pd.DataFrame,
    selection: pd.DataFrame,
    centres: pd.DataFrame | None = None,
    transforms: pd.DataFrame | None = None,
    definitions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Segments of customers as of a past date, for the lift table.

    The chosen candidate (same algorithm, number of segments and settings)
    is fitted and distilled into rules on the features as of the past date
    only, so nothing after that date leaks into the segments whose future
    purchases are measured. The past clusters are then matched to the
    production model's segments (:func:`segmentation.match_segments`, as a
    refit is) and carry their ids
    and names (overrides included), so the backtest and production speak of
    the same segments. A past cluster that matches none keeps a name of its
    own, marked "(past only)".

    Args:
        features: ``int_customer_features_lift``, the features as of the
            past date.
        selection: Every row of ``segment_model_selection``.
        centres: Every row of ``segment_model_centres``.
        transforms: Every row of ``segment_model_transforms``.
        definitions: Every row of ``segment_definitions`` (the public names).

    Returns:
        customer_unique_id, segment_id (the production id when matched),
        segment_name and matches_production; no rows when too few customers
        had bought before the past date.
    """
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    columns = ["customer_unique_id", "segment_id", "segment_name", "matches_production"]
    chosen = mt.chosen_candidate(selection)
    version = int(chosen["model_version"])
    config = seg.SegmentConfig.from_json(chosen["settings"])
    if len(features) < 10 * int(chosen["n_segments"]):
        log(f"lift: only {len(features)} customers before the past date: no lift")
        return pd.DataFrame(
            {
                "customer_unique_id": pd.Series(dtype="object"),
                "segment_id": pd.Series(dtype="int64"),
                "segment_name": pd.Series(dtype="object"),
                "matches_production": pd.Series(dtype="bool"),
            }
        )
    segmenter = seg.fit_segmenter(
        features, chosen["algorithm"], int(chosen["n_segments"]), config
    )
    pipeline = segmenter.pipeline_
    labels = segmenter.labels_
    k = int(chosen["n_segments"])
    production: dict[int, str] = {}
    if centres is not None and transforms is not None and definitions is not None:
        current = definitions[definitions["model_version"] == version]
        production = {
            int(segment): str(name)
            for segment, name in zip(
                current["segment_id"], current["segment_name"], strict=True
            )
        }
    if production:
        assert centres is not None and transforms is not None
        ids = seg.match_segments(
            seg.cluster_parameters(pipeline)[0],
            seg.transforms_frame(pipeline, config, version + 1),
            labels,
            centres[centres["model_version"] == version],
            transforms[transforms["model_version"] == version],
            config.match_max_distance,
            next_id=max(production) + 1,
        )
    else:
        ids = seg.initial_segment_ids(labels, k)
    segment_ids = np.array([ids[label] for label in labels])
    z_centres = pd.DataFrame(
        seg.cluster_parameters(pipeline)[0],
        columns=list(config.features),
        index=[ids[i] for i in range(k)],
    ).sort_index()
    kept = {i: production[i] for i in ids.values() if i in production}
    defined = describe_segments(features, config, segment_ids, z_centres, kept)
    names = {
        d.segment_id: (
            d.segment_name
            if d.segment_id in kept or not production
            else f"{d.segment_name} (past only)"
        )
        for d in defined
    }
    frame = pd.DataFrame(
        {
            "customer_unique_id": features["customer_unique_id"].to_numpy(),
            "segment_id": segment_ids.astype("int64"),
            "segment_name": [names[i] for i in segment_ids],
            "matches_production": [bool(i in kept) for i in segment_ids],
        }
    )
    log(
        f"lift: {k} segments fitted on {len(frame):,} customers as of the past "
        f"date; {len(kept)} of them match a segment of model version {version}"
    )
    return frame[columns]


def _training(trained: pd.DataFrame) -> tuple[int, object]:
    if len(trained) != 1:
        raise mt.SegmentationError(
            f"int_segment_training_as_of_date has {len(trained)} rows instead of "
            "1: the model version that scores customer_segments has no chosen "
            "candidate in segment_model_selection (check the var "
            "segment_model_version)."
        )
    row = trained.iloc[0]
    return int(row["model_version"]), row["as_of_date"]


DRIFT_CHECK_COLUMNS = (
    "model_version",
    "trained_as_of_date",
    "as_of_date",
    "feature",
    "psi",
    "drift_level",
    "is_drifted",
    "ks_statistic",
    "reference_mean",
    "current_mean",
    "reference_missing_share",
    "current_missing_share",
)


def segment_drift(
    current: pd.DataFrame,
    training: pd.DataFrame,
    trained: pd.DataFrame,
    selection: pd.DataFrame,
    psi_threshold: object,
) -> pd.DataFrame:
    """Rows of ``segment_drift``: each feature today vs at training time."""
    import_fitting_code()
    from olist_segmentation import stability  # noqa: PLC0415

    version, trained_as_of = _training(trained)
    chosen = stability.ChosenModel.from_selection(selection, version)
    if current.empty:
        raise mt.SegmentationError("int_customer_features is empty: nothing to check")
    drift = stability.feature_drift(training, current, chosen.config.features)
    threshold = float(psi_threshold)  # type: ignore[arg-type]
    drift = drift.assign(
        model_version=version,
        trained_as_of_date=mt.as_timestamp(trained_as_of),
        as_of_date=mt.as_timestamp(current["as_of_date"].iloc[0]),
        is_drifted=drift["psi"] >= threshold,
    )
    return drift[list(DRIFT_CHECK_COLUMNS)]


def segment_refit_check(
    features: pd.DataFrame,
    rules: pd.DataFrame,
    drift: pd.DataFrame,
    trained: pd.DataFrame,
    training_features: pd.DataFrame,
    selection: pd.DataFrame,
    get: Callable[[str], object],
    fit_sample: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the ``segment_refit_check`` row: is a refit due, and why.

    The frozen segments are the version's fitted rules (``rules``:
    ``segment_model_rules``; a marketer's edits are not drift), applied to
    today's features; the refits are fitted and distilled on
    ``fit_sample``'s customers (default: all).
    """
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415
    from olist_segmentation import stability  # noqa: PLC0415

    version, trained_as_of = _training(trained)
    chosen = stability.ChosenModel.from_selection(selection, version)
    segments = pd.DataFrame(
        {
            "customer_unique_id": features["customer_unique_id"],
            "segment_id": seg.apply_rules(
                features, rules[rules["model_version"] == version]
            ),
        }
    )
    thresholds = stability.DriftThresholds.from_vars(get)
    check = stability.refit_check(
        features,
        segments,
        drift,
        chosen,
        trained_as_of,
        set(training_features["customer_unique_id"]),
        thresholds,
        None if fit_sample is None else set(fit_sample["customer_unique_id"]),
    )
    log(f"drift check: {check['verdict'].iloc[0]}")
    return check
