"""The frozen segment model: bodies of the models in ``models/segments/``.

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

Each model computes its rows from its own inputs: ``_transforms`` fits the
preparation and scaling steps, ``_centres`` fits the chosen pipeline (the
same seeded fit, so the same transforms), ``_definitions`` scores the
sample with the stored tables. Nothing is kept between models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from olist_segmentation import model_tables as mt
from olist_segmentation.dbt_models.common import (
    SampleLoader,
    empty_frame,
    flag,
    import_fitting_code,
    log,
)

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from olist_segmentation import naming
    from olist_segmentation import segmentation as seg


def needs_new_version(latest_version: int, refit: object) -> bool:
    """Return whether this build must fit a new model version."""
    return latest_version == 0 or flag(refit)


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
        log(f"reusing model version {latest_version} (set segment_refit to refit)")
        return mt.selection_frame()
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    config = seg.SegmentConfig.from_vars(get)
    version = latest_version + 1
    features = load_sample()
    log(
        f"model selection for version {version} on a sample of {len(features):,} "
        f"customers: {len(config.algorithms)} algorithms x k in "
        f"{list(config.k_values)} x {len(config.seeds)} seeds"
    )
    candidates = seg.select_model(features, config, progress=log)
    as_of = _as_of(features)
    table = seg.selection_table(candidates, config, version, as_of)
    chosen = table.loc[table["is_chosen"]].iloc[0]
    log(f"chosen: {chosen['algorithm']} with {chosen['n_segments']} segments")
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
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    config = seg.SegmentConfig.from_json(chosen["settings"])
    log(
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
    import_fitting_code()
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
    import_fitting_code()
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
        log(f"refit keeps segment ids {kept} of version {old_version}")
    return seg.centres_frame(pipeline, config, version, ids)


def model_rules(
    load_sample: SampleLoader,
    selection: pd.DataFrame,
    centres: pd.DataFrame,
    previous_rules: pd.DataFrame,
) -> pd.DataFrame:
    """Rows of ``segment_model_rules`` to append in this build.

    The chosen clustering is fitted again (the same seeded fit as
    ``segment_model_centres``, so the same clusters) and distilled into
    rules (:func:`segmentation.distill`); each rule's segment is its
    cluster's segment id from the centres.
    """
    chosen = mt.chosen_candidate(selection)
    version = int(chosen["model_version"])
    if version in set(previous_rules["model_version"]):
        return empty_frame(mt.RULE_COLUMNS)
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    features = load_sample()
    pipeline, config = fitted_pipeline(features, chosen)
    x = seg.feature_matrix(features, config)
    labels = pipeline.predict(x)
    rules = seg.distill(x, labels, list(config.features))
    current = centres[centres["model_version"] == version]
    ids = {
        int(label): int(segment)
        for label, segment in current[["cluster_label", "segment_id"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    }
    table = seg.rules_table(rules, ids, version)
    served = seg.apply_rules(features, table)
    clustered = np.array([ids[int(label)] for label in labels])
    agreement = float(np.mean(served == clustered))
    for order, group in table.groupby("rule_order", sort=True):
        segment = int(group["segment_id"].iloc[0])
        log(f"rule {order}: {seg.definition_text(group)} -> segment {segment}")
    log(
        f"the rules of version {version} agree with the clustering on "
        f"{agreement:.1%} of the fit sample"
    )
    return table


def describe_segments(
    features: pd.DataFrame,
    config: seg.SegmentConfig,
    segment_ids: np.ndarray,
    z_centres: pd.DataFrame,
    kept: dict[int, str] | None = None,
) -> list[naming.SegmentDefinition]:
    """Name and describe segments from their members' feature values."""
    import_fitting_code()
    from olist_segmentation import naming  # noqa: PLC0415

    raw = features[list(config.features)].astype(float)
    shares = pd.Series(segment_ids).value_counts(normalize=True)
    return naming.define_segments(
        z_centres,
        raw.groupby(segment_ids).median(),
        {str(name): float(value) for name, value in raw.median().items()},
        {
            int(segment): float(share)
            for segment, share in zip(
                shares.index.to_numpy(dtype=np.int64), shares.to_numpy(), strict=True
            )
        },
        kept,
        segment_means=raw.groupby(segment_ids).mean(),
        overall_means={str(name): float(value) for name, value in raw.mean().items()},
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
    rules: pd.DataFrame,
    centres: pd.DataFrame,
    previous_definitions: pd.DataFrame,
) -> pd.DataFrame:
    """Rows of ``segment_model_definitions`` to append in this build.

    The sample's customers are assigned by the stored (frozen) rules, as
    SQL assigns them, so nothing is fitted here. A segment is named from
    its cluster's centre (what sets it apart) and described with its rule
    members' numbers. A segment that kept its id through a refit keeps its
    name; descriptions and actions are written from the new profile.
    """
    chosen = mt.chosen_candidate(selection)
    version = int(chosen["model_version"])
    if version in set(previous_definitions["model_version"]):
        return empty_frame(DEFINITION_COLUMNS)
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    config = seg.SegmentConfig.from_json(chosen["settings"])
    current = centres[centres["model_version"] == version]
    features = load_sample()
    segment_ids = seg.apply_rules(features, rules[rules["model_version"] == version])
    z_centres = current.pivot(index="segment_id", columns="feature", values="centre")[
        list(config.features)
    ]
    older = previous_definitions[previous_definitions["model_version"] < version]
    kept: dict[int, str] = {}
    if not older.empty:
        last = older[older["model_version"] == older["model_version"].max()]
        names = dict(zip(last["segment_id"], last["segment_name"], strict=True))
        kept = {int(i): names[i] for i in z_centres.index if i in names}
    definitions = describe_segments(features, config, segment_ids, z_centres, kept)
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
        log(f"segment {d.segment_id}: {d.segment_name}")
    return frame.astype({"model_version": "int64", "segment_id": "int64"})


