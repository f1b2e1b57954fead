-- One row: the reference date of every "as of" measure (RFM recency,
-- tenure). The var `as_of_date` sets it; by default it is the day after the
-- latest qualifying purchase.
with

orders as (

    select * from {{ ref('stg_olist__orders') }}

),

latest_purchase as (

    select max(cast(purchased_at as date)) as latest_purchase_date
    from orders
    where {{ is_qualifying_order('order_status') }}

),

final as (

    select
        {% if var('as_of_date') is not none -%}
            cast({{ sql_literal(var('as_of_date')) }} as date) as as_of_date,
            false as is_default_as_of_date
        {%- else -%}
            cast(
                {{ dbt.dateadd('day', 1, 'latest_purchase_date') }} as date
            ) as as_of_date,
            true as is_default_as_of_date
        {%- endif %}
    from latest_purchase

)

select * from final
