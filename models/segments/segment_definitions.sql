-- Name, description and recommended action of each segment of every model
-- version: the public face of segment_model_definitions (written by Python
-- when a version is fitted), with a contract for BI tools.
with

definitions as (

    select * from {{ ref('segment_model_definitions') }}

),

final as (

    select
        cast(model_version as integer) as model_version,
        cast(segment_id as integer) as segment_id,
        segment_name,
        description,
        recommended_action,
        is_new_segment
    from definitions

)

select * from final
