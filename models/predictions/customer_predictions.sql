-- Who to target: one row per customer of customer_rfm with the chance of
-- at least one qualifying order within var prediction_horizon_days, the
-- expected purchases, order value and revenue, and a value tier. Scored
-- in SQL with the latest frozen purchase model (prediction_model_parameters):
-- the regression's rows are pivoted to one column group per feature of
-- segment_feature_columns(), so the score is arithmetic on one row per
-- customer. Nothing is fitted here.
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
            case when parameters.parameter = 'gamma_gamma_p' then parameters.value end
        ) as gg_p,
        max(
            case when parameters.parameter = 'gamma_gamma_q' then parameters.value end
        ) as gg_q,
        max(
            case when parameters.parameter = 'gamma_gamma_v' then parameters.value end
        ) as gg_v,
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
        -- Gamma-Gamma: E[order value | orders, their mean value]
        (model.gg_v + customers.monetary)
        * model.gg_p
        / (model.gg_p * customers.frequency + model.gg_q - 1)
            as expected_order_value,
        model.intercept
        {%- for f in features %}
            + coalesce(
                model.{{ f }}_coef
                * (
                    case
                        when model.{{ f }}_log = 1
                            then ln(1 + greatest(
                                coalesce(features.{{ f }}, model.{{ f }}_fill), 0
                            ))
                        else coalesce(features.{{ f }}, model.{{ f }}_fill)
                    end
                    - model.{{ f }}_mean
                )
                / model.{{ f }}_scale,
                0
            )
        {%- endfor %}
            as log_odds
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
        purchase_probability * purchases_per_buyer * expected_order_value
            as expected_revenue
    from predicted

),

ranked as (

    select
        *,
        row_number() over (
            order by expected_revenue desc, customer_unique_id asc
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
        expected_order_value,
        expected_revenue,
        cast(value_rank as {{ dbt.type_int() }}) as value_rank,
        case
            when value_rank <= ceil(customers * {{ shares[0] | float }}) then 'high'
            when value_rank <= ceil(customers * {{ shares[1] | float }})
                then 'medium'
            else 'low'
        end as value_tier
    from ranked

)

select * from final
