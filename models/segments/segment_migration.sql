-- How customers moved between segments from the latest earlier as-of date of
-- customer_segment_history to this build's as-of date: one row per
-- (segmentation, from segment, to segment). Customers without a qualifying
-- purchase at the earlier date come from '(new customer)'; customers whose
-- only order has since been cancelled go to '(no longer a customer)'.
-- Behavioural segments are matched by name: a refit keeps the name of a
-- segment whose centre persists. Empty while the history holds no earlier
-- as-of date.

with

history as (

    select * from {{ ref('customer_segment_history') }}

),

current_date_of_build as (

    select max(as_of_date) as as_of_date from {{ ref('customer_segments') }}

),

previous_date as (

    select max(history.as_of_date) as as_of_date
    from history
    inner join current_date_of_build
        on history.as_of_date < current_date_of_build.as_of_date

),

latest as (

    select history.*
    from history
    inner join current_date_of_build
        on history.as_of_date = current_date_of_build.as_of_date

),

previous as (

    select history.*
    from history
    inner join previous_date
        on history.as_of_date = previous_date.as_of_date

),

moves as (

    select
        'behavioural' as segmentation,
        coalesce(previous.segment_name, '(new customer)') as from_segment,
        coalesce(latest.segment_name, '(no longer a customer)') as to_segment
    from latest
    full outer join previous
        on latest.customer_unique_id = previous.customer_unique_id
    cross join previous_date
    where previous_date.as_of_date is not null

    union all

    select
        'rfm' as segmentation,
        coalesce(previous.rfm_segment, '(new customer)') as from_segment,
        coalesce(latest.rfm_segment, '(no longer a customer)') as to_segment
    from latest
    full outer join previous
        on latest.customer_unique_id = previous.customer_unique_id
    cross join previous_date
    where previous_date.as_of_date is not null

),

flows as (

    select
        segmentation,
        from_segment,
        to_segment,
        count(*) as customers
    from moves
    group by segmentation, from_segment, to_segment

)

select
    previous_date.as_of_date as from_as_of_date,
    current_date_of_build.as_of_date as to_as_of_date,
    flows.segmentation,
    flows.from_segment,
    flows.to_segment,
    flows.customers,
    cast(flows.customers as {{ type_double() }})
    / sum(flows.customers) over (
        partition by flows.segmentation, flows.from_segment
    ) as share_of_from_segment,
    flows.from_segment = flows.to_segment as is_stay
from flows
cross join previous_date
cross join current_date_of_build
