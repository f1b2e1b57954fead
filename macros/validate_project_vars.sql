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
        {%- set parsed = none -%}
        {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
            {%- set year, month, day = text.split('-') | map('int') -%}
            {%- if 1 <= month <= 12 and 1 <= day <= 31 -%}
                {%- set parsed = true -%}
            {%- endif -%}
        {%- endif -%}
        {%- if not parsed -%}
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

    {%- if errors -%}
        {{ exceptions.raise_compiler_error(
            "Project vars:\n  - " ~ (errors | join('\n  - '))
            ~ "\nFix: correct --vars or the vars in dbt_project.yml."
        ) }}
    {%- endif -%}
    {{ return('select 1 as validated') }}
{% endmacro %}
