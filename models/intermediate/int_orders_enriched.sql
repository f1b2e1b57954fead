-- One row per order (every status): the order-level facts that customer
-- features are built from. Orders without payment, item or review rows keep
-- their row with zero totals or null review fields.
with

orders as (

    select * from {{ ref('stg_olist__orders') }}

),

customers as (

    select * from {{ ref('stg_olist__customers') }}

),

payments as (

    select * from {{ ref('int_order_payments_aggregated') }}

),

items as (

    select * from {{ ref('int_order_items_aggregated') }}

),

reviews as (

    select * from {{ ref('int_order_reviews_aggregated') }}

),

joined as (

    select
        -- ids
        orders.order_id,
        orders.customer_id,
        customers.customer_unique_id,

        -- strings
        orders.order_status,
        customers.zip_code_prefix,
        customers.city,
        customers.state,
        payments.main_payment_type,
        items.main_category,

        -- numerics: payments
        coalesce(payments.payment_total, 0) as payment_total,
        coalesce(payments.payment_count, 0) as payment_count,
        coalesce(payments.max_installments, 0) as max_installments,
        coalesce(payments.credit_card_value, 0) as credit_card_value,
        coalesce(payments.boleto_value, 0) as boleto_value,
        coalesce(payments.voucher_value, 0) as voucher_value,
        coalesce(payments.debit_card_value, 0) as debit_card_value,

        -- numerics: items
        coalesce(items.item_count, 0) as item_count,
        coalesce(items.product_count, 0) as product_count,
        coalesce(items.seller_count, 0) as seller_count,
        coalesce(items.category_count, 0) as category_count,
        coalesce(items.items_value, 0) as items_value,
        coalesce(items.freight_value, 0) as freight_value,

        -- numerics: delivery (null until delivered)
        {{ dbt.datediff(
            'orders.purchased_at', 'orders.delivered_to_customer_at', 'day'
        ) }} as delivery_days,
        {{ dbt.datediff(
            'cast(orders.estimated_delivery_at as date)',
            'cast(orders.delivered_to_customer_at as date)',
            'day'
        ) }} as delivery_delay_days,

        -- numerics: reviews (null when not reviewed)
        reviews.review_score,
        coalesce(reviews.review_count, 0) as review_count,

        -- booleans
        {{ is_qualifying_order('orders.order_status') }} as is_qualifying,
        payments.order_id is not null as has_payment,
        orders.delivered_to_customer_at is not null as is_delivered,
        cast(orders.delivered_to_customer_at as date)
        > cast(orders.estimated_delivery_at as date) as is_delivered_late,
        coalesce(reviews.has_review_comment, false) as has_review_comment,

        -- timestamps
        orders.purchased_at,
        cast(orders.purchased_at as date) as purchase_date,
        orders.approved_at,
        orders.delivered_to_customer_at,
        orders.estimated_delivery_at,
        reviews.first_reviewed_at

    from orders
    left join customers on orders.customer_id = customers.customer_id
    left join payments on orders.order_id = payments.order_id
    left join items on orders.order_id = items.order_id
    left join reviews on orders.order_id = reviews.order_id

)

select * from joined
