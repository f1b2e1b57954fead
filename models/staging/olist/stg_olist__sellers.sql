with

source as (

    select * from {{ source('olist', 'sellers') }}

),

renamed as (

    select
        -- ids
        seller_id,

        -- strings
        seller_zip_code_prefix as zip_code_prefix,
        lower(trim(seller_city)) as city,
        upper(trim(seller_state)) as state

    from source

)

select * from renamed
