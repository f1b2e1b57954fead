-- One row: the date the purchase model's features are taken at, a horizon
-- (var prediction_horizon_days) before the as-of date, so that its outcome
-- window [as_of_date, window_end_date) ends where the data end.
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        cast(
            {{ dbt.dateadd(
                'day', -(var('prediction_horizon_days') | int), 'as_of.as_of_date'
            ) }}
            as date
        ) as as_of_date,
        {{ var('prediction_horizon_days') | int }} as horizon_days,
        as_of.as_of_date as window_end_date
    from as_of

)

select * from final
