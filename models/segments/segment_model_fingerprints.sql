-- What each model version was trained on: one row per version, written by
-- the build that fitted it and never changed. The on-run-start hook
-- check_segment_model_fits_data() recomputes the same figures from today's
-- data and stops a build whose data are not a continuation of these (for
-- example a model fitted on the synthetic sample meeting the real data) or
-- whose as-of date is before training_as_of_date (look-ahead).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail'
) }}

{%- set features = segment_feature_columns() %}
{#- A build that adds no version appends nothing: skip the figures then. -#}
{%- set new_version = true %}
{%- if execute and is_incremental() %}
    {%- set new_version = run_query(
        "select count(*) from " ~ ref('segment_model_selection')
        ~ " where model_version not in (select model_version from "
        ~ this ~ ")"
    ).columns[0].values()[0] > 0 %}
{%- endif %}
{%- set feature_means = [] %}
{%- set mean_columns = [] %}
{%- for feature in features %}
    {%- do feature_means.append(
        'avg(cast(' ~ feature ~ ' as ' ~ type_double() ~ ')) as mean_' ~ feature
    ) %}
    {%- do mean_columns.append('customer_figures.mean_' ~ feature) %}
{%- endfor %}

with

selection as (

    select * from {{ ref('segment_model_selection') }}

),

features as (

    select * from {{ ref('int_customer_features') }}

),

fit_sample as (

    select * from {{ ref('int_segment_fit_sample') }}

),

stored_versions as (

    {% if is_incremental() -%}
        select model_version from {{ this }}
    {%- else -%}
        select cast(null as integer) as model_version
        where false
    {%- endif %}

),

latest_version as (

    select max(model_version) as model_version
    from selection

),

customer_figures as (

    select
        max(as_of_date) as training_as_of_date,
        count(*) as customers,
        min(first_purchase_date) as first_purchase_date,
        max(last_purchase_date) as last_purchase_date,
        {{ feature_means | join(',\n        ') }}
    from features

),

sample_figures as (

    select count(*) as fit_sample_customers
    from fit_sample

),

source_rows as (

    select
        (select count(*) from {{ ref('stg_olist__orders') }}) as orders_rows,
        (select count(*) from {{ ref('stg_olist__customers') }})
            as customers_rows,
        (select count(*) from {{ ref('stg_olist__order_items') }})
            as order_items_rows,
        (select count(*) from {{ ref('stg_olist__order_payments') }})
            as order_payments_rows,
        (select count(*) from {{ ref('stg_olist__order_reviews') }})
            as order_reviews_rows

),

final as (

    select
        cast(latest_version.model_version as integer) as model_version,
        customer_figures.training_as_of_date,
        customer_figures.customers,
        sample_figures.fit_sample_customers,
        customer_figures.first_purchase_date,
        customer_figures.last_purchase_date,
        source_rows.orders_rows,
        source_rows.customers_rows,
        source_rows.order_items_rows,
        source_rows.order_payments_rows,
        source_rows.order_reviews_rows,
        {{ mean_columns | join(',\n        ') }}
    from latest_version
    cross join customer_figures
    cross join sample_figures
    cross join source_rows
    where
        {{ 'true' if new_version else 'false' }}
        and latest_version.model_version is not null
        and latest_version.model_version not in (
            select stored_versions.model_version from stored_versions
        )

)

select * from final
