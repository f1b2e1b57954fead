-- The customer features at every date of the purchase-score backtest (same
-- definition as int_customer_features: macros/customer_features.sql), with
-- what each customer bought in the horizon after that date, and the number of
-- distinct days with a qualifying purchase before it (BG/NBD's repeat count).
with

features as (

    {{ customer_features(ref('int_prediction_backtest_dates')) }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

dates as (

    select distinct as_of_date from {{ ref('int_prediction_backtest_dates') }}

),

purchase_days as (

    select
        dates.as_of_date,
        orders.customer_unique_id,
        count(distinct orders.purchase_date) as purchase_days
    from orders
    inner join dates
        on orders.purchase_date < dates.as_of_date
    where orders.is_qualifying
    group by dates.as_of_date, orders.customer_unique_id

),

outcomes as (

    {{ prediction_outcomes(ref('int_prediction_backtest_dates')) }}

),

final as (

    select
        features.*,
        purchase_days.purchase_days,
        coalesce(outcomes.future_orders, 0) as future_orders,
        coalesce(outcomes.future_revenue, 0) as future_revenue,
        case when outcomes.customer_unique_id is null then 0 else 1 end
            as is_buyer
    from features
    left join outcomes
        on
            features.as_of_date = outcomes.as_of_date
            and features.customer_unique_id = outcomes.customer_unique_id
    left join purchase_days
        on
            features.as_of_date = purchase_days.as_of_date
            and features.customer_unique_id = purchase_days.customer_unique_id

)

select * from final  -- noqa: AM04
