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
    where order_id in (select order_id from {{ ref('stg_olist__orders') }})

),

source_items as (

    select
        coalesce(sum(price), 0) as items_value,
        coalesce(sum(freight_value), 0) as freight_value,
        count(*) as items
    from {{ ref('stg_olist__order_items') }}
    where order_id in (select order_id from {{ ref('stg_olist__orders') }})

),

checks as (

    select
        'orders' as check_name,
        source_orders.orders as expected,
        enriched.orders as actual
    from source_orders cross join enriched
    union all
    select 'payments', source_payments.payments, enriched.payments
    from source_payments cross join enriched
    union all
    select 'items value', source_items.items_value, enriched.items_value
    from source_items cross join enriched
    union all
    select 'freight value', source_items.freight_value, enriched.freight_value
    from source_items cross join enriched
    union all
    select 'items', source_items.items, enriched.items
    from source_items cross join enriched

)

select * from checks
where expected != actual
