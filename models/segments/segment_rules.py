"""The served segment definitions: fitted rules with a marketer's edits.

A new definition version is appended when the rules of the current model
version, with the edits of seed segment_rule_overrides, differ from the
last served ones; bad edits stop the build with the CSV line and the fix.
"""


def model(dbt, session):
    """Return the rows of a new definition version, or no rows."""
    from olist_segmentation.dbt_models import common, segments

    # dbt passes a config key to a Python model only when it is read with a
    # literal dbt.config.get("...") call.
    settings = {
        "segment_model_version": dbt.config.get("segment_model_version"),
        "segment_min_share": dbt.config.get("segment_min_share"),
    }
    sample = dbt.ref("int_segment_fit_sample")
    rules = dbt.ref("segment_model_rules").df()
    definitions = dbt.ref("segment_model_definitions").df()
    overrides = dbt.ref("segment_rule_overrides").df()
    if dbt.is_incremental:
        previous = session.execute(f"select * from {dbt.this}").df()
    else:
        previous = common.empty_frame(segments.SERVED_RULE_COLUMNS)
    return segments.served_rules(
        lambda: sample.order("customer_unique_id").df(),
        rules,
        definitions,
        overrides,
        previous,
        settings.get,
    )
