-- One row per (start date, horizon) of the refresh-interval simulation:
-- each start date in the var stability_start_dates, plus 0, 1, ...,
-- stability_horizon_weeks weeks. As-of dates after the data's as-of date
-- (int_as_of_date) are left out: there is nothing to observe there.
{%- set start_selects = [] %}
{%- for start_date in var('stability_start_dates') %}
    {%- do start_selects.append(
        "select cast(" ~ sql_literal(start_date) ~ " as date) as start_date"
    ) %}
{%- endfor %}
{%- set horizon_selects = [] %}
{%- for week in range(var('stability_horizon_weeks') | int + 1) %}
    {%- do horizon_selects.append("select " ~ week ~ " as horizon_weeks") %}
{%- endfor %}

with

data_end as (

    select as_of_date as data_as_of_date from {{ ref('int_as_of_date') }}

),

start_dates as (

    {{ start_selects | join('\n    union all\n    ') }}

),

horizons as (

    {{ horizon_selects | join('\n    union all\n    ') }}

),

grid as (

    select
        start_dates.start_date,
        horizons.horizon_weeks,
        cast(
            {{ dbt.dateadd(
                'day', '7 * horizons.horizon_weeks', 'start_dates.start_date'
            ) }} as date
        ) as as_of_date
    from start_dates
    cross join horizons

),

final as (

    select
        grid.start_date,
        grid.horizon_weeks,
        grid.as_of_date
    from grid
    cross join data_end
    where grid.as_of_date <= data_end.data_as_of_date

)

select * from final
