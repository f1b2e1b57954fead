-- Do the segments predict behaviour? Customers are segmented as of a past
-- date (lift_horizon_days before the as-of date), by the behavioural model
-- fitted on that past only and by the RFM grid; each segment's purchases
-- and revenue in the following window are compared with everyone's.
-- Behavioural segments carry the production model's names (matched, not
-- renamed); matches_production is false for a past-only cluster.
-- Lift 2 = twice the average purchase rate (or revenue per customer).
with

window_dates as (

    select * from {{ ref('int_lift_as_of_date') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

behavioural as (

    select * from {{ ref('segment_lift_assignments') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_lift') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

future_orders as (

    select
        orders.customer_unique_id,
        count(distinct orders.order_id) as future_orders,
        sum(orders.payment_total) as future_revenue
    from orders
    cross join window_dates
    where
        orders.is_qualifying
        and orders.purchase_date >= window_dates.as_of_date
        and orders.purchase_date < window_dates.window_end_date
    group by orders.customer_unique_id

),

assigned as (

    select
        'behavioural' as segmentation,
        segment_id as segment_order,
        segment_name,
        matches_production,
        customer_unique_id
    from behavioural

    union all

    select
        'rfm' as segmentation,
        rfm_segments.segment_order,
        rfm.rfm_segment as segment_name,
        true as matches_production,
        rfm.customer_unique_id
    from rfm
    inner join rfm_segments on rfm.rfm_segment = rfm_segments.segment_name

),

outcomes as (

    select
        assigned.segmentation,
        assigned.segment_order,
        assigned.segment_name,
        assigned.matches_production,
        assigned.customer_unique_id,
        case when future_orders.customer_unique_id is null then 0 else 1 end
            as is_buyer,
        coalesce(future_orders.future_revenue, 0) as revenue
    from assigned
    left join future_orders
        on assigned.customer_unique_id = future_orders.customer_unique_id

),

overall as (

    select
        segmentation,
        count(*) as customers,
        avg(cast(is_buyer as {{ type_double() }})) as purchase_rate,
        avg(cast(revenue as {{ type_double() }})) as revenue_per_customer
    from outcomes
    group by segmentation

),

per_segment as (

    select
        segmentation,
        segment_order,
        segment_name,
        matches_production,
        count(*) as customers,
        sum(is_buyer) as buyers,
        sum(revenue) as revenue
    from outcomes
    group by segmentation, segment_order, segment_name, matches_production

),

final as (

    select
        window_dates.as_of_date,
        window_dates.horizon_days,
        per_segment.segmentation,
        per_segment.segment_order,
        per_segment.segment_name,
        per_segment.matches_production,
        per_segment.customers,
        {{ ratio('per_segment.customers', 'overall.customers') }}
            as customer_share,
        per_segment.buyers,
        {{ ratio('per_segment.buyers', 'per_segment.customers') }}
            as purchase_rate,
        per_segment.revenue,
        {{ ratio('per_segment.revenue', 'per_segment.customers') }}
            as revenue_per_customer,
        {{ ratio('per_segment.buyers', 'per_segment.customers') }}
        / nullif(overall.purchase_rate, 0) as purchase_rate_lift,
        {{ ratio('per_segment.revenue', 'per_segment.customers') }}
        / nullif(overall.revenue_per_customer, 0) as revenue_lift
    from per_segment
    cross join window_dates
    inner join overall on per_segment.segmentation = overall.segmentation

)

select * from final
