{#-
    prediction_outcomes(dates): what each customer bought in the horizon
    after each as-of date of `dates` (a relation with as_of_date and
    horizon_days): one row per (as_of_date, customer_unique_id) with at
    least one qualifying order purchased in [as_of_date, as_of_date +
    horizon_days), with the number of those orders and their payments.
    The purchase score's target, in training and in the backtest.
-#}
{% macro prediction_outcomes(dates) %}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

dates as (

    select distinct as_of_date, horizon_days from {{ dates }}

),

final as (

    select
        dates.as_of_date,
        orders.customer_unique_id,
        count(distinct orders.order_id) as future_orders,
        sum(orders.payment_total) as future_revenue
    from orders
    inner join dates
        on
            orders.purchase_date >= dates.as_of_date
            and orders.purchase_date
            < {{ dbt.dateadd('day', 'dates.horizon_days', 'dates.as_of_date') }}
    where orders.is_qualifying
    group by dates.as_of_date, orders.customer_unique_id

)

select * from final

{% endmacro %}
