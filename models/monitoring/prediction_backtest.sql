-- The purchase-score backtest: per cut date and method, the base rate, the
-- lift of the top 10% by purchase score, the share of the horizon's revenue
-- (from customers known at the cut) that the top 10% by revenue score
-- brought, the buyer rate of that top 10% (the high value tier) against the
-- base rate, and the AUC (rank-sum form, ties at their mean rank), against
-- the targets (vars prediction_target_*). The production method is var-free:
-- the one prediction_model_parameters uses.
{%- set target_lift = var('prediction_target_top_decile_lift') | float %}
{%- set target_share = var('prediction_target_revenue_share') | float %}
{%- set target_auc = var('prediction_target_auc') | float %}
{%- set target_tier = var('prediction_target_high_tier_rate_ratio') | float %}

with

scores as (

    select * from {{ ref('prediction_backtest_scores') }}

),

production as (

    select distinct method from {{ ref('prediction_model_parameters') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by cut_date, method
            order by purchase_score desc, {{ dbt.hash('customer_unique_id') }}
        ) as purchase_position,
        row_number() over (
            partition by cut_date, method
            order by revenue_score desc, {{ dbt.hash('customer_unique_id') }}
        ) as revenue_position,
        rank() over (
            partition by cut_date, method order by purchase_score
        ) as low_rank,
        count(*) over (
            partition by cut_date, method, purchase_score
        ) as tied,
        count(*) over (partition by cut_date, method) as customers
    from scores

),

totals as (

    select
        cut_date,
        method,
        max(customers) as customers,
        sum(is_buyer) as buyers,
        sum(revenue) as revenue,
        sum(
            case
                when purchase_position <= floor(customers / 10.0) then is_buyer
                else 0
            end
        ) as top_decile_buyers,
        floor(max(customers) / 10.0) as top_decile_customers,
        sum(
            case
                when revenue_position <= floor(customers / 10.0) then revenue
                else 0
            end
        ) as top_decile_revenue,
        sum(
            case
                when revenue_position <= floor(customers / 10.0) then is_buyer
                else 0
            end
        ) as top_value_decile_buyers,
        -- mean rank of the buyers, ties at the mean of their ranks
        sum(
            case
                when is_buyer = 1 then low_rank + (tied - 1) / 2.0 else 0
            end
        ) as buyer_rank_sum
    from ranked
    group by cut_date, method

),

metrics as (

    select
        cut_date,
        method,
        customers,
        buyers,
        {{ ratio('buyers', 'customers') }} as base_rate,
        {{ ratio('top_decile_buyers', 'top_decile_customers') }}
        / nullif({{ ratio('buyers', 'customers') }}, 0) as top_decile_lift,
        {{ ratio('top_decile_revenue', 'revenue') }}
            as top_decile_revenue_share,
        {{ ratio('top_value_decile_buyers', 'top_decile_customers') }}
        / nullif({{ ratio('buyers', 'customers') }}, 0)
            as high_tier_rate_ratio,
        {{ ratio(
            'buyer_rank_sum - buyers * (buyers + 1) / 2.0',
            'buyers * (customers - buyers)'
        ) }} as auc
    from totals

),

final as (

    select
        metrics.cut_date,
        {{ var('prediction_horizon_days') | int }} as horizon_days,
        metrics.method,
        production.method is not null as is_production_method,
        metrics.customers,
        metrics.buyers,
        metrics.base_rate,
        metrics.top_decile_lift,
        metrics.top_decile_revenue_share,
        metrics.high_tier_rate_ratio,
        metrics.auc,
        {{ target_lift }} as target_top_decile_lift,
        {{ target_share }} as target_revenue_share,
        {{ target_auc }} as target_auc,
        {{ target_tier }} as target_high_tier_rate_ratio,
        coalesce(
            metrics.top_decile_lift >= {{ target_lift }}
            and metrics.top_decile_revenue_share >= {{ target_share }}
            and metrics.auc >= {{ target_auc }}
            and metrics.high_tier_rate_ratio >= {{ target_tier }},
            false
        ) as meets_targets
    from metrics
    left join production on metrics.method = production.method

)

select * from final
