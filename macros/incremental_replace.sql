{#-
    The config of an incremental model whose build replaces every row of
    its `key` value (customer_segment_history: a rebuild at the same as-of
    date replaces that date). `delete+insert` keyed on `key` where the
    adapter has it; Spark (Parquet tables have no delete) overwrites the
    table's `key` partition instead (insert_overwrite, partitioned by the
    key), the same result. Spark lists partition columns last, so `key` is
    the table's last column there.
-#}
{% macro incremental_replace_config(key) -%}
    {{ return(adapter.dispatch('incremental_replace_config')(key)) }}
{%- endmacro %}

{% macro default__incremental_replace_config(key) -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': key}) }}
{%- endmacro %}

{% macro spark__incremental_replace_config(key) -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [key],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}
