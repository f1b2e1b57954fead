-- Who to target: one row per customer of customer_rfm with the chance of
-- at least one qualifying order within var prediction_horizon_days, the
-- expected purchases, revenue and order value, and a value tier. Scored
-- in SQL with the latest frozen purchase model (prediction_model_parameters):
-- the regressions' rows are pivoted to one column group per feature of
-- segment_feature_columns(), so the scores are arithmetic on one row per
-- customer. Nothing is fitted here. A fallback version (method
-- frequency_recency: the training window could not fit the regressions)
-- leaves the scores empty, says why in score_note and ranks by orders,
-- then recency, then spend.
{%- set features = segment_feature_columns() %}
{%- set shares = var('prediction_value_tier_shares') %}

with

customers as (

    select * from {{ ref('customer_rfm') }}

),

features as (

    select * from {{ ref('int_customer_features') }}

),

parameters as (

    select * from {{ ref('prediction_model_parameters') }}

),

current_version as (

    select max(prediction_model_version) as prediction_model_version
    from parameters

),

model as (

    -- the version's parameters as one row, a column group per feature
    -- (null for features the version does not use)
    select
        max(parameters.method) as method,  -- noqa: RF04
        max(parameters.trained_as_of_date) as trained_as_of_date,
        max(parameters.horizon_days) as horizon_days,
        max(
            case when parameters.parameter = 'intercept' then parameters.value end
        ) as intercept,
        max(
            case
                when parameters.parameter = 'purchases_per_buyer'
                    then parameters.value
            end
        ) as purchases_per_buyer,
        max(
            case
                when parameters.parameter = 'revenue:intercept'
                    then parameters.value
            end
        ) as revenue_intercept,
        max(parameters.training_customers) as training_customers,
        max(parameters.training_buyers) as training_buyers,
        {%- for f in features %}
            max(
                case
                    when parameters.parameter = '{{ f }}' then parameters.fill_value
                end
            ) as {{ f }}_fill,
            max(
                case
                    when parameters.parameter = '{{ f }}' and parameters.log_transform
                        then 1
                end
            ) as {{ f }}_log,
            max(
                case when parameters.parameter = '{{ f }}' then parameters.mean end
            ) as {{ f }}_mean,
            max(
                case when parameters.parameter = '{{ f }}' then parameters.scale end
            ) as {{ f }}_scale,
            max(
                case when parameters.parameter = '{{ f }}' then parameters.value end
            ) as {{ f }}_coef,
            max(
                case
                    when parameters.parameter = 'revenue:{{ f }}'
                        then parameters.value
                end
            ) as {{ f }}_revenue_coef,
        {%- endfor %}
        max(parameters.prediction_model_version) as prediction_model_version
    from parameters
    inner join current_version
        on
            parameters.prediction_model_version
            = current_version.prediction_model_version

),

scored as (

    select
        customers.customer_unique_id,
        customers.as_of_date,
        model.prediction_model_version,
        model.method,
        model.trained_as_of_date,
        model.horizon_days,
        model.purchases_per_buyer,
        model.training_customers,
        model.training_buyers,
        customers.frequency,
        customers.recency_days,
        customers.monetary,
        {{ prediction_linear_predictor('coef', 'intercept', features) }}
            as log_odds,
        {{ prediction_linear_predictor(
            'revenue_coef', 'revenue_intercept', features
        ) }} as log_revenue
    from customers
    inner join features
        on customers.customer_unique_id = features.customer_unique_id
    cross join model

),

predicted as (

    select
        *,
        1 / (1 + exp(-log_odds)) as purchase_probability
    from scored

),

valued as (

    select
        *,
        purchase_probability * purchases_per_buyer as expected_purchases,
        exp(log_revenue) as expected_revenue
    from predicted

),

ranked as (

    select
        *,
        row_number() over (
            order by
                expected_revenue desc nulls last,
                frequency desc,
                recency_days asc,
                monetary desc,
                customer_unique_id asc
        ) as value_rank,
        count(*) over () as customers
    from valued

),

final as (

    select
        -- ids
        customer_unique_id,
        -- dates and settings
        as_of_date,
        cast(horizon_days as {{ dbt.type_int() }}) as horizon_days,
        cast(prediction_model_version as {{ dbt.type_int() }})
            as prediction_model_version,
        method,
        trained_as_of_date,
        -- predictions
        purchase_probability,
        expected_purchases,
        expected_revenue / nullif(expected_purchases, 0) as expected_order_value,
        expected_revenue,
        cast(value_rank as {{ dbt.type_int() }}) as value_rank,
        case
            when value_rank <= ceil(customers * {{ shares[0] | float }}) then 'high'
            when value_rank <= ceil(customers * {{ shares[1] | float }})
                then 'medium'
            else 'low'
        end as value_tier,
        case
            when method = 'frequency_recency'
                then
                    'no purchase model: its training window had '
                    || cast(training_buyers as {{ dbt.type_string() }})
                    || ' buyers among '
                    || cast(training_customers as {{ dbt.type_string() }})
                    || ' customers, too few to fit; ranked by orders, then'
                    || ' recency, then spend (refit with more history)'
        end as score_note
    from ranked

)

select * from final
