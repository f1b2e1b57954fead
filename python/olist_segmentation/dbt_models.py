"""The bodies of the dbt Python models (``models/segments/``, ``models/monitoring/``).

The model files only read their inputs (dbt needs the ``dbt.ref`` calls in
them to draw the DAG) and call one function here, so the logic is plain,
testable Python on DataFrames, with no database API inside.

The frozen model lives in four incremental tables that only grow:
``segment_model_selection`` (candidates of each version),
``segment_model_transforms`` and ``segment_model_centres`` (the fitted
pipeline) and ``segment_model_definitions`` (names, descriptions, actions).
A build adds a version only when the warehouse has none yet or the var
``segment_refit`` is true. It is selected and fitted on a bounded, seeded
sample (``int_segment_fit_sample``), which the functions here read through a
loader only when a new version is due: a build that reuses the frozen model
reads no features and fits nothing, and SQL (``customer_segments``) assigns
every customer.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from olist_segmentation import model_tables as mt

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from olist_segmentation import naming
    from olist_segmentation import segmentation as seg

# The fitting code (scikit-learn, scipy) is imported inside the functions
# that fit: a build that reuses the frozen model never loads it. dbt runs
# Python models in parallel threads, and two threads importing scikit-learn
# for the first time at once fail (a partially initialised module), so the
# first import happens under this lock.
_IMPORT_LOCK = threading.Lock()


def _import_fitting_code() -> None:
    with _IMPORT_LOCK:
        from olist_segmentation import (  # noqa: F401, PLC0415
            naming,
            segmentation,
            stability,
        )


#: Reads the fit sample (``int_segment_fit_sample``, ordered by customer id).
SampleLoader = Callable[[], pd.DataFrame]


def _log(message: str) -> None:
    print(f"[segments] {message}", file=sys.stderr, flush=True)


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def needs_new_version(latest_version: int, refit: object) -> bool:
    """Return whether this build must fit a new model version."""
    return latest_version == 0 or _flag(refit)


def model_selection(
    load_sample: SampleLoader, latest_version: int, get: Callable[[str], object]
) -> pd.DataFrame:
    """Rows of ``segment_model_selection`` to append in this build.

    Args:
        load_sample: Reads ``int_segment_fit_sample``; called only when a new
            version is fitted.
        latest_version: Highest version already stored; 0 when none.
        get: Reads the model's config (which copies the segment vars).

    Returns:
        The candidates of the new version, or no rows when the latest
        version is reused.
    """
    if not needs_new_version(latest_version, get("segment_refit")):
        _log(f"reusing model version {latest_version} (set segment_refit to refit)")
        return mt.selection_frame()
    _import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    config = seg.SegmentConfig.from_vars(get)
    version = latest_version + 1
    features = load_sample()
    _log(
        f"model selection for version {version} on a sample of {len(features):,} "
        f"customers: {len(config.algorithms)} algorithms x k in "
        f"{list(config.k_values)} x {len(config.seeds)} seeds"
    )
    candidates = seg.select_model(features, config, progress=_log)
    as_of = _as_of(features)
    table = seg.selection_table(candidates, config, version, as_of)
    chosen = table.loc[table["is_chosen"]].iloc[0]
    _log(f"chosen: {chosen['algorithm']} with {chosen['n_segments']} segments")
    return table


def _as_of(features: pd.DataFrame) -> object:
    if len(features) == 0:
        raise mt.SegmentationError("int_customer_features is empty")
    return features["as_of_date"].iloc[0]


def fitted_pipeline(
    features: pd.DataFrame, chosen: pd.Series
) -> tuple[Pipeline, seg.SegmentConfig]:
    """Fit the chosen candidate's pipeline with its stored settings.

    The fit is seeded, so the same features and row give the same model.
    """
    _import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    config = seg.SegmentConfig.from_json(chosen["settings"])
    _log(
        f"fitting version {int(chosen['model_version'])}: {chosen['algorithm']} "
        f"with {chosen['n_segments']} segments on {len(features):,} customers"
    )
    pipeline = seg.fit_pipeline(
        features, chosen["algorithm"], int(chosen["n_segments"]), config
    )
    return pipeline, config


def model_transforms(
    load_sample: SampleLoader,
    selection: pd.DataFrame,
    stored_versions: set[int],
) -> pd.DataFrame:
    """Rows of ``segment_model_transforms`` to append in this build.

    Only the preparation and scaling steps are fitted (they do not depend
    on the clustering that follows them in the pipeline).
    """
    chosen = mt.chosen_candidate(selection)
    version = int(chosen["model_version"])
    if version in stored_versions:
        return empty_frame(mt.TRANSFORM_COLUMNS)
    _import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    config = seg.SegmentConfig.from_json(chosen["settings"])
    features = load_sample()
    x = seg.feature_matrix(features, config)
    steps = seg.make_pipeline(
        chosen["algorithm"], int(chosen["n_segments"]), config.seeds[0], config
    )[:-1].fit(x)
    return seg.transforms_frame(steps, config, version)


def model_centres(
    load_sample: SampleLoader,
    selection: pd.DataFrame,
    transforms: pd.DataFrame,
    previous_centres: pd.DataFrame,
) -> pd.DataFrame:
    """Rows of ``segment_model_centres`` to append in this build.

    Args:
        load_sample: Reads ``int_segment_fit_sample``; called only when a new
            version is fitted.
        selection: Every row of ``segment_model_selection``.
        transforms: Every row of ``segment_model_transforms``.
        previous_centres: Every row already in ``segment_model_centres``.
    """
    chosen = mt.chosen_candidate(selection)
    version = int(chosen["model_version"])
    if version in set(previous_centres["model_version"]):
        return empty_frame(mt.CENTRE_COLUMNS)
    _import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    features = load_sample()
    pipeline, config = fitted_pipeline(features, chosen)
    x = seg.feature_matrix(features, config)
    labels = pipeline.predict(x)
    centres = seg.cluster_parameters(pipeline)[0]
    k = len(centres)
    older = previous_centres[previous_centres["model_version"] < version]
    if older.empty:
        ids = seg.initial_segment_ids(labels, k)
    else:
        old_version = older["model_version"].max()
        ids = seg.match_segments(
            centres,
            transforms[transforms["model_version"] == version],
            labels,
            older[older["model_version"] == old_version],
            transforms[transforms["model_version"] == old_version],
            config.match_max_distance,
            next_id=int(older["segment_id"].max()) + 1,
        )
        kept = sorted(
            ids[label] for label in ids if ids[label] <= older["segment_id"].max()
        )
        _log(f"refit keeps segment ids {kept} of version {old_version}")
    return seg.centres_frame(pipeline, config, version, ids)


def _define(
    features: pd.DataFrame,
    config: seg.SegmentConfig,
    segment_ids: np.ndarray,
    z_centres: pd.DataFrame,
    kept: dict[int, str] | None = None,
) -> list[naming.SegmentDefinition]:
    """Name and describe segments from their members' feature values."""
    _import_fitting_code()
    from olist_segmentation import naming  # noqa: PLC0415

    raw = features[list(config.features)].astype(float)
    return naming.define_segments(
        z_centres,
        raw.groupby(segment_ids).median(),
        raw.median().to_dict(),
        pd.Series(segment_ids).value_counts(normalize=True).to_dict(),
        kept,
        segment_means=raw.groupby(segment_ids).mean(),
        overall_means=raw.mean().to_dict(),
    )


