-- One row: the past date of the lift backtest, `lift_horizon_days` before
-- the as-of date, so that the window [as_of_date, window_end_date) of
-- future purchases ends where the data ends.
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        cast(
            {{ dbt.dateadd(
                'day', -(var('lift_horizon_days') | int), 'as_of.as_of_date'
            ) }}
            as date
        ) as as_of_date,
        {{ var('lift_horizon_days') | int }} as horizon_days,
        as_of.as_of_date as window_end_date
    from as_of

)

select * from final
