{#-
    Helpers of the SQL scoring of the frozen segment model. Both compile
    from the project alone (no query of the warehouse), so the models that
    use them can carry a contract and compile on any adapter.

    segment_feature_columns(): every numeric column of int_customer_features
    a segment model may use (the var segment_features must be a subset:
    validate_project_vars checks it). customer_segments unpivots them all,
    so any stored model version can score, and segment_profiles has a mean
    and a median of each, so its columns never depend on the data.

    current_segment_model_version(definitions): SQL for the model version
    that scores customers: the var segment_model_version when set, else the
    latest version with definitions.
-#}
{% macro segment_feature_columns() %}
    {{ return([
        'recency_days',
        'frequency',
        'monetary',
        'tenure_days',
        'avg_order_value',
        'avg_items_per_order',
        'distinct_category_count',
        'freight_share',
        'avg_installments',
        'credit_card_share',
        'boleto_share',
        'voucher_share',
        'avg_delivery_days',
        'late_delivery_share',
        'avg_review_score',
        'distance_to_sao_paulo_km',
    ]) }}
{% endmacro %}

{% macro current_segment_model_version(definitions) %}
    {%- if var('segment_model_version') is not none -%}
        select cast({{ var('segment_model_version') | int }} as integer)
            as model_version
    {%- else -%}
        select max(model_version) as model_version from {{ definitions }}
    {%- endif -%}
{% endmacro %}
