"""The frozen model's per-feature transforms (fill, clip, log, scale)."""


def model(dbt, session):
    """Return the transforms of a new model version, or no rows."""
    from olist_segmentation.dbt_models import segments

    sample = dbt.ref("int_segment_fit_sample")
    selection = dbt.ref("segment_model_selection").df()
    stored = set()
    if dbt.is_incremental:
        stored = {
            row[0]
            for row in session.execute(
                f"select distinct model_version from {dbt.this}"
            ).fetchall()
        }
    return segments.model_transforms(
        lambda: sample.order("customer_unique_id").df(), selection, stored
    )
