-- Each customer's segments as of each build's as-of date: one row per
-- (as-of date, customer). A build adds its as-of date; a second build at the
-- same as-of date replaces all of that date's rows (delete+insert keyed on
-- the date), so the history holds the latest scoring of every as-of date it
-- has seen. segment_migration compares this build with the one before.
-- How the date is replaced depends on the engine (incremental_replace_config).
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **incremental_replace_config('as_of_date')
) }}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

)

select
    segments.as_of_date,
    segments.customer_unique_id,
    segments.model_version,
    segments.segment_id,
    segments.segment_name,
    rfm.rfm_segment,
    rfm.rfm_cell
from segments
inner join rfm
    on segments.customer_unique_id = rfm.customer_unique_id
