-- One row per customer of customer_rfm: the behavioural segment assigned by
-- the frozen model (segment_model_transforms + segment_model_centres), in
-- SQL, without refitting. Each customer goes to the segment with the
-- highest Gaussian log score; for k-means and Ward (variance 1, equal
-- weights) that is the nearest centre.
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

feature_values as (

    -- one row per customer and model feature (the stored version's features)
    select
        features.customer_unique_id,
        transforms.feature,
        transforms.fill_value,
        transforms.clip_lower,
        transforms.clip_upper,
        transforms.log_transform,
        transforms.mean,
        transforms.scale,
        case transforms.feature
            {%- for feature in features %}
                when '{{ feature }}'
                    then cast(features.{{ feature }} as double precision)
            {%- endfor %}
        end as raw_value
    from features
    cross join transforms

),

clipped as (

    select
        customer_unique_id,
        feature,
        log_transform,
        mean,
        scale,
        least(
            greatest(coalesce(raw_value, fill_value), clip_lower), clip_upper
        ) as clipped_value
    from feature_values

),

scaled as (

    select
        customer_unique_id,
        feature,
        (
            case when log_transform then ln(1 + clipped_value) else clipped_value end
            - mean
        ) / scale as scaled_value
    from clipped

),

scores as (

    select
        scaled.customer_unique_id,
        centres.segment_id,
        sum(
            (scaled.scaled_value - centres.centre)
            * (scaled.scaled_value - centres.centre)
        ) as squared_distance,
        max(centres.log_weight) - 0.5 * sum(
            ln(6.283185307179586 * centres.variance)
            + (scaled.scaled_value - centres.centre)
            * (scaled.scaled_value - centres.centre)
            / centres.variance
        ) as log_score
    from scaled
    inner join centres on scaled.feature = centres.feature
    group by scaled.customer_unique_id, centres.segment_id

),

ranked as (

    select
        customer_unique_id,
        segment_id,
        squared_distance,
        log_score,
        row_number() over (
            partition by customer_unique_id
            order by log_score desc, segment_id asc
        ) as segment_rank,
        max(log_score) over (partition by customer_unique_id) as best_log_score
    from scores

),

likelihoods as (

    select
        *,
        -- the posterior probability of the best segment is 1 / this sum
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
                then 1.0 / ranked.relative_likelihood_total
        end as membership_probability,
        current_version.model_version,
        features.as_of_date,
        {{ dbt.current_timestamp() }} as scored_at
    from likelihoods as ranked
    cross join current_version
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
    where ranked.segment_rank = 1

)

select * from final
