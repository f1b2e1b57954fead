-- One row per behavioural segment of the current model version: size,
-- share of customers and of revenue, and the mean and median of every
-- feature a model may use (segment_feature_columns(): a fixed list, so the
-- columns never depend on the data), with the segment's name, its readable
-- definition (the rule that assigns it), description and action.
{%- set features = segment_feature_columns() %}
{%- set feature_aggregates = [] %}
{%- set feature_columns = [] %}
{%- for feature in features %}
    {%- do feature_aggregates.append(
        'avg(cast(features.' ~ feature ~ ' as ' ~ type_double() ~ ')) as mean_'
        ~ feature ~ ',\n        '
        ~ percentile_cont('features.' ~ feature, 0.5) ~ ' as median_' ~ feature
    ) %}
    {%- do feature_columns.append(
        'aggregated.mean_' ~ feature ~ ',\n        aggregated.median_' ~ feature
    ) %}
{%- endfor %}

with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

features as (

    select * from {{ ref('int_customer_features') }}

),

definitions as (

    select * from {{ ref('segment_definitions') }}

),

totals as (

    select
        count(*) as customers,
        sum(features.monetary) as revenue
    from customer_segments
    inner join features
        on customer_segments.customer_unique_id = features.customer_unique_id

),

aggregated as (

    select
        customer_segments.model_version,
        customer_segments.segment_id,
        count(*) as customers,
        sum(features.monetary) as revenue,
        avg(customer_segments.distance_to_centre) as avg_distance_to_centre,
        {{ feature_aggregates | join(',\n        ') }}
    from customer_segments
    inner join features
        on customer_segments.customer_unique_id = features.customer_unique_id
    group by customer_segments.model_version, customer_segments.segment_id

),

final as (

    select
        aggregated.model_version,
        cast(aggregated.segment_id as integer) as segment_id,
        definitions.segment_name,
        definitions.rule_order,
        definitions.definition,
        -- the model's description opens with the segment's share at fit
        -- time: replaced by today's share, so the text never goes stale
        regexp_replace(
            definitions.description,
            '^[0-9.]+% of customers[.]',
            cast(
                cast(
                    cast(aggregated.customers as decimal(18, 6))
                    * 100
                    / totals.customers as decimal(5, 1)
                ) as {{ dbt.type_string() }}
            )
            || '% of customers.'
        ) as description,
        definitions.recommended_action,
        aggregated.customers,
        {{ ratio('aggregated.customers', 'totals.customers') }} as customer_share,
        aggregated.revenue,
        {{ ratio('aggregated.revenue', 'totals.revenue') }} as revenue_share,
        aggregated.avg_distance_to_centre,
        {{ feature_columns | join(',\n        ') }}
    from aggregated
    cross join totals
    inner join definitions
        on
            aggregated.model_version = definitions.model_version
            and aggregated.segment_id = definitions.segment_id

)

select * from final
