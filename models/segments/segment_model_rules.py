"""The frozen model's readable rules: one row per condition and version.

The chosen clustering distilled into a decision list (segmentation/rules.py).
"""


def model(dbt, session):
    """Return the rules of a new model version, or no rows."""
    from olist_segmentation import model_tables
    from olist_segmentation.dbt_models import common, segments

    sample = dbt.ref("int_segment_fit_sample")
    selection = dbt.ref("segment_model_selection").df()
    centres = dbt.ref("segment_model_centres").df()
    if dbt.is_incremental:
        previous = session.execute(f"select * from {dbt.this}").df()
    else:
        previous = common.empty_frame(model_tables.RULE_COLUMNS)
    return segments.model_rules(
        lambda: sample.order("customer_unique_id").df(),
        selection,
        centres,
        previous,
    )
