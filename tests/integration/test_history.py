"""Segment history and the migration matrix between two as-of dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from olist_segmentation.summaries import warehouse_summary

from helpers.builds import EARLY, Build, build_or_fail, private_copy, shared_build

LATER = "2018-06-01"


@pytest.fixture(scope="session")
def two_dates(early_build: Build, shared_root: Path) -> tuple[Build, Build, str]:
    """The same warehouse built as of EARLY (`early_build`), then as of
    LATER (on a copy), and the summary printed after the first build.
    Read-only, shared by the session."""
    first_summary = warehouse_summary(early_build.warehouse).render()
    later = shared_build(
        shared_root,
        "history_later",
        early_build.data_dir,
        lambda data, file: build_or_fail(
            data, private_copy(early_build, file.parent).warehouse, as_of_date=LATER
        ),
    )
    return early_build, later, first_summary


def test_one_date_has_no_moves_yet(two_dates: tuple[Build, Build, str]) -> None:
    first_summary = two_dates[2]
    assert "Segment moves: none yet" in first_summary
    assert "Largest segment moves" not in first_summary


def test_history_keeps_each_as_of_date(two_dates: tuple[Build, Build, str]) -> None:
    later = two_dates[1]
    history = later.query(
        "select as_of_date::varchar as d, count(*) as n "
        "from main.customer_segment_history group by 1 order by 1"
    )
    segments = later.query("select count(*) as n from main.customer_segments")
    assert history["d"].tolist() == [EARLY, LATER]
    assert history["n"].iloc[1] == segments["n"].iloc[0]
    assert history["n"].iloc[0] < history["n"].iloc[1]


def test_rebuild_at_the_same_date_replaces_its_rows(
    two_dates: tuple[Build, Build, str], tmp_path: Path
) -> None:
    later = private_copy(two_dates[1], tmp_path)
    again = build_or_fail(later.data_dir, later.warehouse, as_of_date=LATER)
    counts = again.query(
        "select as_of_date::varchar as d, count(*) as n, "
        "count(distinct customer_unique_id) as ids "
        "from main.customer_segment_history group by 1 order by 1"
    )
    assert counts["d"].tolist() == [EARLY, LATER]
    assert (counts["n"] == counts["ids"]).all()


def test_migration_matches_a_crosstab_of_the_history(
    two_dates: tuple[Build, Build, str],
) -> None:
    later = two_dates[1]
    history = later.query(
        "select as_of_date::varchar as d, customer_unique_id, segment_name, "
        "rfm_segment from main.customer_segment_history"
    )
    before = history[history["d"] == EARLY].set_index("customer_unique_id")
    after = history[history["d"] == LATER].set_index("customer_unique_id")
    joined = before.merge(
        after,
        how="outer",
        left_index=True,
        right_index=True,
        suffixes=("_from", "_to"),
    )
    migration = later.query("select * from main.segment_migration")
    assert set(migration["from_as_of_date"].astype(str).str[:10]) == {EARLY}
    for segmentation, column in (
        ("behavioural", "segment_name"),
        ("rfm", "rfm_segment"),
    ):
        expected = (
            joined.assign(
                source=joined[f"{column}_from"].fillna("(new customer)"),
                target=joined[f"{column}_to"].fillna("(no longer a customer)"),
            )
            .groupby(["source", "target"])
            .size()
            .sort_index()
        )
        found = (
            migration[migration["segmentation"] == segmentation]
            .set_index(["from_segment", "to_segment"])["customers"]
            .sort_index()
        )
        assert found.tolist() == expected.tolist()
        assert found.index.tolist() == expected.index.tolist()
    shares = migration.groupby(["segmentation", "from_segment"])[
        "share_of_from_segment"
    ].sum()
    assert shares.round(9).eq(1).all()
    new = migration[migration["from_segment"] == "(new customer)"]
    assert new["customers"].sum() > 0  # the sample's customers grow over time


def test_summary_prints_the_largest_moves(two_dates: tuple[Build, Build, str]) -> None:
    later = two_dates[1]
    summary = warehouse_summary(later.warehouse)
    assert summary.moves_since == EARLY
    migration = later.query(
        "select * from main.segment_migration where not is_stay "
        "and from_segment != '(new customer)' order by customers desc"
    )
    top = migration.groupby("segmentation").head(1)
    text = summary.render()
    assert f"Largest segment moves since {EARLY}:" in text
    for row in top.itertuples():
        assert f"{row.from_segment} -> {row.to_segment}: {row.customers:,}" in text


def test_report_shows_the_migration_matrix(
    two_dates: tuple[Build, Build, str], tmp_path: Path
) -> None:
    from olist_segmentation import report

    later = two_dates[1]
    data = report.load_report_data(later.warehouse)
    html = report.render_html(data)
    assert '<section id="moves"><h2>6. How customers moved between groups</h2>' in html
    assert f"Where the customers of {EARLY} are as of {LATER}" in html
    behavioural = later.query(
        "select * from main.segment_migration where segmentation = 'behavioural'"
    )
    # one row per earlier segment (and new customers), one column per segment
    section = html.split('<section id="moves">')[1].split("</section>")[0]
    body = section.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr><th>") == behavioural["from_segment"].nunique()
    top = (
        behavioural[
            ~behavioural["is_stay"] & (behavioural["from_segment"] != "(new customer)")
        ]
        .sort_values("customers", ascending=False)
        .iloc[0]
    )
    assert f"{top.from_segment} → {top.to_segment}: {top.customers:,} customers" in (
        section.replace("&gt;", ">")
    )


def test_descriptions_state_this_builds_share(
    two_dates: tuple[Build, Build, str],
) -> None:
    later = two_dates[1]
    profiles = later.query(
        "select p.customer_share, p.description, d.description as model_text "
        "from main.segment_profiles p join main.segment_definitions d "
        "using (model_version, segment_id)"
    )
    for row in profiles.itertuples():
        share = f"{row.customer_share:.1%} of customers."
        assert row.description.startswith(share), (row.description, share)
        assert row.description[len(share) :] == row.model_text.split(".", 2)[-1]
    # fitted as of EARLY, scored as of LATER: the fit-time share is stale
    assert (profiles["description"] != profiles["model_text"]).any()
