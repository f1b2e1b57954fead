-- One row per order that has at least one item.
with

items_with_category as (

    select * from {{ ref('int_order_items_categorized') }}

),

category_spend as (

    select
        order_id,
        category,
        row_number() over (
            partition by order_id
            order by sum(price) desc, category asc
        ) as spend_rank
    from items_with_category
    group by order_id, category

),

aggregated as (

    select
        items_with_category.order_id,

        -- numerics
        count(*) as item_count,
        count(distinct items_with_category.product_id) as product_count,
        count(distinct items_with_category.seller_id) as seller_count,
        count(distinct items_with_category.category) as category_count,
        sum(items_with_category.price) as items_value,
        sum(items_with_category.freight_value) as freight_value

    from items_with_category
    group by items_with_category.order_id

),

final as (

    select
        aggregated.*,
        category_spend.category as main_category
    from aggregated
    inner join category_spend
        on
            aggregated.order_id = category_spend.order_id
            and category_spend.spend_rank = 1

)

select * from final
