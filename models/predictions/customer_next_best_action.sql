-- The next step per customer: one action (seeds/next_best_actions.csv),
-- why (the segment, the RFM lifecycle and the value that decided it) and a
-- contact priority. The first rule that holds decides:
--   1. a contact suppression (seeds/contact_suppressions.csv; by default an
--      open service problem: reviews average 2 stars or fewer) gives its
--      non-sales action, service recovery: no sales message;
--   2. lapsed (RFM var action_lapsed_rfm_segments) and low value: do not
--      contact;
--   3. a repeat buyer who is not lapsing (RFM var action_win_back_rfm_segments
--      names the lapsing ones): loyalty;
--   4. lapsing: win-back;
--   5. pays mostly by boleto (boleto_share >= 0.5): boleto reminder;
--   6. everyone else (one order, recent): second-purchase nudge.
-- contact_priority ranks the customers of one action by value (value_rank:
-- expected revenue); empty for do_not_contact.
{{ validate_contact_suppressions(
    ref('contact_suppressions'), ref('next_best_actions')
) }}
{%- set lapsed = var('action_lapsed_rfm_segments') %}
{%- set lapsing = var('action_win_back_rfm_segments') %}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

predictions as (

    select * from {{ ref('customer_predictions') }}

),

features as (

    select * from {{ ref('int_customer_features') }}

),

suppressions as (

    select * from {{ ref('contact_suppressions') }}

),

actions as (

    select * from {{ ref('next_best_actions') }}

),

suppression_values as (

    -- every customer against every suppression: the feature's value
    select
        features.customer_unique_id,
        suppressions.suppression,
        suppressions.action,
        suppressions.operator,
        suppressions.feature || ' ' || suppressions.operator || ' '
        || suppressions.threshold as condition_text,
        cast(suppressions.threshold as {{ type_double() }}) as threshold_value,
        {{ customer_feature_value('suppressions.feature', 'features') }}
            as feature_value
    from features
    cross join suppressions

),

suppression_matches as (

    select
        customer_unique_id,
        suppression,
        action,
        condition_text,
        row_number() over (
            partition by customer_unique_id order by suppression
        ) as match_rank
    from suppression_values
    where
        (operator = '>=' and feature_value >= threshold_value)
        or (operator = '<=' and feature_value <= threshold_value)
        or (operator = '>' and feature_value > threshold_value)
        or (operator = '<' and feature_value < threshold_value)

),

suppressed as (

    -- the first suppression (by name) each customer matches
    select
        customer_unique_id,
        suppression,
        action,
        condition_text
    from suppression_matches
    where match_rank = 1

),

inputs as (

    select
        segments.customer_unique_id,
        segments.as_of_date,
        segments.segment_id,
        segments.segment_name,
        rfm.rfm_segment,
        rfm.frequency,
        features.boleto_share,
        predictions.value_tier,
        predictions.value_rank,
        predictions.purchase_probability,
        predictions.expected_revenue,
        suppressed.suppression,
        suppressed.action as suppression_action,
        suppressed.condition_text as suppression_condition
    from segments
    inner join rfm
        on segments.customer_unique_id = rfm.customer_unique_id
    inner join predictions
        on segments.customer_unique_id = predictions.customer_unique_id
    inner join features
        on segments.customer_unique_id = features.customer_unique_id
    left join suppressed
        on segments.customer_unique_id = suppressed.customer_unique_id

),

decided as (

    select
        *,
        case
            when suppression is not null then suppression_action
            when
                rfm_segment in ({{ sql_literal_list(lapsed) }})
                and value_tier = 'low'
                then 'do_not_contact'
            when
                frequency >= 2
                and rfm_segment not in ({{ sql_literal_list(lapsing) }})
                then 'loyalty'
            when rfm_segment in ({{ sql_literal_list(lapsing) }}) then 'win_back'
            when boleto_share >= 0.5 then 'boleto_reminder'
            else 'second_purchase_nudge'
        end as next_best_action,
        case
            when suppression is not null
                then
                    'suppressed (' || suppression || ': '
                    || suppression_condition || ')'
            when
                rfm_segment in ({{ sql_literal_list(lapsed) }})
                and value_tier = 'low'
                then 'lapsed and low value'
            when
                frequency >= 2
                and rfm_segment not in ({{ sql_literal_list(lapsing) }})
                then 'a repeat buyer, still active'
            when rfm_segment in ({{ sql_literal_list(lapsing) }})
                then 'lapsing, worth winning back'
            when boleto_share >= 0.5 then 'one order, pays by boleto'
            else 'one order, recent'
        end as decided_by
    from inputs

),

final as (

    select
        -- ids
        decided.customer_unique_id,
        -- dates
        decided.as_of_date,
        -- the action
        decided.next_best_action,
        actions.label as action_label,
        actions.is_sales_message,
        actions.what_to_send,
        decided.segment_name
        || ' / RFM ' || decided.rfm_segment
        || ' / value ' || decided.value_tier
        || ': ' || decided.decided_by as reason,
        decided.suppression,
        cast(
            case
                when decided.next_best_action != 'do_not_contact'
                    then row_number() over (
                        partition by decided.next_best_action
                        order by decided.value_rank
                    )
            end
            as {{ dbt.type_int() }}
        ) as contact_priority,
        -- what decided it
        decided.segment_id,
        decided.segment_name,
        decided.rfm_segment,
        decided.value_tier,
        decided.value_rank,
        decided.purchase_probability,
        decided.expected_revenue
    from decided
    inner join actions
        on decided.next_best_action = actions.action

)

select * from final
