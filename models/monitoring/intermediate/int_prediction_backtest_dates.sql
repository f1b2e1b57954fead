-- The purchase-score backtest's dates: for each cut date of var
-- prediction_backtest_cut_dates whose horizon ends by the as-of date (else
-- one cut a horizon before the as-of date), the cut (role 'score': the
-- methods score there and are judged on the next horizon) and the date a
-- horizon earlier (role 'train': the methods learn from what followed it,
-- up to the cut). Nothing after a cut is used to score at it.
{%- set horizon = var('prediction_horizon_days') | int %}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

configured as (

    {%- for cut in var('prediction_backtest_cut_dates') %}
        select cast({{ sql_literal(cut) }} as date) as cut_date
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}

),

fitting as (

    select configured.cut_date
    from configured
    cross join as_of
    where
        {{ dbt.dateadd('day', horizon, 'configured.cut_date') }}
        <= as_of.as_of_date

),

fallback as (

    select
        cast({{ dbt.dateadd('day', -horizon, 'as_of.as_of_date') }} as date)
            as cut_date
    from as_of
    where not exists (select 1 from fitting)

),

cuts as (

    select cut_date from fitting
    union all
    select cut_date from fallback

),

final as (

    select
        cut_date as as_of_date,
        cut_date,
        'score' as date_role,
        {{ horizon }} as horizon_days
    from cuts

    union all

    select
        cast({{ dbt.dateadd('day', -horizon, 'cut_date') }} as date) as as_of_date,
        cut_date,
        'train' as date_role,
        {{ horizon }} as horizon_days
    from cuts

)

select * from final