def segment_ids_of(
    pipeline: Pipeline,
    features: pd.DataFrame,
    config: seg.SegmentConfig,
    centres: pd.DataFrame,
) -> np.ndarray:
    """Segment id of each customer by the Python pipeline (for checks)."""
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    label_to_id = dict(
        centres[["cluster_label", "segment_id"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    )
    labels = pipeline.predict(seg.feature_matrix(features, config))
    return pd.Series(labels).map(label_to_id).to_numpy()


#: Columns of ``segment_rules``: the served definitions, one row per
#: condition, one set of rows per definition version.
SERVED_RULE_COLUMNS = (
    "definition_version",
    "model_version",
    "segment_id",
    "model_segment_name",
    "rule_order",
    "condition_number",
    "feature",
    "operator",
    "threshold",
    "is_edited",
    "definition",
    "rules_hash",
    "sample_customers_moved",
    "sample_customers",
)


def served_rules(
    load_sample: SampleLoader,
    rules: pd.DataFrame,
    definitions: pd.DataFrame,
    overrides: pd.DataFrame,
    previous: pd.DataFrame,
    get: Callable[[str], object],
) -> pd.DataFrame:
    """Rows of ``segment_rules`` to append in this build (none when unchanged).

    The current model version's fitted rules (``segment_model_rules``) with
    the marketer's edits (seed ``segment_rule_overrides``) applied and
    checked. A rule set not served before becomes a new definition version
    (1, 2, ...), after the fit sample shows that every segment keeps at
    least ``segment_min_share`` of customers; the build logs how many of
    the sample's customers the change moves.

    Args:
        load_sample: Reads ``int_segment_fit_sample``; called only when the
            rules changed.
        rules: Every row of ``segment_model_rules``.
        definitions: Every row of ``segment_model_definitions`` (model names).
        overrides: The seed ``segment_rule_overrides`` (text columns).
        previous: Every row already in ``segment_rules``.
        get: Reads the config (segment_model_version, segment_min_share).

    Raises:
        SegmentationError: The version has no rules, or an edit is bad (the
            message names the CSV line and the fix).
    """
    pinned = get("segment_model_version")
    version = (
        int(pinned)  # type: ignore[call-overload]
        if pinned not in (None, "", "None", "none")
        else int(definitions["model_version"].max())
    )
    fitted = rules[rules["model_version"] == version].copy()
    if fitted.empty:
        raise mt.SegmentationError(
            f"Segment model version {version} has no rules in segment_model_rules "
            "(it was fitted before segments were served as rules). Fix: fit a new "
            "version with `make refit` (olist-seg build --refit), or build into a "
            "new warehouse."
        )
    current = definitions[definitions["model_version"] == version]
    names = {
        int(segment): str(name)
        for segment, name in zip(
            current["segment_id"], current["segment_name"], strict=True
        )
    }
    import_fitting_code()
    from olist_segmentation import segmentation as seg  # noqa: PLC0415

    effective = seg.apply_overrides(fitted, names, overrides, seg.RULE_FEATURES)
    fingerprint = seg.rules_hash(effective)
    mine = previous[previous["model_version"] == version]
    if not mine.empty:
        latest = mine[mine["definition_version"] == mine["definition_version"].max()]
        if str(latest["rules_hash"].iloc[0]) == fingerprint:
            number = int(latest["definition_version"].iloc[0])
            log(
                f"segment definitions: version {number} of model version "
                f"{version}, unchanged"
            )
            return empty_frame(SERVED_RULE_COLUMNS)
        before = latest
    else:
        before = fitted
    sample = load_sample()
    seg.check_shares(sample, effective, names, float(get("segment_min_share")))  # type: ignore[arg-type]
    moved = int(
        (seg.apply_rules(sample, effective) != seg.apply_rules(sample, before)).sum()
    )
    number = int(previous["definition_version"].max()) + 1 if not previous.empty else 1
    texts = {
        int(str(segment)): seg.definition_text(group)
        for segment, group in effective.groupby("segment_id")
    }
    edited = int(effective["is_edited"].sum())
    log(
        f"segment definitions: new version {number} of model version {version} "
        f"({edited} edited condition(s)); it moves {moved:,} of the fit sample's "
        f"{len(sample):,} customers ({moved / max(len(sample), 1):.1%}) from the "
        "previous definitions"
    )
    frame = effective.assign(
        definition_version=number,
        model_segment_name=effective["segment_id"].map(names),
        definition=effective["segment_id"].map(texts),
        rules_hash=fingerprint,
        sample_customers_moved=moved,
        sample_customers=len(sample),
    )
    return frame[list(SERVED_RULE_COLUMNS)].astype(
        {
            "definition_version": "int64",
            "model_version": "int64",
            "segment_id": "int64",
            "sample_customers_moved": "int64",
            "sample_customers": "int64",
        }
    )
