-- One row per reviewed order. An order can have several reviews and a
-- review can cover several orders; the key of a review row is
-- (review_id, order_id).
with

reviews as (

    select * from {{ ref('stg_olist__order_reviews') }}

),

aggregated as (

    select
        order_id,

        -- numerics
        count(*) as review_count,
        avg(review_score) as review_score,
        min(review_score) as min_review_score,

        -- booleans
        max(case when has_comment then 1 else 0 end) = 1 as has_review_comment,

        -- timestamps
        min(created_at) as first_reviewed_at

    from reviews
    group by order_id

)

select * from aggregated
