-- The recommended refresh interval: per ARI threshold and population, the
-- longest horizon whose ARI stays at or above the threshold for every start
-- date (the shortest of the start dates' intervals), with the spread across
-- start dates. The row with is_default_threshold and population
-- all_customers is the recommendation (var stability_ari_threshold).
with

intervals as (

    select * from {{ ref('stability_intervals') }}

),

ranked as (

    select
        intervals.*,
        row_number() over (
            partition by intervals.population, intervals.ari_threshold
            order by intervals.interval_weeks, intervals.start_date
        ) as shortest_rank
    from intervals

),

summarised as (

    select
        population,
        ari_threshold,
        count(*) as start_dates,
        min(interval_weeks) as recommended_interval_weeks,
        max(interval_weeks) as longest_interval_weeks,
        max(interval_weeks) - min(interval_weeks) as spread_weeks,
        avg(interval_weeks * 1.0) as mean_interval_weeks,
        min(robust_interval_weeks) as robust_interval_weeks,
        max(case when shortest_rank = 1 then start_date end)
            as limiting_start_date,
        {{ dbt.bool_or('shortest_rank = 1 and is_censored') }}
            as is_lower_bound,
        sum(case when is_censored then 1 else 0 end) as censored_start_dates
    from ranked
    group by population, ari_threshold

),

final as (

    select
        population,
        ari_threshold,
        abs(ari_threshold - {{ var('stability_ari_threshold') }}) < 1e-9
            as is_default_threshold,
        start_dates,
        recommended_interval_weeks,
        longest_interval_weeks,
        spread_weeks,
        mean_interval_weeks,
        robust_interval_weeks,
        limiting_start_date,
        is_lower_bound,
        censored_start_dates,
        -- a refit every interval (at least weekly, the finest step measured)
        ceiling(
            52.0 / greatest(recommended_interval_weeks, 1)
        ) as refits_per_year
    from summarised

)

select * from final
