with

source as (

    select * from {{ source('olist', 'geolocation') }}

),

renamed as (

    select
        -- strings
        geolocation_zip_code_prefix as zip_code_prefix,
        lower(trim(geolocation_city)) as city,
        upper(trim(geolocation_state)) as state,

        -- numerics
        geolocation_lat as latitude,
        geolocation_lng as longitude

    from source

)

select * from renamed
