{#-
    Check the project vars before anything is built, so that a typo in
    `--vars` stops the build with a clear message instead of a database
    error halfway through. Runs as an on-run-start hook.
-#}
{% macro validate_project_vars() %}
    {%- if not execute -%}
        {{ return('select 1 as validated') }}
    {%- endif -%}
    {%- set errors = [] -%}

    {%- set as_of_date = var('as_of_date') -%}
    {%- if as_of_date is not none -%}
        {%- set text = as_of_date | string -%}
        {%- if not is_calendar_date(text) -%}
            {%- do errors.append(
                "var as_of_date must be a date YYYY-MM-DD or null, got '"
                ~ text ~ "'"
            ) -%}
        {%- endif -%}
    {%- endif -%}

    {%- set statuses = var('rfm_excluded_order_statuses') -%}
    {%- if statuses is string or statuses is not iterable -%}
        {%- do errors.append(
            "var rfm_excluded_order_statuses must be a list of order statuses, "
            ~ "e.g. [canceled, unavailable], got '" ~ statuses ~ "'"
        ) -%}
    {%- endif -%}

    {%- set thresholds = var('rfm_frequency_thresholds') -%}
    {%- if thresholds is string or thresholds is not iterable
        or thresholds | length != 4
        or thresholds | select('number') | list | length != 4
        or thresholds != thresholds | sort
        or thresholds[0] < 2 -%}
        {%- do errors.append(
            "var rfm_frequency_thresholds must list 4 increasing whole "
            ~ "numbers of orders, each the lowest frequency of f_score 2, 3, "
            ~ "4 and 5 (the first at least 2), e.g. [2, 3, 4, 5], got '"
            ~ thresholds ~ "'"
        ) -%}
    {%- endif -%}

    {%- set start_dates = var('stability_start_dates') -%}
    {%- set bad_dates = [] -%}
    {%- if start_dates is string or start_dates is not iterable
        or start_dates | length == 0 -%}
        {%- do bad_dates.append(start_dates | string) -%}
    {%- else -%}
        {%- for start_date in start_dates -%}
            {%- set text = start_date | string -%}
            {%- if not is_calendar_date(text) -%}
                {%- do bad_dates.append(text) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if bad_dates -%}
        {%- do errors.append(
            "var stability_start_dates must be a non-empty list of dates "
            ~ "YYYY-MM-DD, e.g. ['2017-06-05', '2018-03-05'], got '"
            ~ (bad_dates | join("', '")) ~ "'"
        ) -%}
    {%- endif -%}

    {%- set weeks = var('stability_horizon_weeks') -%}
    {%- if weeks is not number or weeks < 1 or weeks != weeks | int -%}
        {%- do errors.append(
            "var stability_horizon_weeks must be a whole number of weeks >= 1, "
            ~ "got '" ~ weeks ~ "'"
        ) -%}
    {%- endif -%}

    {%- set thresholds = var('stability_sensitivity_thresholds') | list
        if var('stability_sensitivity_thresholds') is iterable
        and var('stability_sensitivity_thresholds') is not string else ['?'] -%}
    {%- for threshold in thresholds + [var('stability_ari_threshold')] -%}
        {%- if threshold is not number or not 0 < threshold <= 1 -%}
            {%- do errors.append(
                "vars stability_ari_threshold and "
                ~ "stability_sensitivity_thresholds must be ARIs in (0, 1], "
                ~ "got '" ~ threshold ~ "'"
            ) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set horizon = var('lift_horizon_days') -%}
    {%- if horizon is not number or horizon != horizon | int or horizon < 1 -%}
        {%- do errors.append(
            "var lift_horizon_days must be a whole number of days >= 1, e.g. "
            ~ "90, got '" ~ horizon ~ "'"
        ) -%}
    {%- endif -%}
    {%- set point = var('geography_reference_point') -%}
    {%- if point is string or point is not iterable or point | length != 2
        or point | select('number') | list | length != 2 -%}
        {%- do errors.append(
            "var geography_reference_point must be [latitude, longitude] in "
            ~ "degrees, e.g. [-23.5505, -46.6333], got '" ~ point ~ "'"
        ) -%}
    {%- endif -%}
    {%- set statuses = var('rfm_excluded_order_statuses') -%}
    {%- if statuses is iterable and statuses is not string
        and statuses | reject('string') | list | length > 0 -%}
        {%- do errors.append(
            "var rfm_excluded_order_statuses must list order statuses as "
            ~ "text, got '" ~ statuses ~ "'"
        ) -%}
    {%- endif -%}

    {%- set sample_size = var('segment_fit_sample_size') -%}
    {%- if sample_size is not number or sample_size != sample_size | int
        or sample_size < 1000 -%}
        {%- do errors.append(
            "var segment_fit_sample_size must be a whole number of customers "
            ~ ">= 1000 (the model is selected and fitted on at most that many), "
            ~ "e.g. 50000, got '" ~ sample_size ~ "'"
        ) -%}
    {%- endif -%}
    {%- set sample_seed = var('segment_fit_sample_seed') -%}
    {%- if sample_seed is not number or sample_seed != sample_seed | int -%}
        {%- do errors.append(
            "var segment_fit_sample_seed must be a whole number, e.g. 0, got '"
            ~ sample_seed ~ "'"
        ) -%}
    {%- endif -%}
    {%- set tolerance = var('segment_fingerprint_tolerance') -%}
    {%- if tolerance is not number or not 0 <= tolerance < 1 -%}
        {%- do errors.append(
            "var segment_fingerprint_tolerance must be a share in [0, 1), "
            ~ "e.g. 0.01, got '" ~ tolerance ~ "'"
        ) -%}
    {%- endif -%}
    {%- set pinned = var('segment_model_version') -%}
    {%- if pinned is not none and (pinned is not number
        or pinned != pinned | int or pinned < 1) -%}
        {%- do errors.append(
            "var segment_model_version must be null or a model version "
            ~ "number >= 1, got '" ~ pinned ~ "'"
        ) -%}
    {%- endif -%}
    {%- set known = segment_feature_columns() -%}
    {%- set features = var('segment_features') -%}
    {%- if features is string or features is not iterable -%}
        {%- set unknown = [features | string] -%}
    {%- else -%}
        {%- set unknown = features | reject('in', known) | list -%}
    {%- endif -%}
    {%- if unknown -%}
        {%- do errors.append(
            "var segment_features may only name columns of "
            ~ "int_customer_features listed in segment_feature_columns() ("
            ~ (known | join(', ')) ~ "), got '" ~ (unknown | join("', '"))
            ~ "'"
        ) -%}
    {%- endif -%}

    {%- set horizon = var('prediction_horizon_days') -%}
    {%- if horizon is not number or horizon != horizon | int or horizon < 1 -%}
        {%- do errors.append(
            "var prediction_horizon_days must be a whole number of days >= 1, "
            ~ "e.g. 90, got '" ~ horizon ~ "'"
        ) -%}
    {%- endif -%}
    {%- set features = var('prediction_features') -%}
    {%- if features is string or features is not iterable
        or features | length == 0 -%}
        {%- set unknown = [features | string] -%}
    {%- else -%}
        {%- set unknown = features | reject('in', known) | list -%}
    {%- endif -%}
    {%- if unknown -%}
        {%- do errors.append(
            "var prediction_features must be a non-empty list of columns of "
            ~ "int_customer_features listed in segment_feature_columns() ("
            ~ (known | join(', ')) ~ "), got '" ~ (unknown | join("', '"))
            ~ "'"
        ) -%}
    {%- endif -%}
    {%- set sample_size = var('prediction_fit_sample_size') -%}
    {%- if sample_size is not number or sample_size != sample_size | int
        or sample_size < 1000 -%}
        {%- do errors.append(
            "var prediction_fit_sample_size must be a whole number of "
            ~ "customers >= 1000, e.g. 200000, got '" ~ sample_size ~ "'"
        ) -%}
    {%- endif -%}
    {%- set shares = var('prediction_value_tier_shares') -%}
    {%- if shares is string or shares is not iterable or shares | length != 2
        or shares | select('number') | list | length != 2
        or not 0 < shares[0] < shares[1] < 1 -%}
        {%- do errors.append(
            "var prediction_value_tier_shares must be two increasing shares "
            ~ "in (0, 1): the top share of customers that is 'high' and the "
            ~ "share down to which they are 'medium', e.g. [0.1, 0.4], got '"
            ~ shares ~ "'"
        ) -%}
    {%- endif -%}
    {%- set cut_dates = var('prediction_backtest_cut_dates') -%}
    {%- set bad_dates = [] -%}
    {%- if cut_dates is string or cut_dates is not iterable
        or cut_dates | length == 0 -%}
        {%- do bad_dates.append(cut_dates | string) -%}
    {%- else -%}
        {%- for cut_date in cut_dates -%}
            {%- if not is_calendar_date(cut_date | string) -%}
                {%- do bad_dates.append(cut_date | string) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if bad_dates -%}
        {%- do errors.append(
            "var prediction_backtest_cut_dates must be a non-empty list of "
            ~ "dates YYYY-MM-DD, e.g. ['2018-03-01', '2018-06-06'], got '"
            ~ (bad_dates | join("', '")) ~ "'"
        ) -%}
    {%- endif -%}
    {%- for name in ['prediction_target_top_decile_lift',
        'prediction_target_revenue_share', 'prediction_target_auc'] -%}
        {%- if var(name) is not number or var(name) <= 0 -%}
            {%- do errors.append(
                "var " ~ name ~ " must be a number > 0, got '" ~ var(name) ~ "'"
            ) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set earliest = var('olist_earliest_plausible_date') | string -%}
    {%- if not is_calendar_date(earliest) -%}
        {%- do errors.append(
            "var olist_earliest_plausible_date must be a date YYYY-MM-DD, "
            ~ "e.g. '2015-01-01', got '" ~ earliest ~ "'"
        ) -%}
    {%- endif -%}
    {%- set max_value = var('olist_max_plausible_value') -%}
    {%- if max_value is not number or max_value <= 0 -%}
        {%- do errors.append(
            "var olist_max_plausible_value must be an amount > 0 (BRL), e.g. "
            ~ "100000, got '" ~ max_value ~ "'"
        ) -%}
    {%- endif -%}
    {%- set known_statuses = var('olist_order_statuses') -%}
    {%- if known_statuses is string or known_statuses is not iterable
        or known_statuses | length == 0
        or known_statuses | reject('string') | list | length > 0 -%}
        {%- do errors.append(
            "var olist_order_statuses must be a non-empty list of order "
            ~ "statuses as text, e.g. [delivered, shipped, canceled], got '"
            ~ known_statuses ~ "'"
        ) -%}
    {%- endif -%}

    {%- if errors -%}
        {{ exceptions.raise_compiler_error(
            "Project vars:\n  - " ~ (errors | join('\n  - '))
            ~ "\nFix: correct --vars or the vars in dbt_project.yml."
        ) }}
    {%- endif -%}
    {{ return('select 1 as validated') }}
{% endmacro %}

{#-
    Whether `text` is a real calendar date written YYYY-MM-DD (2018-02-28
    yes; 2018-02-31 and 2018-2-1 no).
-#}
{% macro is_calendar_date(text) %}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set year, month, day = text.split('-') | map('int') -%}
    {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
        31] -%}
    {{ return(1 <= month <= 12 and 1 <= day <= days[month - 1]) }}
{% endmacro %}
