"""Candidates of each model version: algorithm x k, metrics, the choice.

Appends a version only when none exists or the var segment_refit is true;
it is selected on the bounded fit sample (int_segment_fit_sample), which is
read only then.
"""


def model(dbt, session):
    """Return the rows to append (none when the latest version is reused)."""
    from olist_segmentation.dbt_models import segments

    # dbt passes a config key to a Python model only when it is read with a
    # literal dbt.config.get("...") call.
    settings = {
        "segment_features": dbt.config.get("segment_features"),
        "segment_algorithms": dbt.config.get("segment_algorithms"),
        "segment_k_values": dbt.config.get("segment_k_values"),
        "segment_seeds": dbt.config.get("segment_seeds"),
        "segment_silhouette_sample": dbt.config.get("segment_silhouette_sample"),
        "segment_min_stability": dbt.config.get("segment_min_stability"),
        "segment_min_share": dbt.config.get("segment_min_share"),
        "segment_stability_subsample": dbt.config.get("segment_stability_subsample"),
        "segment_min_prediction_strength": dbt.config.get(
            "segment_min_prediction_strength"
        ),
        "segment_prediction_strength_splits": dbt.config.get(
            "segment_prediction_strength_splits"
        ),
        "segment_min_rule_agreement": dbt.config.get("segment_min_rule_agreement"),
        "segment_match_max_distance": dbt.config.get("segment_match_max_distance"),
        "segment_refit": dbt.config.get("segment_refit"),
    }
    sample = dbt.ref("int_segment_fit_sample")
    latest = 0
    if dbt.is_incremental:
        latest = session.execute(
            f"select coalesce(max(model_version), 0) from {dbt.this}"
        ).fetchall()[0][0]
    return segments.model_selection(
        lambda: sample.order("customer_unique_id").df(), int(latest), settings.get
    )
