{#-
    A frozen segment model must know the data it was trained on and refuse
    data it does not fit. Runs on-run-start, after the input checks and
    before any model is built, so a refused build changes no table.

    The model version that would score this build (var segment_model_version,
    else the latest) has a fingerprint in segment_model_fingerprints. The
    same figures are recomputed from today's raw tables and compared:

      * look-ahead: the as-of date of this build (var as_of_date, else the
        day after the latest qualifying purchase) is before the model's
        training as-of date;
      * not a continuation: the first qualifying purchase moved, the number
        of customers with a qualifying purchase before the training as-of
        date or the latest such purchase changed, or a raw table has fewer
        rows than at training (relative tolerance: var
        segment_fingerprint_tolerance, for late status changes).

    Skipped when the build fits a new version (var segment_refit), when the
    warehouse has no model yet, on commands that build nothing, and in the
    later phases of a phased build (var segment_fit_checked, set by
    `olist-seg build --target postgres` after its first phase checked).
-#}
{% macro check_segment_model_fits_data() %}
    {%- if not execute or flags.WHICH not in ['build', 'run']
        or var('segment_fit_checked', false) -%}
        {{ return('select 1 as checked') }}
    {%- endif -%}
    {%- set refit = var('segment_refit') -%}
    {%- if refit is string -%}
        {%- set refit = refit | lower in ['true', '1', 'yes'] -%}
    {%- endif -%}
    {%- if refit -%}
        {{ return('select 1 as checked') }}
    {%- endif -%}
    {%- set selection = project_relation('segment_model_selection') -%}
    {%- if selection is none -%}
        {{ return('select 1 as checked') }}
    {%- endif -%}

    {%- set fixes = "Fix: fit a model on these data with `olist-seg build "
        ~ "--refit` (var segment_refit: true; the old versions stay in the "
        ~ "warehouse), build into another warehouse file (OLIST_DUCKDB_PATH), "
        ~ "or pin a version trained on these data with the var "
        ~ "segment_model_version." -%}
    {%- set pinned = var('segment_model_version') -%}
    {%- if pinned is none -%}
        {%- set version = run_query(
            "select max(model_version) from " ~ selection
        ).columns[0].values()[0] -%}
    {%- else -%}
        {%- set version = pinned | int -%}
    {%- endif -%}
    {%- if version is none -%}
        {{ return('select 1 as checked') }}
    {%- endif -%}
    {%- set fingerprints = project_relation('segment_model_fingerprints') -%}
    {%- set rows = [] -%}
    {%- if fingerprints is not none -%}
        {%- set rows = run_query(
            "select training_as_of_date, customers, first_purchase_date, "
            ~ "last_purchase_date, orders_rows, customers_rows, "
            ~ "order_items_rows, order_payments_rows, order_reviews_rows "
            ~ "from " ~ fingerprints ~ " where model_version = "
            ~ (version | int)
        ).rows -%}
    {%- endif -%}
    {%- if rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "Segment model version " ~ version ~ " in " ~ selection
            ~ " has no training fingerprint (segment_model_fingerprints): it "
            ~ "was made by an older release or the version does not exist, so "
            ~ "this build cannot tell whether it fits the data. " ~ fixes
        ) }}
    {%- endif -%}
    {%- set fp = rows[0] -%}
    {%- set trained_as_of = fp[0] | string -%}
    {%- set tolerance = var('segment_fingerprint_tolerance') | float -%}

    {%- set figures = run_query(
        "with orders as (select cast(o.order_purchase_timestamp as date) "
        ~ "as purchase_date, c.customer_unique_id, lower(trim(o.order_status)) "
        ~ "as order_status from " ~ olist_raw_relation('orders') ~ " as o "
        ~ "inner join " ~ olist_raw_relation('customers') ~ " as c "
        ~ "on o.customer_id = c.customer_id), "
        ~ "qualifying as (select * from orders where "
        ~ is_qualifying_order('order_status') ~ ") "
        ~ "select "
        ~ "(select min(purchase_date) from qualifying), "
        ~ "(select count(distinct customer_unique_id) from qualifying "
        ~ "where purchase_date < cast('" ~ trained_as_of ~ "' as date)), "
        ~ "(select max(purchase_date) from qualifying "
        ~ "where purchase_date < cast('" ~ trained_as_of ~ "' as date)), "
        ~ "(select max(purchase_date) from qualifying), "
        ~ "(select count(*) from " ~ olist_raw_relation('orders') ~ "), "
        ~ "(select count(*) from " ~ olist_raw_relation('customers') ~ "), "
        ~ "(select count(*) from " ~ olist_raw_relation('order_items') ~ "), "
        ~ "(select count(*) from " ~ olist_raw_relation('order_payments') ~ "), "
        ~ "(select count(*) from " ~ olist_raw_relation('order_reviews') ~ ")"
    ).rows[0] -%}

    {%- set problems = [] -%}
    {%- set as_of = var('as_of_date') -%}
    {%- if as_of is none and figures[3] is not none -%}
        {%- set as_of = (figures[3] + modules.datetime.timedelta(days=1))
            | string -%}
    {%- endif -%}
    {%- if as_of is not none and (as_of | string) < trained_as_of -%}
        {{ exceptions.raise_compiler_error(
            "Segment model version " ~ version ~ " was trained as of "
            ~ trained_as_of ~ ", after this build's as-of date " ~ as_of
            ~ ": scoring with it would use the future (look-ahead). Fix: "
            ~ "build as of " ~ trained_as_of ~ " or later, fit a model as of "
            ~ as_of ~ " with `olist-seg build --refit --as-of-date " ~ as_of
            ~ "`, pin an older version trained before " ~ as_of
            ~ " with the var segment_model_version, or build into another "
            ~ "warehouse file (OLIST_DUCKDB_PATH)."
        ) }}
    {%- endif -%}

    {%- if (figures[0] | string) != (fp[2] | string) -%}
        {%- do problems.append(
            "first qualifying purchase: trained on " ~ fp[2] ~ ", now "
            ~ figures[0]
        ) -%}
    {%- endif -%}
    {%- if ((figures[1] | int) - (fp[1] | int)) | abs
        > tolerance * (fp[1] | int) -%}
        {%- do problems.append(
            "customers with a qualifying purchase before " ~ trained_as_of
            ~ ": trained on " ~ fp[1] ~ ", now " ~ figures[1]
        ) -%}
    {%- endif -%}
    {%- if (figures[2] | string) != (fp[3] | string) -%}
        {%- do problems.append(
            "latest qualifying purchase before " ~ trained_as_of
            ~ ": trained on " ~ fp[3] ~ ", now " ~ figures[2]
        ) -%}
    {%- endif -%}
    {%- set names = ['orders', 'customers', 'order_items', 'order_payments',
        'order_reviews'] -%}
    {%- for name in names -%}
        {%- set before = fp[4 + loop.index0] | int -%}
        {%- set now = figures[4 + loop.index0] | int -%}
        {%- if now < before * (1 - tolerance) -%}
            {%- do problems.append(
                "rows of " ~ name ~ ": trained on " ~ before ~ ", now " ~ now
                ~ " (fewer)"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "Segment model version " ~ version ~ " (trained as of "
            ~ trained_as_of ~ ") does not fit these data: they are not a "
            ~ "continuation of its training data.\n  - "
            ~ (problems | join('\n  - '))
            ~ "\nNo table was changed. " ~ fixes
        ) }}
    {%- endif -%}
    {{ return('select 1 as checked') }}
{% endmacro %}

