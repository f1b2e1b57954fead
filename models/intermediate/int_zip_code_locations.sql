-- One row per zip code prefix: the mean position of its geolocation rows.
-- Rows outside Brazil's bounding box (42 in the real data) are
-- left out, so they cannot drag a prefix's centre into the ocean.
with

geolocation as (

    select * from {{ ref('stg_olist__geolocation') }}

),

in_brazil as (

    select *
    from geolocation
    where
        latitude between -34.0 and 5.5
        and longitude between -74.0 and -34.5

),

aggregated as (

    select
        zip_code_prefix,
        avg(latitude) as latitude,
        avg(longitude) as longitude,
        count(*) as geolocation_rows
    from in_brazil
    group by zip_code_prefix

)

select * from aggregated
