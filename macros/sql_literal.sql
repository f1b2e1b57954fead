{#-
    A value from outside the project (a var, an env var, a path) as a SQL
    string literal: single quotes doubled, so a quote, a semicolon or a
    comment marker in it stays part of the string and never becomes SQL.
    Every text that reaches SQL from outside goes through this macro (or is
    checked to be a number first, in validate_project_vars).
-#}
{% macro sql_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- sql_literal_list(values): the values as a comma-separated list of SQL
    string literals, for `in (...)`. -#}
{% macro sql_literal_list(values) -%}
    {%- for value in values -%}
        {{ sql_literal(value) }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
