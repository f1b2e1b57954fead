-- One row per start date, population and ARI threshold: how many weeks the
-- frozen model stayed valid from that start date. The interval is one week
-- less than the first horizon whose ARI (frozen vs refit) falls below the
-- threshold; when none does within the horizons measured, it is the longest
-- horizon measured and is_censored is true (the real interval is longer).
-- robust_interval_weeks skips inconclusive horizons, where the refits with
-- different seeds agree with each other less than the threshold (the
-- reference itself is not reproducible there).
{%- set thresholds = [] %}
{%- for threshold in var('stability_sensitivity_thresholds')
    + [var('stability_ari_threshold')] %}
    {%- if threshold | float not in thresholds %}
        {%- do thresholds.append(threshold | float) %}
    {%- endif %}
{%- endfor %}
{%- set threshold_selects = [] %}
{%- for threshold in thresholds | sort %}
    {%- do threshold_selects.append(
        "select cast(" ~ threshold ~ " as " ~ type_double() ~ ") as ari_threshold"
    ) %}
{%- endfor %}

with

ari as (

    select * from {{ ref('stability_ari') }}

),

thresholds as (

    {{ threshold_selects | join('\n    union all\n    ') }}

),

breaks as (

    select
        ari.start_date,
        ari.population,
        thresholds.ari_threshold,
        min(
            case when ari.ari < thresholds.ari_threshold then ari.horizon_weeks end
        ) as first_horizon_below,
        min(
            case
                when
                    ari.ari < thresholds.ari_threshold
                    and ari.refit_agreement >= thresholds.ari_threshold
                    then ari.horizon_weeks
            end
        ) as first_conclusive_horizon_below,
        sum(
            case when ari.refit_agreement < thresholds.ari_threshold then 1 else 0 end
        ) as inconclusive_horizons,
        max(ari.horizon_weeks) as longest_horizon_weeks,
        min(ari.ari) as lowest_ari
    from ari
    cross join thresholds
    group by ari.start_date, ari.population, thresholds.ari_threshold

),

final as (

    select
        start_date,
        population,
        ari_threshold,
        -- 0 also when the ARI is below the threshold at the start itself
        -- (refits on the training data disagree with M0)
        greatest(coalesce(first_horizon_below - 1, longest_horizon_weeks), 0)
            as interval_weeks,
        first_horizon_below,
        greatest(
            coalesce(first_conclusive_horizon_below - 1, longest_horizon_weeks), 0
        ) as robust_interval_weeks,
        inconclusive_horizons,
        longest_horizon_weeks,
        lowest_ari,
        first_horizon_below is null as is_censored
    from breaks

)

select * from final
