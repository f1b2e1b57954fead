-- Calibration of the purchase-score backtest: per cut date and method, the
-- customers in ten equal groups by score (decile 1 = the highest), with
-- the buyers each method predicted (sum of its probabilities) and the
-- buyers and revenue observed in the horizon after the cut. Ties are
-- broken by a hash of the id, so the groups are deterministic.
with

scores as (

    select * from {{ ref('prediction_backtest_scores') }}

),

ranked as (

    select
        *,
        ntile(10) over (
            partition by cut_date, method
            order by purchase_score desc, {{ dbt.hash('customer_unique_id') }}
        ) as decile
    from scores

),

final as (

    select
        cut_date,
        method,
        cast(decile as {{ dbt.type_int() }}) as decile,
        count(*) as customers,
        sum(probability) as predicted_buyers,
        sum(is_buyer) as observed_buyers,
        sum(revenue) as observed_revenue
    from ranked
    group by cut_date, method, decile

)

select * from final
