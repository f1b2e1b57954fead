"""The frozen model's centres: one row per segment and feature."""


def model(dbt, session):
    """Return the centres of a new model version, or no rows."""
    from olist_segmentation import dbt_models, segmentation

    features = dbt.ref("int_customer_features").order("customer_unique_id").df()
    selection = dbt.ref("segment_model_selection").df()
    transforms = dbt.ref("segment_model_transforms").df()
    if dbt.is_incremental:
        previous = session.execute(f"select * from {dbt.this}").df()
    else:
        previous = dbt_models.empty_frame(segmentation.CENTRE_COLUMNS)
    return dbt_models.model_centres(features, selection, transforms, previous)