DEFINITION_COLUMNS = (
    "model_version",
    "segment_id",
    "segment_name",
    "description",
    "recommended_action",
    "is_new_segment",
)


def model_definitions(
    load_sample: SampleLoader,
    selection: pd.DataFrame,
    transforms: pd.DataFrame,
    centres: pd.DataFrame,
    previous_definitions: pd.DataFrame,
) -> pd.DataFrame:
    """Rows of ``segment_model_definitions`` to append in this build.

    The sample's customers are assigned with the stored (frozen) transforms
    and centres, as SQL scores them, so nothing is fitted here. A segment
    that kept its id through a refit keeps its name; descriptions and
    actions are written from the new profile.
    """
    chosen = mt.chosen_candidate(selection)
    version = int(chosen["model_version"])
    if version in set(previous_definitions["model_version"]):
        return empty_frame(DEFINITION_COLUMNS)
    _import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    config = seg.SegmentConfig.from_json(chosen["settings"])
    current = centres[centres["model_version"] == version]
    features = load_sample()
    segment_ids = seg.score_frozen(
        features, transforms[transforms["model_version"] == version], current
    )
    z_centres = current.pivot(index="segment_id", columns="feature", values="centre")[
        list(config.features)
    ]
    older = previous_definitions[previous_definitions["model_version"] < version]
    kept: dict[int, str] = {}
    if not older.empty:
        last = older[older["model_version"] == older["model_version"].max()]
        names = dict(zip(last["segment_id"], last["segment_name"], strict=True))
        kept = {int(i): names[i] for i in z_centres.index if i in names}
    definitions = _define(features, config, segment_ids, z_centres, kept)
    frame = pd.DataFrame(
        [
            {
                "model_version": version,
                "segment_id": d.segment_id,
                "segment_name": d.segment_name,
                "description": d.description,
                "recommended_action": d.recommended_action,
                "is_new_segment": d.segment_id not in kept,
            }
            for d in definitions
        ],
        columns=list(DEFINITION_COLUMNS),
    )
    for d in definitions:
        _log(f"segment {d.segment_id}: {d.segment_name}")
    return frame.astype({"model_version": "int64", "segment_id": "int64"})


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """Return a typed frame with no rows (what an unchanged version appends)."""
    frame = pd.DataFrame({name: pd.Series(dtype="float64") for name in columns})
    for name in columns:
        if name in {"model_version", "segment_id", "cluster_label", "feature_position"}:
            frame[name] = frame[name].astype("int64")
        elif name.startswith("is_") or name == "log_transform":
            frame[name] = frame[name].astype("bool")
        elif name in {
            "feature",
            "segment_name",
            "description",
            "recommended_action",
        }:
            frame[name] = frame[name].astype("object")
    return frame


