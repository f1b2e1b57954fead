-- Name, description and recommended action of each segment of every model
-- version: the public face of segment_model_definitions (written by Python
-- when a version is fitted), with a contract for BI tools. A marketer's
-- overrides (seed segment_overrides, keyed by the model's name) replace the
-- model's text; a blank override field keeps it. The definition is the
-- segment's served rule (segment_rules, the latest definition version of
-- the model version): conditions a marketer can read, which SQL applies
-- exactly (customer_segments).
with

definitions as (

    select * from {{ ref('segment_model_definitions') }}

),

overrides as (

    select * from {{ ref('segment_overrides') }}

),

served_rules as (

    select * from {{ ref('segment_rules') }}

),

latest_versions as (

    select
        model_version,
        max(definition_version) as definition_version
    from served_rules
    group by model_version

),

latest_rules as (

    -- one row per segment of the latest definition version of each model
    -- version
    select
        served_rules.model_version,
        served_rules.segment_id,
        max(served_rules.definition_version) as definition_version,
        max(served_rules.rule_order) as rule_order,
        max(served_rules.definition) as definition,
        max(case when served_rules.is_edited then 1 else 0 end) as is_edited
    from served_rules
    inner join latest_versions as latest
        on
            served_rules.model_version = latest.model_version
            and served_rules.definition_version = latest.definition_version
    group by served_rules.model_version, served_rules.segment_id

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
        overrides.segment_name is not null as is_overridden,
        cast(latest_rules.rule_order as integer) as rule_order,
        latest_rules.definition,
        coalesce(latest_rules.is_edited = 1, false) as is_definition_edited,
        cast(latest_rules.definition_version as integer) as definition_version
    from definitions
    left join overrides
        on definitions.segment_name = overrides.segment_name
    left join latest_rules
        on
            definitions.model_version = latest_rules.model_version
            and definitions.segment_id = latest_rules.segment_id

)

select * from final
