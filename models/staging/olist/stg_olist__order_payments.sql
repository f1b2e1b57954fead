with

source as (

    select * from {{ source('olist', 'order_payments') }}

),

renamed as (

    select
        -- ids
        order_id,
        payment_sequential,

        -- strings
        lower(trim(payment_type)) as payment_type,

        -- numerics
        payment_installments,
        payment_value

    from source

)

select * from renamed
