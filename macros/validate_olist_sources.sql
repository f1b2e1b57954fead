{#-
    Check the raw Olist CSV files before any model is built, so that bad
    input stops `dbt build` with an error that names the file, the column and
    the fix, and never leaves a half-written mart behind.

    For every table of the `olist` source it checks, in this order:
      1. the file exists;
      2. its header has exactly the Kaggle column names, in order;
      3. every row has the right number of fields, every value of a typed
         column parses as its declared type (the types in
         `_olist__sources.yml`, meta `csv_columns`), and the file has at
         least one row.
    All problems of one step are reported together. Runs on `dbt build` and
    `dbt run` (it is the project's on-run-start hook); set the var
    `olist_validate_sources: false` to skip it.

    A file that passed steps 2-4 is not read again while it is unchanged:
    same path, size and modification time, and the same check rules (this
    macro's and check_olist_content's text, the sources' declared columns
    and the vars the checks read). The proof is the table
    `intermediate.olist_input_checks` (one row per file: its fingerprint,
    when it passed, whether this build checked or skipped it); a build that
    fails leaves no proof behind on `olist-seg build` (the working copy is
    dropped). The cross-file content checks (step 5) run whenever any file
    changed. `olist_validate_sources: always` rechecks every file.
    DECISIONLOG.md "Input checks skip unchanged files".
-#}
{% macro validate_olist_sources(force=false, data_dir=none) %}
    {#- force: check outside `dbt build`/`dbt run` too (`olist-seg load`
        runs it as `dbt run-operation validate_olist_sources --args
        '{force: true}'` on an in-memory DuckDB before loading PostgreSQL).
        data_dir: check this folder instead of the one the project was
        parsed with (see check_olist_inputs). -#}
    {{ return(adapter.dispatch('validate_olist_sources')(force, data_dir)) }}
{% endmacro %}

{% macro default__validate_olist_sources(force=false, data_dir=none) %}
    {#- Other adapters load raw data their own way: nothing to check here. -#}
    {{ return('select 1 as validated') }}
{% endmacro %}

{% macro duckdb__validate_olist_sources(force=false, data_dir=none) %}
    {%- if not execute
        or (not force and flags.WHICH not in ['build', 'run'])
        or not var('olist_validate_sources', true) -%}
        {{ return('select 1 as validated') }}
    {%- endif -%}

    {%- set tables = [] -%}
    {%- for node in graph.sources.values()
        | selectattr('source_name', 'equalto', 'olist')
        | sort(attribute='name') -%}
        {%- set meta = node.config.meta -%}
        {#- meta data_dir is quoted for SQL ('' for '), as the yml writes it -#}
        {%- set sql_dir = meta['data_dir'] if data_dir is none
            else (data_dir | replace("'", "''")) -%}
        {%- do tables.append({
            'name': node.name,
            'file': meta['csv_file'],
            'sql_path': sql_dir ~ '/' ~ meta['csv_file'],
            'path': (sql_dir ~ '/' ~ meta['csv_file']) | replace("''", "'"),
            'columns': meta['csv_columns'],
        }) -%}
    {%- endfor -%}
    {%- set data_dir = tables[0]['path'][:-(tables[0]['file'] | length) - 1] -%}
    {%- set fix_dir = "point OLIST_DATA_DIR (or the dbt var olist_data_dir) "
        ~ "at a folder holding the nine Kaggle CSVs, or run `make data` to "
        ~ "write the synthetic sample to data/sample." -%}

    {#- 1. Every file exists. -#}
    {%- set missing = [] -%}
    {%- for t in tables -%}
        {%- set found = run_query(
            "select count(*) from glob('" ~ t['sql_path'] ~ "')"
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {%- do missing.append(t['file']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "Olist input: " ~ (missing | length) ~ " of the nine CSV files "
            ~ "not found in data folder '" ~ data_dir ~ "': "
            ~ (missing | join(', ')) ~ ". Fix: " ~ fix_dir[0] | upper ~ fix_dir[1:]
        ) }}
    {%- endif -%}

    {#- Which files passed these checks before and are unchanged since. -#}
    {%- set all_tables = tables -%}
    {#- A forced check (check_olist_inputs, olist-seg load) reads every
        file and keeps no proof: it does not touch the warehouse. -#}
    {%- set proof = olist_input_fingerprints(tables) if not force
        else {'rows': [], 'unchanged': [], 'checked_at': ''} -%}
    {%- set tables = [] -%}
    {%- for t in all_tables if t['name'] not in proof['unchanged'] -%}
        {%- do tables.append(t) -%}
    {%- endfor -%}
    {%- if not tables -%}
        {%- do olist_record_input_checks(proof, []) -%}
        {{ log("Olist input: the " ~ (all_tables | length) ~ " CSV files in '"
            ~ data_dir ~ "' are unchanged since they passed the checks ("
            ~ proof['checked_at'] ~ "): not read again (`olist-seg build "
            ~ "--recheck-inputs` or var olist_validate_sources: always "
            ~ "rechecks them).", info=true) }}
        {{ return('select 1 as validated') }}
    {%- endif -%}

    {#- 2. Every header has the Kaggle column names, in order. The first
        line is only the first with insertion order preserved (the profile
        turns it off for the models): on for this step, then restored. -#}
    {%- set insertion_order = run_query(
        "select current_setting('preserve_insertion_order')"
    ).columns[0].values()[0] -%}
    {%- do run_query("set preserve_insertion_order = true") -%}
    {%- set header_errors = [] -%}
    {%- for t in tables -%}
        {#- The raw first line: no sniffing, so a broken row further down
            cannot hide the header. DuckDB drops a UTF-8 byte-order mark. -#}
        {%- set first_line = run_query(
            "select line from read_csv('" ~ t['sql_path'] ~ "', header = false, "
            ~ "auto_detect = false, delim = '\t', quote = '', escape = '', "
            ~ "columns = {'line': 'VARCHAR'}, strict_mode = false, "
            ~ "ignore_errors = true, null_padding = true) limit 1"
        ).columns[0].values() | list -%}
        {%- set found = [] -%}
        {%- for name in (first_line[0] or '').split(',') -%}
            {%- do found.append(name | replace('"', '') | replace('\r', '') | trim) -%}
        {%- endfor -%}
        {%- set expected = t['columns'].keys() | list -%}
        {%- if found != expected -%}
            {%- set absent = expected | reject('in', found) | list -%}
            {%- set extra = found | reject('in', expected) | list -%}
            {%- set problem -%}
                {%- if absent -%}
                    missing column(s) {{ absent | join(', ') }}
                    {%- if extra %} (found instead: {{ extra | join(', ') }}){% endif -%}
                {%- elif extra -%}
                    unexpected column(s) {{ extra | join(', ') }}
                {%- else -%}
                    columns out of order
                {%- endif -%}
            {%- endset -%}
            {%- do header_errors.append(
                "file " ~ t['path'] ~ ": " ~ problem
                ~ ". Expected header: " ~ (expected | join(','))
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query(
        "set preserve_insertion_order = "
        ~ ('true' if (insertion_order | string | lower) in ['true', '1']
            else 'false')
    ) -%}
    {%- if header_errors -%}
        {{ exceptions.raise_compiler_error(
            "Olist input: unexpected CSV header.\n  - "
            ~ (header_errors | join('\n  - '))
            ~ "\nFix: restore the column names of the Kaggle download "
            ~ "(rename the columns back, in that order), or " ~ fix_dir
        ) }}
    {%- endif -%}

    {#- 3. Every typed value parses; 4. every file has rows. -#}
    {%- set value_errors = [] -%}
    {%- for t in tables -%}
        {%- set typed = [] -%}
        {%- for column, type in t['columns'].items() if type != 'VARCHAR' -%}
            {%- do typed.append((column, type)) -%}
        {%- endfor -%}
        {%- set as_text = [] -%}
        {%- for column in t['columns'] -%}
            {%- do as_text.append("'" ~ column ~ "': 'VARCHAR'") -%}
        {%- endfor -%}
        {#- Reading every text column makes DuckDB decode it, so a file that
            is not UTF-8 shows up in the rejects (INVALID ENCODING). -#}
        {%- set decoded = [] -%}
        {%- for column, type in t['columns'].items() if type == 'VARCHAR' -%}
            {%- do decoded.append('max(length("' ~ column ~ '"))') -%}
        {%- endfor -%}
        {%- set checks = ['count(*) as n_rows'] -%}
        {%- for column, type in typed -%}
            {%- set parsed -%}
                {%- if type == 'TIMESTAMP' -%}
                    try_strptime("{{ column }}", '%Y-%m-%d %H:%M:%S')
                {%- else -%}
                    try_cast("{{ column }}" as {{ type }})
                {%- endif -%}
            {%- endset -%}
            {%- set bad = '"' ~ column ~ '" is not null and ' ~ parsed ~ ' is null' -%}
            {%- do checks.append('count(*) filter (where ' ~ bad ~ ')') -%}
            {%- do checks.append('min("' ~ column ~ '") filter (where ' ~ bad ~ ')') -%}
        {%- endfor -%}
        {%- set row = run_query(
            "select " ~ ((checks + decoded) | join(', ')) ~ " from read_csv('"
            ~ t['sql_path']
            ~ "', header = true, auto_detect = false, delim = ',', "
            ~ "quote = '\"', escape = '\"', store_rejects = true, "
            ~ "rejects_table = 'olist_rejects_" ~ t['name'] ~ "', "
            ~ "rejects_scan = 'olist_reject_scans_" ~ t['name'] ~ "', columns = {"
            ~ (as_text | join(', ')) ~ "})"
        ).rows[0] -%}
        {%- set rejects = run_query(
            "select line, error_message, error_type = 'INVALID ENCODING' "
            ~ "from olist_rejects_" ~ t['name'] ~ " order by line"
        ).rows -%}
        {%- set encoding = [] -%}
        {%- set malformed = [] -%}
        {%- for reject in rejects -%}
            {%- do (encoding if reject[2] else malformed).append(reject) -%}
        {%- endfor -%}
        {%- set rejects = malformed -%}
        {%- if encoding | length > 0 -%}
            {%- do value_errors.append(
                "file " ~ t['path'] ~ ": is not UTF-8 text: "
                ~ (encoding | length) ~ " line(s) hold other bytes (e.g. "
                ~ "line " ~ encoding[0][0] ~ ", often a Latin-1 or Windows-1252 "
                ~ "export); save the file as UTF-8, e.g. `iconv -f latin1 -t "
                ~ "utf-8 in.csv > out.csv`"
            ) -%}
        {%- endif -%}
        {%- if rejects | length > 0 -%}
            {%- set shown = [] -%}
            {%- for reject in rejects[:3] -%}
                {%- do shown.append("line " ~ reject[0] ~ ": " ~ reject[1]) -%}
            {%- endfor -%}
            {%- do value_errors.append(
                "file " ~ t['path'] ~ ": " ~ (rejects | length)
                ~ " malformed row(s) (" ~ (shown | join('; ')) ~ "); every "
                ~ "row needs " ~ (t['columns'] | length) ~ " fields, and a "
                ~ "field holding a comma, quote or line break must be "
                ~ "double-quoted with inner quotes doubled"
            ) -%}
        {%- endif -%}
        {%- if row[0] == 0 -%}
            {%- do value_errors.append(
                "file " ~ t['path'] ~ ": has a header but no rows"
            ) -%}
        {%- endif -%}
        {%- for column, type in typed -%}
            {%- set n_bad = row[1 + 2 * loop.index0] -%}
            {%- if n_bad > 0 -%}
                {%- do value_errors.append(
                    "file " ~ t['path'] ~ ", column " ~ column ~ ": "
                    ~ n_bad ~ " value(s) are not " ~ type
                    ~ (" (YYYY-MM-DD HH:MM:SS)" if type == 'TIMESTAMP' else "")
                    ~ ", e.g. '" ~ row[2 + 2 * loop.index0] ~ "'"
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if value_errors -%}
        {{ exceptions.raise_compiler_error(
            "Olist input: values that cannot be read.\n  - "
            ~ (value_errors | join('\n  - '))
            ~ "\nFix: correct or blank out those values in the file (an "
            ~ "empty field is read as null), then run the build again."
        ) }}
    {%- endif -%}

    {#- 5. Keys, references, codes, amounts and dates: across files, so
        every file whenever one changed. -#}
    {%- set n_checks = check_olist_content(all_tables) -%}
    {%- if not force -%}
        {%- do olist_record_input_checks(proof, tables | map(attribute='name') | list) -%}
    {%- endif -%}

    {%- if tables | length == all_tables | length -%}
        {{ log("Olist input: " ~ (tables | length) ~ " CSV files in '"
            ~ data_dir ~ "' passed the file, header, value and " ~ n_checks
            ~ " content checks.", info=true) }}
    {%- else -%}
        {{ log("Olist input: " ~ (tables | length) ~ " changed CSV file(s) in '"
            ~ data_dir ~ "' passed the file, header and value checks ("
            ~ (all_tables | length - tables | length) ~ " unchanged since they "
            ~ "passed on " ~ proof['checked_at'] ~ "); all "
            ~ (all_tables | length) ~ " passed " ~ n_checks
            ~ " content checks.", info=true) }}
    {%- endif -%}
    {{ return('select 1 as validated') }}
{% endmacro %}

{% macro check_olist_inputs(data_dir=none) %}
    {#- The build's input checks without a build: the project vars, then the
        nine CSV files (of data_dir, default the configured folder), with the
        same messages as the on-run-start hooks of `dbt build`. Run it as
        `dbt run-operation check_olist_inputs` (DuckDB target; nothing is
        read from or written to the warehouse). -#}
    {%- do validate_project_vars() -%}
    {%- do validate_olist_sources(force=true, data_dir=data_dir) -%}
{% endmacro %}

{% macro olist_input_fingerprints(tables) %}
    {#- Each file's fingerprint (path, size, modification time, check rules)
        and which files passed the checks with the same fingerprint before.
        Returns {'rows': [...], 'unchanged': [names], 'checked_at': text}.
        Reads file metadata only (read_blob without its content column). -#}
    {%- set rules = local_md5(
        context['duckdb__validate_olist_sources'].macro.macro_sql
        ~ context['check_olist_content'].macro.macro_sql
        ~ tojson(tables | map(attribute='columns') | list)
        ~ tojson([var('olist_earliest_plausible_date', none),
            var('olist_max_plausible_value', none),
            var('olist_order_statuses', none)])
    ) -%}
    {%- set paths = [] -%}
    {%- for t in tables -%}
        {%- do paths.append("'" ~ t['sql_path'] ~ "'") -%}
    {%- endfor -%}
    {%- set stats = run_query(
        "select filename, size, epoch_us(last_modified) from read_blob(["
        ~ (paths | join(', ')) ~ "])"
    ).rows -%}
    {%- set by_path = {} -%}
    {%- for row in stats -%}
        {%- do by_path.update({row[0]: row}) -%}
    {%- endfor -%}
    {%- set relation = olist_input_checks_relation() -%}
    {%- set before = {} -%}
    {%- if var('olist_validate_sources', true) | string | lower != 'always'
        and adapter.get_relation(
            database=relation.database, schema=relation.schema,
            identifier=relation.identifier) is not none -%}
        {%- for row in run_query(
            "select file_name, fingerprint, cast(passed_at as varchar) from "
            ~ relation
        ).rows -%}
            {%- do before.update({row[0]: row}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set rows = [] -%}
    {%- set unchanged = [] -%}
    {%- set passed = [] -%}
    {%- for t in tables -%}
        {%- set stat = by_path.get(t['path'], [t['path'], -1, -1]) -%}
        {%- set fingerprint = t['path'] ~ '|' ~ stat[1] ~ '|' ~ stat[2] ~ '|' ~ rules -%}
        {%- set old = before.get(t['name']) -%}
        {%- if old is not none and old[1] == fingerprint -%}
            {%- do unchanged.append(t['name']) -%}
            {%- do passed.append(old[2]) -%}
        {%- endif -%}
        {%- do rows.append({
            'name': t['name'], 'path': t['path'], 'size': stat[1],
            'fingerprint': fingerprint,
            'passed_at': old[2] if old is not none and old[1] == fingerprint else none,
        }) -%}
    {%- endfor -%}
    {{ return({'rows': rows, 'unchanged': unchanged,
        'checked_at': (passed | min) if passed else ''}) }}
{% endmacro %}

{% macro olist_input_checks_relation() %}
    {#- Where the proof of the last passing input checks is kept. -#}
    {{ return(api.Relation.create(
        database=target.database,
        schema=generate_schema_name('intermediate', none) | trim,
        identifier='olist_input_checks')) }}
{% endmacro %}

{% macro olist_record_input_checks(proof, checked) %}
    {#- Replace the proof: every file with its fingerprint, when it passed
        (now for the files checked by this build) and what this build did. -#}
    {%- set relation = olist_input_checks_relation() -%}
    {%- set values = [] -%}
    {%- for row in proof['rows'] -%}
        {%- set was_checked = row['name'] in checked -%}
        {%- do values.append("('" ~ row['name'] ~ "', '"
            ~ (row['path'] | replace("'", "''")) ~ "', " ~ row['size'] ~ ", '"
            ~ (row['fingerprint'] | replace("'", "''")) ~ "', "
            ~ ("current_timestamp::timestamp" if was_checked
                else "timestamp '" ~ row['passed_at'] ~ "'") ~ ", "
            ~ ("'checked'" if was_checked else "'unchanged'") ~ ")") -%}
    {%- endfor -%}
    {%- do run_query("create schema if not exists " ~ relation.schema) -%}
    {%- do run_query(
        "create or replace table " ~ relation ~ " as select * from (values "
        ~ (values | join(', ')) ~ ") as t(file_name, file_path, size_bytes, "
        ~ "fingerprint, passed_at, this_build)"
    ) -%}
{% endmacro %}
