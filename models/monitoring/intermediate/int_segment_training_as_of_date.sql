-- One row: the model version that scores customer_segments and the as-of
-- date of the features it was trained on (the drift check's reference).
with

selection as (

    select * from {{ ref('segment_model_selection') }}

),

current_version as (

    {{ current_segment_model_version(ref('segment_definitions')) }}

),

final as (

    select
        selection.model_version,
        selection.trained_as_of_date as as_of_date
    from selection
    inner join current_version
        on selection.model_version = current_version.model_version
    where selection.is_chosen

)

select * from final
