-- The customer features at every date of the purchase-score backtest (same
-- definition as int_customer_features: macros/customer_features.sql), with
-- what each customer bought in the horizon after that date.
with

features as (

    {{ customer_features(ref('int_prediction_backtest_dates')) }}

),

outcomes as (

    {{ prediction_outcomes(ref('int_prediction_backtest_dates')) }}

),

final as (

    select
        features.*,
        coalesce(outcomes.future_orders, 0) as future_orders,
        coalesce(outcomes.future_revenue, 0) as future_revenue,
        case when outcomes.customer_unique_id is null then 0 else 1 end
            as is_buyer
    from features
    left join outcomes
        on
            features.as_of_date = outcomes.as_of_date
            and features.customer_unique_id = outcomes.customer_unique_id

)

select * from final  -- noqa: AM04
