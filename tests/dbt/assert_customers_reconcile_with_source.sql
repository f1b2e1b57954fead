-- customers holds every person with an order before the as-of date exactly
-- once, and its order counts and spend add up to the staging tables.
-- Returns one row per check that fails.
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

observed_orders as (

    select
        orders.order_id,
        orders.order_status,
        customers.customer_unique_id
    from {{ ref('stg_olist__orders') }} as orders
    inner join {{ ref('stg_olist__customers') }} as customers
        on orders.customer_id = customers.customer_id
    cross join as_of
    where
        as_of.is_default_as_of_date
        or cast(orders.purchased_at as date) < as_of.as_of_date

),

source_totals as (

    select
        count(distinct customer_unique_id) as customers,
        count(*) as orders,
        (
            select coalesce(sum(payments.payment_value), 0)
            from {{ ref('stg_olist__order_payments') }} as payments
            where payments.order_id in (
                select observed_orders.order_id from observed_orders
                where {{ is_qualifying_order('observed_orders.order_status') }}
            )
        ) as revenue
    from observed_orders

),

mart_totals as (

    select
        count(*) as customer_rows,
        coalesce(sum(order_count), 0) as orders,
        coalesce(sum(total_spent), 0) as revenue
    from {{ ref('customers') }}

),

checks as (

    select
        'customer rows' as check_name,
        source_totals.customers as expected,
        mart_totals.customer_rows as actual
    from source_totals cross join mart_totals
    union all
    select
        'orders' as check_name,
        source_totals.orders as expected,
        mart_totals.orders as actual
    from source_totals cross join mart_totals
    union all
    select
        'revenue' as check_name,
        source_totals.revenue as expected,
        mart_totals.revenue as actual
    from source_totals cross join mart_totals

)

select * from checks
where expected != actual
