"""Name, description and recommended action of each segment and version."""


def model(dbt, session):
    """Return the definitions of a new model version, or no rows."""
    from olist_segmentation import dbt_models

    features = dbt.ref("int_customer_features").order("customer_unique_id").df()
    selection = dbt.ref("segment_model_selection").df()
    centres = dbt.ref("segment_model_centres").df()
    if dbt.is_incremental:
        previous = session.execute(f"select * from {dbt.this}").df()
    else:
        previous = dbt_models.empty_frame(dbt_models.DEFINITION_COLUMNS)
    return dbt_models.model_definitions(features, selection, centres, previous)
