-- One row per order that has at least one payment row.
with

payments as (

    select * from {{ ref('stg_olist__order_payments') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_id
            order by payment_value desc, payment_sequential asc
        ) as value_rank
    from payments

),

aggregated as (

    select
        order_id,

        -- numerics
        count(*) as payment_count,
        count(distinct payment_type) as payment_type_count,
        sum(payment_value) as payment_total,
        max(payment_installments) as max_installments,
        sum(case when payment_type = 'credit_card' then payment_value else 0 end)
            as credit_card_value,
        sum(case when payment_type = 'boleto' then payment_value else 0 end)
            as boleto_value,
        sum(case when payment_type = 'voucher' then payment_value else 0 end)
            as voucher_value,
        sum(case when payment_type = 'debit_card' then payment_value else 0 end)
            as debit_card_value,

        -- strings: the type that paid the largest share
        max(case when value_rank = 1 then payment_type end) as main_payment_type

    from ranked
    group by order_id

)

select * from aggregated
