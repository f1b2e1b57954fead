{#-
    prediction_linear_predictor(coefficient, intercept, features): SQL of a
    frozen regression's linear predictor for one customer, as
    customer_predictions scores it: the model row's `intercept` column plus,
    per feature, its `<feature>_<coefficient>` times the standardised
    feature (filled with `<feature>_fill`, log1p when `<feature>_log` = 1,
    minus `<feature>_mean`, over `<feature>_scale`). Expects the relations
    `model` (one row, the pivoted parameters) and `features` in scope. A
    feature the version does not use adds 0.
-#}
{% macro prediction_linear_predictor(coefficient, intercept, features) -%}
    model.{{ intercept }}
    {%- for f in features %}
        + coalesce(
            model.{{ f }}_{{ coefficient }}
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
{%- endmacro %}
