-- Nothing is lost: every customer of customer_rfm has exactly one segment
-- and customer_segments has no one else. Returns the offending ids.
with

rfm as (

    select customer_unique_id from {{ ref('customer_rfm') }}

),

segments as (

    select
        customer_unique_id,
        count(*) as segment_rows
    from {{ ref('customer_segments') }}
    group by customer_unique_id

),

final as (

    select
        coalesce(rfm.customer_unique_id, segments.customer_unique_id)
            as customer_unique_id,
        segments.segment_rows
    from rfm
    full outer join segments
        on rfm.customer_unique_id = segments.customer_unique_id
    where
        rfm.customer_unique_id is null
        or segments.customer_unique_id is null
        or segments.segment_rows != 1

)

select * from final
