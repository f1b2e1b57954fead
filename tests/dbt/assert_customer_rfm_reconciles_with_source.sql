-- customer_rfm holds exactly the people with a qualifying order before the
-- as-of date, each once, and its frequency and monetary add up to the
-- qualifying orders and their payments in the staging tables: no join
-- dropped or duplicated a row. Recomputed here from staging only.
-- Returns one row per check that fails.
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

qualifying_orders as (

    select
        orders.order_id,
        customers.customer_unique_id
    from {{ ref('stg_olist__orders') }} as orders
    inner join {{ ref('stg_olist__customers') }} as customers
        on orders.customer_id = customers.customer_id
    cross join as_of
    where
        {{ is_qualifying_order('orders.order_status') }}
        and cast(orders.purchased_at as date) < as_of.as_of_date

),

source_totals as (

    select
        count(distinct qualifying_orders.customer_unique_id) as customers,
        count(distinct qualifying_orders.order_id) as orders,
        (
            select coalesce(sum(payments.payment_value), 0)
            from {{ ref('stg_olist__order_payments') }} as payments
            where payments.order_id in (
                select qualifying_orders.order_id from qualifying_orders
            )
        ) as revenue
    from qualifying_orders

),

mart_totals as (

    select
        count(*) as customer_rows,
        count(distinct customer_unique_id) as customers,
        coalesce(sum(frequency), 0) as orders,
        coalesce(sum(monetary), 0) as revenue
    from {{ ref('customer_rfm') }}

),

checks as (

    select
        'customer rows' as check_name,
        source_totals.customers as expected,
        mart_totals.customer_rows as actual
    from source_totals cross join mart_totals
    union all
    select
        'distinct customers' as check_name,
        source_totals.customers as expected,
        mart_totals.customers as actual
    from source_totals cross join mart_totals
    union all
    select
        'qualifying orders' as check_name,
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
