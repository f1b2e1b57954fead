-- One row per order that has at least one item.
with

items as (

    select * from {{ ref('stg_olist__order_items') }}

),

products as (

    select * from {{ ref('stg_olist__products') }}

),

translations as (

    select * from {{ ref('stg_olist__product_category_translations') }}

),

items_with_category as (

    select
        items.order_id,
        items.product_id,
        items.seller_id,
        items.price,
        items.freight_value,
        coalesce(
            translations.category_name_english,
            products.category_name,
            'unknown'
        ) as category

    from items
    left join products on items.product_id = products.product_id
    left join translations
        on products.category_name = translations.category_name

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
