with

source as (

    select * from {{ source('olist', 'order_items') }}

),

renamed as (

    select
        -- ids
        order_id,
        order_item_id,
        product_id,
        seller_id,

        -- numerics
        price,
        freight_value,

        -- timestamps
        shipping_limit_date as shipping_limit_at

    from source

)

select * from renamed
