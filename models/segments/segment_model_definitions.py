"""Name, description and recommended action of each segment and version.

The store behind the public SQL model segment_definitions.
"""


def model(dbt, session):
    """Return the definitions of a new model version, or no rows."""
    from olist_segmentation.dbt_models import common, segments

    sample = dbt.ref("int_segment_fit_sample")
    selection = dbt.ref("segment_model_selection").df()
    rules = dbt.ref("segment_model_rules").df()
    centres = dbt.ref("segment_model_centres").df()
    if dbt.is_incremental:
        previous = session.execute(f"select * from {dbt.this}").df()
    else:
        previous = common.empty_frame(segments.DEFINITION_COLUMNS)
    return segments.model_definitions(
        lambda: sample.order("customer_unique_id").df(),
        selection,
        rules,
        centres,
        previous,
    )
