-- Name, description and recommended action of each segment of every model
-- version: the public face of segment_model_definitions (written by Python
-- when a version is fitted), with a contract for BI tools. A marketer's
-- overrides (seed segment_overrides, keyed by the model's name) replace the
-- model's text; a blank override field keeps it.
with

definitions as (

    select * from {{ ref('segment_model_definitions') }}

),

overrides as (

    select * from {{ ref('segment_overrides') }}

),

final as (

    select
        cast(definitions.model_version as integer) as model_version,
        cast(definitions.segment_id as integer) as segment_id,
        coalesce(nullif(trim(overrides.new_name), ''), definitions.segment_name)
            as segment_name,
        coalesce(
            nullif(trim(overrides.description), ''), definitions.description
        ) as description,
        coalesce(
            nullif(trim(overrides.recommended_action), ''),
            definitions.recommended_action
        ) as recommended_action,
        definitions.is_new_segment,
        definitions.segment_name as model_segment_name,
        overrides.segment_name is not null as is_overridden
    from definitions
    left join overrides
        on definitions.segment_name = overrides.segment_name

)

select * from final
