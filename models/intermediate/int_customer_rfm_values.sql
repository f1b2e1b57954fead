-- One row per person with at least one qualifying order before the as-of
-- date: the raw recency, frequency and monetary values.
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

qualifying_orders as (

    select orders.*
    from orders
    cross join as_of
    where
        orders.is_qualifying
        and orders.purchase_date < as_of.as_of_date

),

aggregated as (

    select
        customer_unique_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(distinct order_id) as frequency,
        -- orders without a payment row carry payment_total = 0
        sum(payment_total) as monetary
    from qualifying_orders
    group by customer_unique_id

),

final as (

    select
        aggregated.customer_unique_id,
        as_of.as_of_date,
        aggregated.first_purchase_date,
        aggregated.last_purchase_date,
        {{ dbt.datediff('aggregated.last_purchase_date', 'as_of.as_of_date', 'day') }}
            as recency_days,
        aggregated.frequency,
        aggregated.monetary
    from aggregated
    cross join as_of

)

select * from final
