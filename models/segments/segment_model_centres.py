"""The frozen model's centres: one row per segment and feature."""


def model(dbt, session):
    """Return the centres of a new model version, or no rows."""
    from olist_segmentation import model_tables
    from olist_segmentation.dbt_models import common, segments

    sample = dbt.ref("int_segment_fit_sample")
    selection = dbt.ref("segment_model_selection").df()
    transforms = dbt.ref("segment_model_transforms").df()
    if dbt.is_incremental:
        previous = session.execute(f"select * from {dbt.this}").df()
    else:
        previous = common.empty_frame(model_tables.CENTRE_COLUMNS)
    return segments.model_centres(
        lambda: sample.order("customer_unique_id").df(),
        selection,
        transforms,
        previous,
    )
