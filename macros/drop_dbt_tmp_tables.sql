{#-
    dbt-duckdb leaves the staging table of an incremental Python model
    (`<model>__dbt_tmp<timestamp>`) in the target schema after each run. A
    BI tool would list them and every build would add more, so this
    on-run-end hook drops every such table of this database.
-#}
{% macro drop_dbt_tmp_tables() %}
    {{ return(adapter.dispatch('drop_dbt_tmp_tables')()) }}
{% endmacro %}

{% macro default__drop_dbt_tmp_tables() %}
    {#- Other adapters clean up their own temporary relations. -#}
    {{ return('select 1 as dropped') }}
{% endmacro %}

{% macro duckdb__drop_dbt_tmp_tables() %}
    {%- if not execute -%}
        {{ return('select 1 as dropped') }}
    {%- endif -%}
    {%- set found = run_query(
        "select table_schema, table_name from information_schema.tables "
        ~ "where table_catalog = " ~ sql_literal(target.database)
    ) -%}
    {%- for row in found.rows if '__dbt_tmp' in row[1] -%}
        {%- do adapter.drop_relation(api.Relation.create(
            database=target.database, schema=row[0], identifier=row[1],
            type='table'
        )) -%}
    {%- endfor -%}
    {{ return('select 1 as dropped') }}
{% endmacro %}
