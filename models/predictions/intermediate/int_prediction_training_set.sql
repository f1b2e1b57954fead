-- What the purchase model learns from: at most var
-- prediction_fit_sample_size customers with their features as of the
-- training date and whether they bought in the following horizon. Drawn
-- by the same seeded hash as the segment fit sample (var
-- segment_fit_sample_seed). A view: only a build that fits reads it.
{{ config(materialized='view') }}
{%- set sample_size = var('prediction_fit_sample_size') | int %}
{%- set sample_seed = var('segment_fit_sample_seed') | int %}

with

training_date as (

    select * from {{ ref('int_prediction_training_date') }}

),

features as (

    select * from {{ ref('int_prediction_training_features') }}

),

outcomes as (

    {{ prediction_outcomes(ref('int_prediction_training_date')) }}

),

keyed as (

    select
        customer_unique_id,
        {{ dbt.hash(dbt.concat([
            'customer_unique_id', "'/" ~ sample_seed ~ "'"
        ])) }} as sample_key
    from features

),

sampled as (

    select customer_unique_id
    from keyed
    order by sample_key, customer_unique_id
    limit {{ sample_size }}

),

final as (

    select
        features.*,
        training_date.horizon_days,
        training_date.window_end_date,
        coalesce(outcomes.future_orders, 0) as future_orders,
        coalesce(outcomes.future_revenue, 0) as future_revenue,
        case when outcomes.customer_unique_id is null then 0 else 1 end
            as is_buyer
    from features
    inner join sampled
        on features.customer_unique_id = sampled.customer_unique_id
    cross join training_date
    left join outcomes
        on features.customer_unique_id = outcomes.customer_unique_id

)

select * from final  -- noqa: AM04
