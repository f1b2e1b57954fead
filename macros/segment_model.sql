{#-
    Helpers of the SQL scoring of the frozen segment model.

    frozen_segment_features(): every feature any stored model version uses,
    read from segment_model_transforms when it exists; before the first
    build (or when parsing, linting) the var segment_features.

    current_segment_model_version(definitions): SQL for the model version
    that scores customers: the var segment_model_version when set, else the
    latest version with definitions.
-#}
{% macro frozen_segment_features() %}
    {%- set features = var('segment_features') | list -%}
    {%- if execute -%}
        {%- set relation = load_relation(ref('segment_model_transforms')) -%}
        {%- if relation is not none -%}
            {%- set result = run_query(
                "select distinct feature from " ~ relation ~ " order by feature"
            ) -%}
            {%- for row in result.rows -%}
                {%- if row[0] not in features -%}
                    {%- do features.append(row[0]) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(features) }}
{% endmacro %}

{% macro current_segment_model_version(definitions) %}
    {%- if var('segment_model_version') is not none -%}
        select cast({{ var('segment_model_version') }} as integer) as model_version
    {%- else -%}
        select max(model_version) as model_version from {{ definitions }}
    {%- endif -%}
{% endmacro %}
