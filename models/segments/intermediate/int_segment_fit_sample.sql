-- The customers the segment model is selected and fitted on: at most the
-- var segment_fit_sample_size customers of int_customer_features, drawn by a
-- seeded hash of their id (var segment_fit_sample_seed), so the same data
-- and settings always give the same sample and the fit's cost stops growing
-- with the data. Every customer is then scored in SQL (customer_segments).
-- A view: only a build that fits a new model version reads it.
{{ config(materialized='view') }}

{%- set sample_size = var('segment_fit_sample_size') | int %}
{%- set sample_seed = var('segment_fit_sample_seed') | int %}

with

features as (

    select * from {{ ref('int_customer_features') }}

),

keyed as (

    select
        customer_unique_id,
        {{ dbt.hash(dbt.concat([
            'customer_unique_id', "'/" ~ sample_seed ~ "'"
        ])) }} as sample_key
    from features

),

sampled as (

    select customer_unique_id
    from keyed
    order by sample_key, customer_unique_id
    limit {{ sample_size }}

),

final as (

    select features.*
    from features
    inner join sampled
        on features.customer_unique_id = sampled.customer_unique_id

)

-- the columns of int_customer_features, unchanged
select * from final  -- noqa: AM04
