-- One row per person with at least one qualifying order before the as-of
-- date: the raw recency, frequency and monetary values (a projection of
-- int_customer_features, where they are defined).
with

features as (

    select * from {{ ref('int_customer_features') }}

),

final as (

    select
        customer_unique_id,
        as_of_date,
        first_purchase_date,
        last_purchase_date,
        recency_days,
        frequency,
        monetary
    from features

)

select * from final
