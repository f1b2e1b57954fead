-- One row per customer of customer_rfm: the behavioural segment assigned in
-- SQL by the readable rules of the current model version (segment_rules,
-- with a marketer's edits): the first segment whose conditions all hold
-- (macro assign_segments). The distance to the segment's centre
-- (segment_model_transforms + segment_model_centres, pivoted to one column
-- group per feature of segment_feature_columns()) says how typical a
-- member the customer is.
{%- set features = segment_feature_columns() %}

with

features as (

    select * from {{ ref('int_customer_features') }}

),

selection as (

    select * from {{ ref('segment_model_selection') }}

),

definitions as (

    select * from {{ ref('segment_definitions') }}

),

current_version as (

    {{ current_segment_model_version(ref('segment_definitions')) }}

),

rules as (

    -- the current definition of the current model version
    select served_rules.*
    from {{ ref('segment_rules') }} as served_rules
    inner join current_version
        on served_rules.model_version = current_version.model_version
    where served_rules.definition_version = (
        select max(latest.definition_version)
        from {{ ref('segment_rules') }} as latest
        inner join current_version as latest_version
            on latest.model_version = latest_version.model_version
    )

),

assigned as (

    {{ assign_segments('features', 'rules') }}

),

definition as (

    select max(definition_version) as definition_version from rules

),

transforms as (

    select transforms.*
    from {{ ref('segment_model_transforms') }} as transforms
    inner join current_version
        on transforms.model_version = current_version.model_version

),

centres as (

    select centres.*
    from {{ ref('segment_model_centres') }} as centres
    inner join current_version
        on centres.model_version = current_version.model_version

),

model_transforms as (

    -- the version's transforms as one row, a column group per feature (null
    -- for features the version does not use)
    select
    {%- for f in features %}
            max(case when feature = '{{ f }}' then fill_value end) as {{ f }}_fill,
            max(case when feature = '{{ f }}' then clip_lower end) as {{ f }}_lower,
            max(case when feature = '{{ f }}' then clip_upper end) as {{ f }}_upper,
            max(
                case when feature = '{{ f }}' and log_transform then 1 end
            ) as {{ f }}_log,
            max(case when feature = '{{ f }}' then mean end) as {{ f }}_mean,
            max(case when feature = '{{ f }}' then scale end) as {{ f }}_scale
            {{- ',' if not loop.last }}
    {%- endfor %}
    from transforms

),

model_centres as (

    -- one row per segment: its weight and, per feature, centre and variance
    select
        segment_id,
        max(log_weight) as log_weight,
    {%- for f in features %}
        max(case when feature = '{{ f }}' then centre end) as {{ f }}_centre,
        max(case when feature = '{{ f }}' then variance end)
            as {{ f }}_variance
        {{- ',' if not loop.last }}
    {%- endfor %}
    from centres
    group by segment_id

),

scaled as (

    -- fill, clip, log and scale each feature; null when the version does
    -- not use it
    select
        features.customer_unique_id,
    {%- for f in features %}
        (
            case
                when t.{{ f }}_log = 1
                    then ln(1 + least(greatest(
                        coalesce(
                            cast(features.{{ f }} as {{ type_double() }}),
                            t.{{ f }}_fill
                        ),
                        t.{{ f }}_lower
                        ), t.{{ f }}_upper))
                else least(greatest(
                    coalesce(
                        cast(features.{{ f }} as {{ type_double() }}),
                        t.{{ f }}_fill
                    ),
                    t.{{ f }}_lower
                    ), t.{{ f }}_upper)
            end - t.{{ f }}_mean
        ) / t.{{ f }}_scale as {{ f }}_z
        {{- ',' if not loop.last }}
    {%- endfor %}
    from features
    cross join model_transforms as t

),

scores as (

    -- squared distance and diagonal-Gaussian log score to each centre;
    -- the features a version does not use add nothing
    select
        scaled.customer_unique_id,
        c.segment_id,
        {%- for f in features %}
            coalesce(
                (scaled.{{ f }}_z - c.{{ f }}_centre)
                * (scaled.{{ f }}_z - c.{{ f }}_centre),
                0
            ){{ ' +' if not loop.last }}
        {%- endfor %}
            as squared_distance,
        c.log_weight - 0.5 * (
            {%- for f in features %}
                coalesce(
                    ln(6.283185307179586 * c.{{ f }}_variance)
                    + (scaled.{{ f }}_z - c.{{ f }}_centre)
                    * (scaled.{{ f }}_z - c.{{ f }}_centre)
                    / c.{{ f }}_variance,
                    0
                ){{ ' +' if not loop.last }}
            {%- endfor %}
        ) as log_score
    from scaled
    cross join model_centres as c

),

ranked as (

    -- the score of the segment the rules assigned, and the best score
    select
        scores.customer_unique_id,
        scores.segment_id,
        scores.squared_distance,
        scores.log_score,
        max(scores.log_score) over (partition by scores.customer_unique_id)
            as best_log_score,
        case
            when scores.segment_id = assigned.segment_id then 1 else 0
        end as is_assigned
    from scores
    inner join assigned
        on scores.customer_unique_id = assigned.customer_unique_id

),

likelihoods as (

    select
        *,
        -- the posterior probability of a segment is exp(its log score -
        -- best) / this sum
        sum(exp(log_score - best_log_score))
            over (partition by customer_unique_id)
            as relative_likelihood_total
    from ranked

),

final as (

    select
        ranked.customer_unique_id,
        cast(ranked.segment_id as integer) as segment_id,
        definitions.segment_name,
        sqrt(ranked.squared_distance) as distance_to_centre,
        case
            when selection.algorithm = 'gaussian_mixture'
                then
                    exp(ranked.log_score - ranked.best_log_score)
                    / ranked.relative_likelihood_total
        end as membership_probability,
        current_version.model_version,
        cast(definition.definition_version as integer) as definition_version,
        features.as_of_date,
        {{ dbt.current_timestamp() }} as scored_at
    from likelihoods as ranked
    cross join current_version
    cross join definition
    inner join features
        on ranked.customer_unique_id = features.customer_unique_id
    inner join definitions
        on
            current_version.model_version = definitions.model_version
            and ranked.segment_id = definitions.segment_id
    inner join selection
        on
            current_version.model_version = selection.model_version
            and selection.is_chosen
    where ranked.is_assigned = 1

)

select * from final
