-- The migration matrix accounts for every customer of both dates: per
-- segmentation, the flows into a segment of this date add up to
-- customer_segments, and the flows out of the earlier date add up to the
-- history at that date. Returns the segmentations that do not add up.
with

migration as (

    select * from {{ ref('segment_migration') }}

),

history as (

    select * from {{ ref('customer_segment_history') }}

),

current_customers as (

    select count(*) as customers from {{ ref('customer_segments') }}

),

totals as (

    select
        segmentation,
        max(from_as_of_date) as from_as_of_date,
        sum(case when to_segment != '(no longer a customer)' then customers end)
            as customers_now,
        sum(case when from_segment != '(new customer)' then customers end)
            as customers_before
    from migration
    group by segmentation

),

before as (

    select
        as_of_date,
        count(*) as customers
    from history
    group by as_of_date

)

select totals.*
from totals
cross join current_customers
left join before
    on totals.from_as_of_date = before.as_of_date
where
    totals.customers_now != current_customers.customers
    or coalesce(totals.customers_before, 0) != coalesce(before.customers, 0)
