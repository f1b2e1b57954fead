{#-
    Content checks of the raw Olist tables, run by validate_olist_sources
    after the file, header and value checks, before any model is built.

    Each check counts the offending rows (or keys) of one file and column and
    keeps one example (the smallest, so the message is deterministic). The
    policy (DECISIONLOG.md "Input content policy"):
      - errors stop the build before any table changes: duplicated keys,
        null identifiers, orphans, unknown order statuses, negative money,
        review scores outside 1-5, deliveries before the purchase, and
        timestamps after the run or before `olist_earliest_plausible_date`;
      - warnings are logged with their count and an example, and the build
        goes on: money above `olist_max_plausible_value`, hand-over to the
        carrier or a review before the purchase (166 and 74 rows of the real
        Kaggle download).

    Args:
        tables: the source tables as validate_olist_sources lists them
            (name, file, sql_path, path, columns).
-#}
{% macro check_olist_content(tables) %}
    {%- set by_name = {} -%}
    {%- for t in tables -%}
        {%- do by_name.update({t['name']: t}) -%}
    {%- endfor -%}
    {%- set checked = ['orders', 'customers', 'order_items', 'order_payments',
        'order_reviews', 'products', 'sellers'] -%}

    {#- One typed read per file into a temporary table of the columns the
        checks use (free text is left out); the checks query those, and they
        are dropped at the end. -#}
    {%- set unused = ['review_comment_title', 'review_comment_message',
        'customer_zip_code_prefix', 'customer_city', 'customer_state',
        'seller_zip_code_prefix', 'seller_city', 'seller_state',
        'product_category_name', 'product_name_lenght',
        'product_description_lenght', 'product_photos_qty', 'product_weight_g',
        'product_length_cm', 'product_height_cm', 'product_width_cm',
        'payment_type', 'payment_installments', 'shipping_limit_date',
        'order_estimated_delivery_date'] -%}
    {%- for name in checked -%}
        {%- set t = by_name[name] -%}
        {%- set columns = [] -%}
        {%- set used = [] -%}
        {%- for column, type in t['columns'].items() -%}
            {%- do columns.append("'" ~ column ~ "': '" ~ type ~ "'") -%}
            {%- if column not in unused -%}
                {%- do used.append('"' ~ column ~ '"') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do run_query(
            "create or replace temporary table olist_check_" ~ name
            ~ " as select " ~ (used | join(', ')) ~ " from read_csv('"
            ~ t['sql_path'] ~ "', header = true, "
            ~ "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            ~ "timestampformat = '%Y-%m-%d %H:%M:%S', columns = {"
            ~ (columns | join(', ')) ~ "})"
        ) -%}
    {%- endfor -%}

    {%- set run_time = sql_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S'))
        ~ '::timestamp' -%}
    {%- set earliest = sql_literal(var('olist_earliest_plausible_date'))
        ~ '::timestamp' -%}
    {%- set max_value = var('olist_max_plausible_value') -%}
    {%- set statuses = [] -%}
    {%- for status in var('olist_order_statuses') -%}
        {%- do statuses.append(sql_literal(status)) -%}
    {%- endfor -%}

    {%- set checks = [] -%}
    {#- Keys: one row per key. -#}
    {%- for name, key in [
        ('orders', ['order_id']),
        ('customers', ['customer_id']),
        ('products', ['product_id']),
        ('sellers', ['seller_id']),
        ('order_items', ['order_id', 'order_item_id']),
        ('order_payments', ['order_id', 'payment_sequential']),
        ('order_reviews', ['review_id', 'order_id']),
    ] -%}
        {%- do checks.append({
            'level': 'error', 'table': name, 'column': key | join(', '),
            'kind': 'unique', 'key': key,
            'problem': 'value(s) appear on more than one row',
            'fix': 'keep one row per ' ~ (key | join(' and '))
                ~ ' (remove the duplicated rows)',
        }) -%}
    {%- endfor -%}

    {#- Identifiers and required values are never null. -#}
    {%- for name, columns in [
        ('orders', ['order_id', 'customer_id', 'order_status',
            'order_purchase_timestamp']),
        ('customers', ['customer_id', 'customer_unique_id']),
        ('order_items', ['order_id', 'order_item_id', 'product_id',
            'seller_id', 'price']),
        ('order_payments', ['order_id', 'payment_value']),
        ('order_reviews', ['review_id', 'order_id', 'review_score']),
        ('products', ['product_id']),
        ('sellers', ['seller_id']),
    ] -%}
        {%- for column in columns -%}
            {%- do checks.append({
                'level': 'error', 'table': name, 'column': column,
                'where': '"' ~ column ~ '" is null',
                'problem': 'row(s) have no value',
                'fix': 'fill in ' ~ column ~ ' or remove those rows',
            }) -%}
        {%- endfor -%}
    {%- endfor -%}

    {#- Orphans: every reference points at an existing row. -#}
    {%- for name, column, parent, parent_column in [
        ('orders', 'customer_id', 'customers', 'customer_id'),
        ('order_items', 'order_id', 'orders', 'order_id'),
        ('order_items', 'product_id', 'products', 'product_id'),
        ('order_items', 'seller_id', 'sellers', 'seller_id'),
        ('order_payments', 'order_id', 'orders', 'order_id'),
        ('order_reviews', 'order_id', 'orders', 'order_id'),
    ] -%}
        {%- do checks.append({
            'level': 'error', 'table': name, 'column': column,
            'where': '"' ~ column ~ '" is not null and "' ~ column
                ~ '" not in (select "' ~ parent_column ~ '" from olist_check_'
                ~ parent ~ ' where "' ~ parent_column ~ '" is not null)',
            'problem': 'row(s) refer to no row of ' ~ by_name[parent]['file'],
            'fix': 'add the missing ' ~ parent ~ ' rows to '
                ~ by_name[parent]['file'] ~ ', or remove these rows (the '
                ~ 'files must come from the same download)',
        }) -%}
    {%- endfor -%}

    {%- do checks.append({
        'level': 'error', 'table': 'orders', 'column': 'order_status',
        'where': 'order_status not in (' ~ (statuses | join(', ')) ~ ')',
        'problem': 'row(s) have an unknown order status (known: '
            ~ (var('olist_order_statuses') | join(', ')) ~ ')',
        'fix': 'correct the status, or add it to the var olist_order_statuses '
            ~ '(and to rfm_excluded_order_statuses when it is not a purchase)',
    }) -%}
    {%- for name, column in [('order_items', 'price'),
        ('order_items', 'freight_value'), ('order_payments', 'payment_value')] -%}
        {%- do checks.append({
            'level': 'error', 'table': name, 'column': column,
            'where': '"' ~ column ~ '" < 0',
            'problem': 'row(s) have a negative amount',
            'fix': 'correct the amount (refunds are not part of this dataset)',
        }) -%}
        {%- do checks.append({
            'level': 'warning', 'table': name, 'column': column,
            'where': '"' ~ column ~ '" > ' ~ max_value,
            'problem': 'row(s) exceed ' ~ max_value ~ ' BRL (var '
                ~ 'olist_max_plausible_value)',
            'fix': 'kept as they are; check them, or raise the var when '
                ~ 'such amounts are real',
        }) -%}
    {%- endfor -%}
    {%- do checks.append({
        'level': 'error', 'table': 'order_reviews', 'column': 'review_score',
        'where': 'review_score not between 1 and 5',
        'problem': 'row(s) have a score outside 1-5',
        'fix': 'correct the score (the survey scores 1 to 5)',
    }) -%}

    {#- Timestamps: events happen after the purchase, before the run and
        after the earliest plausible date. -#}
    {%- for name, column in [
        ('orders', 'order_purchase_timestamp'),
        ('orders', 'order_approved_at'),
        ('orders', 'order_delivered_carrier_date'),
        ('orders', 'order_delivered_customer_date'),
        ('order_reviews', 'review_creation_date'),
        ('order_reviews', 'review_answer_timestamp'),
    ] -%}
        {%- do checks.append({
            'level': 'error', 'table': name, 'column': column,
            'where': '"' ~ column ~ '" > ' ~ run_time,
            'problem': 'row(s) lie after this run ('
                ~ run_started_at.strftime('%Y-%m-%d %H:%M') ~ ' UTC)',
            'fix': 'correct the date: a future event would move the as-of '
                ~ 'date and the recency of every customer',
        }) -%}
        {%- do checks.append({
            'level': 'error', 'table': name, 'column': column,
            'where': '"' ~ column ~ '" < ' ~ earliest,
            'problem': 'row(s) lie before ' ~ var('olist_earliest_plausible_date')
                ~ ' (var olist_earliest_plausible_date)',
            'fix': 'correct the date, or lower the var when such old orders '
                ~ 'are real',
        }) -%}
    {%- endfor -%}
    {%- do checks.append({
        'level': 'error', 'table': 'orders',
        'column': 'order_delivered_customer_date',
        'where': 'order_delivered_customer_date < order_purchase_timestamp',
        'problem': 'row(s) were delivered before they were purchased',
        'fix': 'correct the delivery or the purchase date',
    }) -%}
    {%- do checks.append({
        'level': 'warning', 'table': 'orders',
        'column': 'order_delivered_carrier_date',
        'where': 'order_delivered_carrier_date < order_purchase_timestamp',
        'problem': 'row(s) were handed to the carrier before the purchase',
        'fix': 'kept as they are (the Kaggle download has 166 such rows); '
            ~ 'only the delivery date is used',
    }) -%}
    {%- do checks.append({
        'level': 'warning', 'table': 'order_reviews',
        'column': 'review_creation_date',
        'where': 'review_creation_date < (select min(o.order_purchase_timestamp) '
            ~ 'from olist_check_orders as o where o.order_id = '
            ~ 'olist_check_order_reviews.order_id)',
        'problem': 'row(s) were written before the order was purchased',
        'fix': 'kept as they are (the Kaggle download has 74 such rows)',
    }) -%}

    {#- One query for all checks: one row (count, example) per check. -#}
    {%- set parts = [] -%}
    {%- for check in checks -%}
        {%- set t = by_name[check['table']] -%}
        {%- set shown = [] -%}
        {#- The example shows the row's identifiers and the checked column. -#}
        {%- for column in t['columns'] if column.endswith('_id')
            or column in ['payment_sequential'] or column == check['column']
            or column in check.get('key', []) -%}
            {%- do shown.append("'" ~ column ~ "=' || coalesce(\"" ~ column
                ~ "\"::varchar, 'null')") -%}
        {%- endfor -%}
        {%- set example = "concat_ws(', ', " ~ (shown | join(', ')) ~ ")" -%}
        {%- if check['kind'] is defined and check['kind'] == 'unique' -%}
            {%- set keys = [] -%}
            {%- for column in check['key'] -%}
                {%- do keys.append('"' ~ column ~ '"') -%}
            {%- endfor -%}
            {%- do parts.append(
                "select " ~ loop.index0 ~ " as check_index, count(*) as n, "
                ~ "min(example) as example from (select min(" ~ example
                ~ ") as example from olist_check_" ~ check['table']
                ~ " where " ~ (keys | join(' is not null and ')) ~ " is not null"
                ~ " group by " ~ (keys | join(', ')) ~ " having count(*) > 1)"
            ) -%}
        {%- else -%}
            {%- do parts.append(
                "select " ~ loop.index0 ~ " as check_index, count(*) as n, min("
                ~ example ~ ") as example from olist_check_" ~ check['table']
                ~ " where " ~ check['where']
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set results = run_query(
        (parts | join('\nunion all\n')) ~ '\norder by check_index'
    ).rows -%}
    {%- for name in checked -%}
        {%- do run_query("drop table if exists olist_check_" ~ name) -%}
    {%- endfor -%}

    {%- set errors = [] -%}
    {%- set warnings = [] -%}
    {%- for row in results if row[1] > 0 -%}
        {%- set check = checks[row[0]] -%}
        {%- set line = "file " ~ by_name[check['table']]['path']
            ~ ", column " ~ check['column'] ~ ": " ~ row[1] ~ " "
            ~ check['problem'] ~ ", e.g. " ~ row[2] ~ ". Fix: " ~ check['fix']
            ~ "." -%}
        {%- do (errors if check['level'] == 'error' else warnings).append(line) -%}
    {%- endfor -%}
    {%- for line in warnings -%}
        {{ log("Olist input warning: " ~ line, info=true) }}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error(
            "Olist input: " ~ (errors | length) ~ " content problem(s); "
            ~ "nothing was built and no table changed.\n  - "
            ~ (errors | join('\n  - '))
            ~ "\nThe policy of these checks: DECISIONLOG.md, \"Input content "
            ~ "policy\"."
        ) }}
    {%- endif -%}
    {{ return(checks | length) }}
{% endmacro %}
