{#-
    Use a model's custom schema verbatim (`staging`, `intermediate`,
    `reference`) instead of dbt's default `<target_schema>_<custom>`, so that
    BI tools find the marts as `main.customer_rfm` and the layers by name.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
