{#-
    assign_segments(features, rules): SQL of one row per customer of the
    relation `features` (customer_unique_id and the columns of
    segment_feature_columns()) with the segment_id the decision list
    `rules` assigns (a relation with segment_id, rule_order, feature,
    operator, threshold; see segmentation/rules.py). The segments are tried
    in rule_order; a customer belongs to the first whose conditions all
    hold; a condition on a missing value does not hold; a row without
    feature always holds (the last segment, everyone else). Portable SQL:
    the same on DuckDB, PostgreSQL and Spark, and the same as
    segmentation.apply_rules in Python (a test compares them on every
    customer).
-#}
{% macro assign_segments(features, rules) %}
    {%- set columns = segment_feature_columns() %}
    select
        ranked.customer_unique_id,
        ranked.segment_id
    from (
        select
            matched.customer_unique_id,
            matched.segment_id,
            row_number() over (
                partition by matched.customer_unique_id
                order by matched.rule_order, matched.segment_id
            ) as match_rank
        from (
            select
                evaluated.customer_unique_id,
                evaluated.segment_id,
                evaluated.rule_order
            from (
                select
                    valued.customer_unique_id,
                    valued.segment_id,
                    valued.rule_order,
                    case
                        when valued.feature is null then 1
                        when valued.feature_value is null then 0
                        when
                            valued.operator = '>='
                            and valued.feature_value >= valued.threshold
                            then 1
                        when
                            valued.operator = '<='
                            and valued.feature_value <= valued.threshold
                            then 1
                        when
                            valued.operator = '>'
                            and valued.feature_value > valued.threshold
                            then 1
                        when
                            valued.operator = '<'
                            and valued.feature_value < valued.threshold
                            then 1
                        else 0
                    end as holds
                from (
                    select
                        scored_customers.customer_unique_id,
                        conditions.segment_id,
                        conditions.rule_order,
                        conditions.feature,
                        conditions.operator,
                        conditions.threshold,
                        case conditions.feature
                        {%- for column in columns %}
                            when '{{ column }}'
                                then cast(
                                    scored_customers.{{ column }}
                                    as {{ type_double() }}
                                )
                        {%- endfor %}
                        end as feature_value
                    from {{ features }} as scored_customers
                    cross join {{ rules }} as conditions
                ) as valued
            ) as evaluated
            group by
                evaluated.customer_unique_id,
                evaluated.segment_id,
                evaluated.rule_order
            having min(evaluated.holds) = 1
        ) as matched
    ) as ranked
    where ranked.match_rank = 1
{% endmacro %}

{#-
    customer_feature_value(feature, relation): SQL of the value, as a
    double, of the feature whose name is in the column `feature` (one of
    segment_feature_columns()) for the row of `relation`; null for another
    name. Lets a seed name the feature a condition reads.
-#}
{% macro customer_feature_value(feature, relation) -%}
    case {{ feature }}
    {%- for column in segment_feature_columns() %}
        when '{{ column }}'
            then cast({{ relation }}.{{ column }} as {{ type_double() }})
    {%- endfor %}
    end
{%- endmacro %}
