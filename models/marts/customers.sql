-- One row per person (customer_unique_id) with at least one order before
-- the as-of date, whatever its status: identity, location, order history
-- and behaviour features. Money and behaviour features count qualifying
-- orders only; order counts show every status.
-- Built after int_customer_features (the hint below): both aggregate every
-- order, so building them at once needs about twice DuckDB's memory.
-- depends_on: {{ ref('int_customer_features') }}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

zip_locations as (

    select * from {{ ref('int_zip_code_locations') }}

),

rfm_values as (

    -- the one definition of qualifying-order count, spend and purchase dates
    select * from {{ ref('int_customer_rfm_values') }}

),

observed_orders as (

    select orders.*
    from orders
    cross join as_of
    where
        as_of.is_default_as_of_date
        or orders.purchase_date < as_of.as_of_date

),

category_orders as (

    select
        customer_unique_id,
        main_category,
        row_number() over (
            partition by customer_unique_id
            order by count(*) desc, sum(items_value) desc, main_category asc
        ) as category_rank
    from observed_orders
    where is_qualifying and main_category is not null
    group by customer_unique_id, main_category

),

aggregated as (

    select
        customer_unique_id,

        -- order history (every status)
        count(*) as order_count,
        sum(case when order_status = 'canceled' then 1 else 0 end)
            as canceled_order_count,
        min(purchased_at) as first_order_at,
        max(purchased_at) as last_order_at,

        -- location of the latest order
        {{ latest_value('zip_code_prefix', ['purchased_at', 'order_id']) }}
            as zip_code_prefix,
        {{ latest_value('city', ['purchased_at', 'order_id']) }} as city,
        {{ latest_value('state', ['purchased_at', 'order_id']) }} as state,

        -- basket value (qualifying orders), decimal(38, 2) on every engine
        cast(
            sum(case when is_qualifying then items_value else 0 end)
            as decimal(38, 2)
        ) as total_items_value,
        cast(
            sum(case when is_qualifying then freight_value else 0 end)
            as decimal(38, 2)
        ) as total_freight_value,
        sum(case when is_qualifying then item_count else 0 end) as total_items,

        -- basket (qualifying orders)
        avg(case when is_qualifying then item_count end) as avg_items_per_order,

        -- payment habits (qualifying orders)
        avg(case when is_qualifying and payment_count > 0 then max_installments end)
            as avg_installments,
        max(case when is_qualifying then max_installments end) as max_installments,
        sum(case when is_qualifying then credit_card_value else 0 end)
            as credit_card_value,
        sum(case when is_qualifying then boleto_value else 0 end) as boleto_value,
        sum(case when is_qualifying then voucher_value else 0 end) as voucher_value,
        sum(case when is_qualifying then debit_card_value else 0 end)
            as debit_card_value,

        -- delivery experience (qualifying, delivered orders)
        sum(case when is_qualifying and is_delivered then 1 else 0 end)
            as delivered_order_count,
        avg(case when is_qualifying then delivery_days end) as avg_delivery_days,
        avg(case when is_qualifying then delivery_delay_days end)
            as avg_delivery_delay_days,
        sum(case when is_qualifying and is_delivered_late then 1 else 0 end)
            as late_delivery_count,

        -- satisfaction (qualifying orders)
        sum(case when is_qualifying and review_count > 0 then 1 else 0 end)
            as reviewed_order_count,
        avg(case when is_qualifying then review_score end) as avg_review_score,
        min(case when is_qualifying then review_score end) as min_review_score,
        sum(case when is_qualifying and has_review_comment then 1 else 0 end)
            as commented_order_count

    from observed_orders
    group by customer_unique_id

),

products as (

    select
        observed_orders.customer_unique_id,
        count(distinct items.category) as distinct_category_count
    from observed_orders
    inner join {{ ref('int_order_items_categorized') }} as items
        on observed_orders.order_id = items.order_id
    where observed_orders.is_qualifying
    group by observed_orders.customer_unique_id

),

final as (

    select
        -- ids
        aggregated.customer_unique_id,

        -- location (of the latest order)
        aggregated.zip_code_prefix,
        aggregated.city,
        aggregated.state,
        zip_locations.latitude,
        zip_locations.longitude,

        -- order history
        aggregated.order_count,
        coalesce(rfm_values.frequency, 0) as qualifying_order_count,
        cast(aggregated.canceled_order_count as bigint) as canceled_order_count,
        aggregated.first_order_at,
        aggregated.last_order_at,
        rfm_values.first_purchase_date,
        rfm_values.last_purchase_date,
        cast(
            {{ dbt.datediff(
                'rfm_values.first_purchase_date', 'as_of.as_of_date', 'day'
            ) }}
            as bigint
        ) as tenure_days,
        as_of.as_of_date,

        -- spend
        coalesce(rfm_values.monetary, 0) as total_spent,
        {{ ratio('rfm_values.monetary', 'rfm_values.frequency') }} as avg_order_value,
        aggregated.total_items_value,
        aggregated.total_freight_value,
        {{ ratio(
            'aggregated.total_freight_value',
            'aggregated.total_items_value + aggregated.total_freight_value'
        ) }} as freight_share,

        -- basket and products
        cast(aggregated.total_items as bigint) as total_items,
        cast(aggregated.avg_items_per_order as {{ type_double() }})
            as avg_items_per_order,
        coalesce(products.distinct_category_count, 0) as distinct_category_count,
        category_orders.main_category as favourite_category,

        -- payment habits
        cast(aggregated.avg_installments as {{ type_double() }}) as avg_installments,
        aggregated.max_installments,
        {{ ratio('aggregated.credit_card_value', 'rfm_values.monetary') }}
            as credit_card_share,
        {{ ratio('aggregated.boleto_value', 'rfm_values.monetary') }}
            as boleto_share,
        {{ ratio('aggregated.voucher_value', 'rfm_values.monetary') }}
            as voucher_share,
        {{ ratio('aggregated.debit_card_value', 'rfm_values.monetary') }}
            as debit_card_share,

        -- delivery experience
        cast(aggregated.delivered_order_count as bigint) as delivered_order_count,
        cast(aggregated.avg_delivery_days as {{ type_double() }}) as avg_delivery_days,
        cast(aggregated.avg_delivery_delay_days as {{ type_double() }})
            as avg_delivery_delay_days,
        {{ ratio(
            'aggregated.late_delivery_count', 'aggregated.delivered_order_count'
        ) }}
            as late_delivery_share,

        -- satisfaction
        cast(aggregated.reviewed_order_count as bigint) as reviewed_order_count,
        cast(aggregated.avg_review_score as {{ type_double() }}) as avg_review_score,
        cast(aggregated.min_review_score as {{ type_double() }}) as min_review_score,
        {{ ratio(
            'aggregated.commented_order_count', 'aggregated.reviewed_order_count'
        ) }}
            as comment_share,

        -- booleans
        rfm_values.customer_unique_id is not null as has_qualifying_order,
        coalesce(rfm_values.frequency, 0) > 1 as is_repeat_buyer

    from aggregated
    cross join as_of
    left join zip_locations
        on aggregated.zip_code_prefix = zip_locations.zip_code_prefix
    left join category_orders
        on
            aggregated.customer_unique_id = category_orders.customer_unique_id
            and category_orders.category_rank = 1
    left join products
        on aggregated.customer_unique_id = products.customer_unique_id
    left join rfm_values
        on aggregated.customer_unique_id = rfm_values.customer_unique_id

)

select * from final
