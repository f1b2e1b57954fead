{#-
    Use a model's custom schema verbatim (`staging`, `intermediate`,
    `reference`) instead of dbt's default `<target_schema>_<custom>`, so that
    BI tools find the marts as `main.customer_rfm` and the layers by name.

    The var `olist_schema_suffix` (default: none) is appended to every
    schema: `olist-seg build --target postgres` builds into `main__build`,
    `staging__build`, ... and swaps them with the served schemas once every
    model and test passed (python/olist_segmentation/postgres_publication.py).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set suffix = var('olist_schema_suffix', '') or '' -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema ~ suffix }}
    {%- else -%}
        {{ (custom_schema_name | trim) ~ suffix }}
    {%- endif -%}
{%- endmacro %}
