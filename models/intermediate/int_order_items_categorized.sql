-- One row per order item, with its product category in English (the
-- Portuguese name where the translation table misses it, 'unknown' where the
-- product has no category).
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

categorized as (

    select
        -- ids
        items.order_id,
        items.order_item_id,
        items.product_id,
        items.seller_id,

        -- strings
        coalesce(
            translations.category_name_english,
            products.category_name,
            'unknown'
        ) as category,

        -- numerics
        items.price,
        items.freight_value

    from items
    left join products on items.product_id = products.product_id
    left join translations
        on products.category_name = translations.category_name

)

select * from categorized
