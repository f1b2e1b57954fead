-- The segment summary accounts for every customer and every real (BRL) of
-- customer_rfm exactly once: sizes and revenue add up, shares sum to 1.
-- Returns one row per check that fails.
with

summary as (

    select
        sum(customers) as customers,
        sum(revenue) as revenue,
        sum(customer_share) as customer_share
    from {{ ref('rfm_segment_summary') }}

),

rfm as (

    select
        count(*) as customers,
        coalesce(sum(monetary), 0) as revenue
    from {{ ref('customer_rfm') }}

),

checks as (

    select
        'customers' as check_name,
        rfm.customers as expected,
        summary.customers as actual
    from rfm cross join summary
    union all
    select
        'revenue' as check_name,
        rfm.revenue as expected,
        summary.revenue as actual
    from rfm cross join summary
    union all
    select
        'customer share' as check_name,
        1 as expected,
        summary.customer_share as actual
    from rfm cross join summary
    where rfm.customers > 0

)

select * from checks
where abs(expected - actual) > 0.000001
