-- One row per day from 2016-01-01 to 2019-12-31 (the Olist data covers
-- 2016-09 to 2018-10): the time spine the semantic layer's metrics
-- aggregate over (_marts__semantic.yml).
with

days as (

    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('2016-01-01' as date)",
        end_date="cast('2020-01-01' as date)",
    ) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
