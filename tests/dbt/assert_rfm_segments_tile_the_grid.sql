-- Every cell of the 5 x 5 grid of r_score x fm_score belongs to exactly one
-- segment of the seed rfm_segments, so every customer gets one segment.
-- Returns the cells covered zero or several times.
with

scores as (

    select 1 as score
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5

),

cells as (

    select
        r.score as r_score,
        fm.score as fm_score
    from scores as r
    cross join scores as fm

),

coverage as (

    select
        cells.r_score,
        cells.fm_score,
        count(segments.segment_name) as segments_covering
    from cells
    left join {{ ref('rfm_segments') }} as segments
        on
            cells.r_score between segments.r_score_min and segments.r_score_max
            and cells.fm_score
            between segments.fm_score_min and segments.fm_score_max
    group by cells.r_score, cells.fm_score

)

select * from coverage
where segments_covering != 1
