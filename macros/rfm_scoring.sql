{#-
    The RFM scoring expressions shared by customer_rfm, rfm_score_thresholds
    and their backtest copies (int_customer_rfm_lift, int_prediction_backtest_rfm,
    int_rfm_score_thresholds_lift, int_prediction_backtest_rfm_thresholds).
    The models show the steps; these macros hold the few expressions that
    must be the same in all of them. Documented in macros/_macros.yml.
-#}

{#- lower_bound and upper_bound of score band `band` (1..5) cut at `cuts`. -#}
{% macro rfm_band_bounds(band, cuts) -%}
    case {{ band }}
        when 2 then {{ cuts[0] }}
        when 3 then {{ cuts[1] }}
        when 4 then {{ cuts[2] }}
        when 5 then {{ cuts[3] }}
    end as lower_bound,
    case {{ band }}
        when 1 then {{ cuts[0] }}
        when 2 then {{ cuts[1] }}
        when 3 then {{ cuts[2] }}
        when 4 then {{ cuts[3] }}
    end as upper_bound
{%- endmacro %}

{#- Whether `value` lies in the band row `band`: lower < value <= upper. -#}
{% macro rfm_value_in_band(value, band) -%}
    ({{ band }}.lower_bound is null or {{ value }} > {{ band }}.lower_bound)
    and ({{ band }}.upper_bound is null or {{ value }} <= {{ band }}.upper_bound)
{%- endmacro %}

{#- The mean of the F and M scores, halves rounded up. -#}
{% macro rfm_fm_score(f_score, m_score) -%}
    cast(floor(({{ f_score }} + {{ m_score }} + 1) / 2.0) as {{ dbt.type_int() }})
{%- endmacro %}

{#- The three scores as one text, e.g. '545'. -#}
{% macro rfm_cell(r_score, f_score, m_score) -%}
    {{ dbt.concat([
        dbt.cast(r_score, dbt.type_string()),
        dbt.cast(f_score, dbt.type_string()),
        dbt.cast(m_score, dbt.type_string()),
    ]) }}
{%- endmacro %}
