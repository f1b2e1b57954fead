-- int_orders_enriched has one row per source order, and its payment, item
-- and freight totals equal the sums of the staging rows.
-- Returns one row per check that fails.
with

enriched as (

    select
        count(*) as orders,
        sum(payment_total) as payments,
        sum(items_value) as items_value,
        sum(freight_value) as freight_value,
        sum(item_count) as items
    from {{ ref('int_orders_enriched') }}

),

source_orders as (

    select count(*) as orders from {{ ref('stg_olist__orders') }}

),

source_payments as (

    select coalesce(sum(payment_value), 0) as payments
    from {{ ref('stg_olist__order_payments') }}
    where order_id in (
        select orders.order_id from {{ ref('stg_olist__orders') }} as orders
    )

),

source_items as (

    select
        coalesce(sum(price), 0) as items_value,
        coalesce(sum(freight_value), 0) as freight_value,
        count(*) as items
    from {{ ref('stg_olist__order_items') }}
    where order_id in (
        select orders.order_id from {{ ref('stg_olist__orders') }} as orders
    )

),

checks as (

    select
        'orders' as check_name,
        source_orders.orders as expected,
        enriched.orders as actual
    from source_orders cross join enriched
    union all
    select
        'payments' as check_name,
        source_payments.payments as expected,
        enriched.payments as actual
    from source_payments cross join enriched
    union all
    select
        'items value' as check_name,
        source_items.items_value as expected,
        enriched.items_value as actual
    from source_items cross join enriched
    union all
    select
        'freight value' as check_name,
        source_items.freight_value as expected,
        enriched.freight_value as actual
    from source_items cross join enriched
    union all
    select
        'items' as check_name,
        source_items.items as expected,
        enriched.items as actual
    from source_items cross join enriched

)

select * from checks
where expected != actual
