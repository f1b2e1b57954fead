with

source as (

    select * from {{ source('olist', 'order_reviews') }}

),

renamed as (

    select
        -- ids
        review_id,
        order_id,

        -- strings
        nullif(trim(review_comment_title), '') as comment_title,
        nullif(trim(review_comment_message), '') as comment_message,

        -- numerics
        review_score,

        -- booleans
        nullif(trim(review_comment_message), '') is not null as has_comment,

        -- timestamps
        review_creation_date as created_at,
        review_answer_timestamp as answered_at

    from source

)

select * from renamed