def segment_ids_of(
    pipeline: Pipeline,
    features: pd.DataFrame,
    config: seg.SegmentConfig,
    centres: pd.DataFrame,
) -> np.ndarray:
    """Segment id of each customer by the Python pipeline (for checks)."""
    _import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    label_to_id = dict(
        centres[["cluster_label", "segment_id"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    )
    labels = pipeline.predict(seg.feature_matrix(features, config))
    return pd.Series(labels).map(label_to_id).to_numpy()


def backtest_assignments(
    features: pd.DataFrame,
    selection: pd.DataFrame,
    centres: pd.DataFrame | None = None,
    transforms: pd.DataFrame | None = None,
    definitions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Segments of customers as of a past date, for the lift table.

    The chosen candidate (same algorithm, number of segments and settings)
    is fitted on the features as of the past date only, so nothing after
    that date leaks into the segments whose future purchases are measured.
    The past clusters are then matched to the production model's segments
    (:func:`segmentation.match_segments`, as a refit is) and carry their ids
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
    _import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    columns = ["customer_unique_id", "segment_id", "segment_name", "matches_production"]
    chosen = mt.chosen_candidate(selection)
    version = int(chosen["model_version"])
    config = seg.SegmentConfig.from_json(chosen["settings"])
    if len(features) < 10 * int(chosen["n_segments"]):
        _log(f"lift: only {len(features)} customers before the past date: no lift")
        return pd.DataFrame(
            {
                "customer_unique_id": pd.Series(dtype="object"),
                "segment_id": pd.Series(dtype="int64"),
                "segment_name": pd.Series(dtype="object"),
                "matches_production": pd.Series(dtype="bool"),
            }
        )
    pipeline = seg.fit_pipeline(
        features, chosen["algorithm"], int(chosen["n_segments"]), config
    )
    x = seg.feature_matrix(features, config)
    labels = pipeline.predict(x)
    k = int(chosen["n_segments"])
    production: dict[int, str] = {}
    if centres is not None and transforms is not None and definitions is not None:
        current = definitions[definitions["model_version"] == version]
        production = {
            int(row.segment_id): str(row.segment_name) for row in current.itertuples()
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
    defined = _define(features, config, segment_ids, z_centres, kept)
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
    _log(
        f"lift: {k} segments fitted on {len(frame):,} customers as of the past "
        f"date; {len(kept)} of them match a segment of model version {version}"
    )
    return frame[columns]


# --------------------------------------------------------------------------
# Refresh interval and drift (olist_segmentation.stability).


def stability_ari(
    features: pd.DataFrame,
    grid: pd.DataFrame,
    selection: pd.DataFrame,
    start_dates: object,
) -> pd.DataFrame:
    """Rows of ``stability_ari``.

    The latest model version's hyper-parameters are fitted at each start
    date and frozen (M0), then compared with refits at each horizon.
    """
    _import_fitting_code()
    from olist_segmentation import stability  # noqa: PLC0415

    chosen = stability.ChosenModel.from_selection(selection)
    _log(
        f"stability: {chosen.algorithm} with {chosen.n_segments} segments, "
        f"{grid['start_date'].nunique()} start dates, "
        f"{grid['as_of_date'].nunique()} as-of dates, {len(features):,} feature rows"
    )
    dates = start_dates if isinstance(start_dates, list | tuple) else None
    return stability.simulate(features, grid, chosen, dates, progress=_log)


def stability_drift(
    features: pd.DataFrame, grid: pd.DataFrame, selection: pd.DataFrame
) -> pd.DataFrame:
    """Rows of ``stability_drift``: PSI and KS of each model feature."""
    _import_fitting_code()
    from olist_segmentation import stability  # noqa: PLC0415

    chosen = stability.ChosenModel.from_selection(selection)
    return stability.drift_over_time(features, grid, chosen.config.features)


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
    _import_fitting_code()
    from olist_segmentation import stability  # noqa: PLC0415

    version, trained_as_of = _training(trained)
    chosen = stability.ChosenModel.from_selection(selection, version)
    if current.empty:
        raise mt.SegmentationError("int_customer_features is empty: nothing to check")
    drift = stability.feature_drift(training, current, chosen.config.features)
    threshold = float(psi_threshold)  # type: ignore[arg-type]
    drift = drift.assign(
        model_version=version,
        trained_as_of_date=pd.Timestamp(trained_as_of),
        as_of_date=pd.Timestamp(current["as_of_date"].iloc[0]),
        is_drifted=drift["psi"] >= threshold,
    )
    return drift[list(DRIFT_CHECK_COLUMNS)]


def segment_refit_check(
    features: pd.DataFrame,
    segments: pd.DataFrame,
    drift: pd.DataFrame,
    trained: pd.DataFrame,
    training_features: pd.DataFrame,
    selection: pd.DataFrame,
    get: Callable[[str], object],
    fit_sample: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the ``segment_refit_check`` row: is a refit due, and why.

    The refits are fitted on ``fit_sample``'s customers (default: all).
    """
    _import_fitting_code()
    from olist_segmentation import stability  # noqa: PLC0415

    version, trained_as_of = _training(trained)
    chosen = stability.ChosenModel.from_selection(selection, version)
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
    _log(f"drift check: {check['verdict'].iloc[0]}")
    return check