{#-
    The relation of a raw Olist table, for hooks (which cannot call
    source()): on DuckDB the CSV read as the sources yml declares it (path
    quoted), elsewhere the loaded table.
-#}
{% macro olist_raw_relation(table_name) %}
    {{ return(adapter.dispatch('olist_raw_relation')(table_name)) }}
{% endmacro %}

{% macro default__olist_raw_relation(table_name) %}
    {%- for node in graph.sources.values() if node.source_name == 'olist'
        and node.name == table_name -%}
        {{ return(node.relation_name) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no source olist." ~ table_name) }}
{% endmacro %}

{% macro duckdb__olist_raw_relation(table_name) %}
    {%- for node in graph.sources.values() if node.source_name == 'olist'
        and node.name == table_name -%}
        {%- set meta = node.config.meta -%}
        {#- meta data_dir has its quotes doubled (_olist__sources.yml) -#}
        {%- set path = meta['data_dir'] ~ '/' ~ meta['csv_file'] -%}
        {%- set columns = [] -%}
        {%- for column, type in meta['csv_columns'].items() -%}
            {%- do columns.append("'" ~ column ~ "': '" ~ type ~ "'") -%}
        {%- endfor -%}
        {{ return(
            "read_csv('" ~ path ~ "', header = true, "
            ~ "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            ~ "timestampformat = '%Y-%m-%d %H:%M:%S', columns = {"
            ~ (columns | join(', ')) ~ "})"
        ) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no source olist." ~ table_name) }}
{% endmacro %}

{#- A model's relation by name, for hooks (which cannot call ref()). -#}
{% macro project_relation(model_name) %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
        and node.name == model_name -%}
        {{ return(adapter.get_relation(
            database=node.database, schema=node.schema,
            identifier=node.alias
        )) }}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}
