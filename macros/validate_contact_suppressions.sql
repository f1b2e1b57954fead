{#-
    validate_contact_suppressions(relation): stop the build, before
    anything is served, when a row of the seed contact_suppressions cannot
    work: the error names the CSV line, what is wrong and the fix. Checks
    the feature (a column of int_customer_features the segments can use,
    segment_feature_columns()), the operator (>=, <=, >, <), the threshold
    (a number), the action (a non-sales action of next_best_actions) and
    duplicate names. Runs when the model runs (it reads the seed).
-#}
{% macro validate_contact_suppressions(relation, actions) %}
    {#- not when only compiling (sqlfluff, dbt compile before any seed) -#}
    {%- if not execute or load_relation(relation) is none
        or load_relation(actions) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set features = segment_feature_columns() -%}
    {%- set rows = run_query(
        'select suppression, feature, operator, threshold, action from '
        ~ relation
    ).rows -%}
    {%- set quiet = run_query(
        'select action from ' ~ actions ~ ' where not is_sales_message'
    ).rows | map(attribute=0) | list -%}
    {%- set known = run_query('select action from ' ~ actions).rows
        | map(attribute=0) | list -%}
    {%- set errors = [] -%}
    {%- for action in next_best_action_codes() if action not in known -%}
        {%- do errors.append(
            "seeds/next_best_actions.csv has no row for action '" ~ action
            ~ "', which the rules give. Fix: restore the row (edit its label "
            ~ 'or text instead of deleting it).'
        ) -%}
    {%- endfor -%}
    {%- set seen = [] -%}
    {%- for row in rows -%}
        {%- set line = 'seeds/contact_suppressions.csv line '
            ~ (loop.index + 1) ~ " ('" ~ row[0] ~ "'): " -%}
        {%- if row[0] is none or row[0] | trim == '' -%}
            {%- do errors.append(line ~ 'the suppression has no name. Fix: name it.') -%}
        {%- elif row[0] in seen -%}
            {%- do errors.append(line ~ 'the name is used twice. Fix: one row per name.') -%}
        {%- endif -%}
        {%- do seen.append(row[0]) -%}
        {%- if row[1] not in features -%}
            {%- do errors.append(
                line ~ "unknown feature '" ~ row[1] ~ "'. Fix: one of "
                ~ features | join(', ') ~ '.'
            ) -%}
        {%- endif -%}
        {%- if row[2] not in ['>=', '<=', '>', '<'] -%}
            {%- do errors.append(
                line ~ "unknown operator '" ~ row[2] ~ "'. Fix: >=, <=, > or <."
            ) -%}
        {%- endif -%}
        {%- if not is_number_text(row[3] | string) -%}
            {%- do errors.append(
                line ~ "threshold '" ~ row[3] ~ "' is not a number. Fix: e.g. 2 or 0.5."
            ) -%}
        {%- endif -%}
        {%- if row[4] not in quiet -%}
            {%- do errors.append(
                line ~ "action '" ~ row[4] ~ "' is not a non-sales action of "
                ~ 'seeds/next_best_actions.csv. Fix: one of ' ~ quiet | join(', ') ~ '.'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error(
            'Contact suppressions cannot be applied; nothing was served:\n  '
            ~ errors | join('\n  ')
        ) }}
    {%- endif -%}
{% endmacro %}

{#- The actions customer_next_best_action's rules give. -#}
{% macro next_best_action_codes() %}
    {{ return([
        'service_recovery', 'do_not_contact', 'loyalty', 'win_back',
        'boleto_reminder', 'second_purchase_nudge',
    ]) }}
{% endmacro %}

{% macro is_number_text(text) %}
    {%- set stripped = text | trim -%}
    {%- set body = stripped[1:] if stripped[:1] == '-' else stripped -%}
    {{ return(body.replace('.', '', 1).isdigit()) }}
{% endmacro %}
