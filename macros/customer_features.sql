{#-
    The one definition of the customer features, as of any number of dates.

    `as_of_dates` is a relation (or CTE name) with a date column
    `as_of_date`. The result has one row per (as_of_date, customer_unique_id)
    for every person with a qualifying order before that date, and only uses
    what was known before it: orders purchased before the date, deliveries
    made before it and reviews written before it. Many dates are computed in
    one pass (one join and one group by), which the stability simulation
    relies on.
-#}
{% macro customer_features(as_of_dates) %}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

items as (

    select * from {{ ref('int_order_items_categorized') }}

),

zip_locations as (

    select * from {{ ref('int_zip_code_locations') }}

),

as_of_dates as (

    select distinct as_of_date from {{ as_of_dates }}

),

observed_orders as (

    select
        as_of_dates.as_of_date,
        orders.order_id,
        orders.customer_unique_id,
        orders.zip_code_prefix,
        orders.purchased_at,
        orders.purchase_date,
        orders.payment_total,
        orders.payment_count,
        orders.max_installments,
        orders.credit_card_value,
        orders.boleto_value,
        orders.voucher_value,
        orders.item_count,
        orders.items_value,
        orders.freight_value,
        -- delivery and review facts count once they happened
        case
            when orders.delivered_to_customer_at < as_of_dates.as_of_date
                then orders.delivery_days
        end as delivery_days,
        case
            when orders.delivered_to_customer_at < as_of_dates.as_of_date
                then orders.is_delivered_late
        end as is_delivered_late,
        case
            when orders.first_reviewed_at < as_of_dates.as_of_date
                then orders.review_score
        end as review_score
    from orders
    inner join as_of_dates
        on orders.purchase_date < as_of_dates.as_of_date
    where orders.is_qualifying

),

categories as (

    select
        observed_orders.as_of_date,
        observed_orders.customer_unique_id,
        count(distinct items.category) as distinct_category_count
    from observed_orders
    inner join items on observed_orders.order_id = items.order_id
    group by observed_orders.as_of_date, observed_orders.customer_unique_id

),

aggregated as (

    select
        as_of_date,
        customer_unique_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        {{ latest_value('zip_code_prefix', ['purchased_at', 'order_id']) }}
            as zip_code_prefix,
        count(distinct order_id) as frequency,
        -- orders without a payment row carry payment_total = 0; the sum is
        -- decimal(38, 2) on every engine (Spark would give decimal(22, 2))
        cast(sum(payment_total) as decimal(38, 2)) as monetary,
        sum(item_count) as item_count,
        sum(items_value) as items_value,
        sum(freight_value) as freight_value,
        avg(case when payment_count > 0 then max_installments end)
            as avg_installments,
        sum(credit_card_value) as credit_card_value,
        sum(boleto_value) as boleto_value,
        sum(voucher_value) as voucher_value,
        count(delivery_days) as delivered_order_count,
        avg(delivery_days) as avg_delivery_days,
        sum(case when is_delivered_late then 1 else 0 end) as late_order_count,
        count(review_score) as reviewed_order_count,
        avg(review_score) as avg_review_score
    from observed_orders
    group by as_of_date, customer_unique_id

),

final as (

    select
        -- ids
        aggregated.as_of_date,
        aggregated.customer_unique_id,

        -- dates
        aggregated.first_purchase_date,
        aggregated.last_purchase_date,

        -- rfm
        cast({{ dbt.datediff(
            'aggregated.last_purchase_date', 'aggregated.as_of_date', 'day'
        ) }} as bigint) as recency_days,
        aggregated.frequency,
        aggregated.monetary,
        cast({{ dbt.datediff(
            'aggregated.first_purchase_date', 'aggregated.as_of_date', 'day'
        ) }} as bigint) as tenure_days,

        -- basket and products
        {{ ratio('aggregated.monetary', 'aggregated.frequency') }}
            as avg_order_value,
        {{ ratio('aggregated.item_count', 'aggregated.frequency') }}
            as avg_items_per_order,
        coalesce(categories.distinct_category_count, 0)
            as distinct_category_count,
        {{ ratio(
            'aggregated.freight_value',
            'aggregated.items_value + aggregated.freight_value'
        ) }} as freight_share,

        -- payment habits
        aggregated.avg_installments,
        {{ ratio('aggregated.credit_card_value', 'aggregated.monetary') }}
            as credit_card_share,
        {{ ratio('aggregated.boleto_value', 'aggregated.monetary') }}
            as boleto_share,
        {{ ratio('aggregated.voucher_value', 'aggregated.monetary') }}
            as voucher_share,

        -- delivery experience (null until an order is delivered)
        aggregated.delivered_order_count,
        aggregated.avg_delivery_days,
        {{ ratio(
            'aggregated.late_order_count', 'aggregated.delivered_order_count'
        ) }} as late_delivery_share,

        -- satisfaction (null until an order is reviewed)
        aggregated.reviewed_order_count,
        aggregated.avg_review_score,

        -- geography (of the latest order's zip code prefix)
        zip_locations.latitude,
        zip_locations.longitude,
        {{ distance_km(
            'zip_locations.latitude', 'zip_locations.longitude',
            var('geography_reference_point')[0] | float,
            var('geography_reference_point')[1] | float
        ) }} as distance_to_sao_paulo_km

    from aggregated
    left join zip_locations
        on aggregated.zip_code_prefix = zip_locations.zip_code_prefix
    left join categories
        on
            aggregated.as_of_date = categories.as_of_date
            and aggregated.customer_unique_id = categories.customer_unique_id

)

select * from final

{% endmacro %}
