-- One row per RFM segment of the seed `rfm_segments` (empty ones included):
-- its size, revenue and typical values, with the description and the
-- recommended marketing action.
with

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

totals as (

    select
        count(*) as customers,
        sum(monetary) as revenue
    from customer_rfm

),

aggregated as (

    select
        rfm_segment,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days) as avg_recency_days,
        avg(frequency) as avg_frequency,
        avg(cast(monetary as {{ type_double() }})) as avg_monetary
    from customer_rfm
    group by rfm_segment

),

final as (

    select
        segments.segment_name as rfm_segment,
        segments.segment_order,
        segments.description,
        segments.recommended_action,
        coalesce(aggregated.customers, 0) as customers,
        {{ ratio('coalesce(aggregated.customers, 0)', 'totals.customers') }}
            as customer_share,
        coalesce(aggregated.revenue, 0) as revenue,
        {{ ratio('coalesce(aggregated.revenue, 0)', 'totals.revenue') }}
            as revenue_share,
        cast(aggregated.avg_recency_days as {{ type_double() }})
            as avg_recency_days,
        cast(aggregated.avg_frequency as {{ type_double() }}) as avg_frequency,
        cast(aggregated.avg_monetary as {{ type_double() }}) as avg_monetary
    from segments
    cross join totals
    left join aggregated on segments.segment_name = aggregated.rfm_segment

)

select * from final
