"""Rules and filters for `dbt-score lint` on this project."""

from dbt_score import Model, RuleViolation, rule, rule_filter

#: Model-level generic tests that make a set of columns a key.
COMBINATION_TESTS = {"unique_combination_of_columns"}


@rule_filter
def is_public(model: Model) -> bool:
    """Models with access public (the contract with marketing)."""
    return model.access == "public"


@rule
def has_primary_key_test(
    model: Model, exempt: list[str] | None = None
) -> RuleViolation | None:
    """A model should have a primary-key test.

    Either one column with both `unique` and `not_null`, or a
    `unique_combination_of_columns` test on the model. `exempt` lists
    models without a key, each with its reason in pyproject.toml.
    """
    if model.name in (exempt or []):
        return None
    for column in model.columns:
        types = {test.type for test in column.tests}
        if "unique" in types and "not_null" in types:
            return None
    if any(test.type in COMBINATION_TESTS for test in model.tests):
        return None
    return RuleViolation(
        message="No primary-key test: add unique + not_null on the key column "
        "or unique_combination_of_columns on the model."
    )
