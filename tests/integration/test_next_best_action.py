"""customer_next_best_action on the sample build: one action per customer,
decided by the documented rules; suppressions are data a marketer edits,
checked before anything is served."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.builds import Build
from helpers.projects import private_project, query, run_build

LAPSING = {"At risk", "Can't lose them", "About to sleep", "Hibernating", "Lost"}
LAPSED = {"Hibernating", "Lost"}


def _inputs(build: Build) -> pd.DataFrame:
    return build.query(
        """
        select a.*, f.avg_review_score, f.boleto_share, r.frequency,
               s.segment_name as served_segment
        from main.customer_next_best_action a
        join intermediate.int_customer_features f using (customer_unique_id)
        join main.customer_rfm r using (customer_unique_id)
        join main.customer_segments s using (customer_unique_id)
        order by customer_unique_id
        """
    )


def _expected(row: dict) -> str:
    """The documented decision list, written again in Python."""
    review = row["avg_review_score"]
    if review is not None and not np.isnan(review) and review <= 2:
        return "service_recovery"
    if row["rfm_segment"] in LAPSED and row["value_tier"] == "low":
        return "do_not_contact"
    if row["frequency"] >= 2 and row["rfm_segment"] not in LAPSING:
        return "loyalty"
    if row["rfm_segment"] in LAPSING:
        return "win_back"
    if row["boleto_share"] >= 0.5:
        return "boleto_reminder"
    return "second_purchase_nudge"


def test_every_customer_gets_exactly_one_action(sample_build: Build) -> None:
    counts = sample_build.query(
        """
        select
            (select count(*) from main.customer_segments) as segmented,
            (select count(*) from main.customer_next_best_action) as actions,
            (select count(distinct customer_unique_id)
             from main.customer_next_best_action) as people
        """
    ).iloc[0]
    assert counts["segmented"] == counts["actions"] == counts["people"] > 0


def test_actions_follow_the_documented_rules(sample_build: Build) -> None:
    frame = _inputs(sample_build)
    rows = frame.to_dict("records")
    expected = [_expected(r) for r in rows]
    assert list(frame["next_best_action"]) == expected
    # every action the rules know occurs on the sample, so each rule is tested
    assert set(expected) == {
        "service_recovery",
        "do_not_contact",
        "loyalty",
        "win_back",
        "boleto_reminder",
        "second_purchase_nudge",
    }
    assert (frame["segment_name"] == frame["served_segment"]).all()


def test_nobody_with_an_open_service_problem_gets_a_sales_message(
    sample_build: Build,
) -> None:
    frame = _inputs(sample_build)
    unhappy = frame[frame["avg_review_score"] <= 2]
    assert len(unhappy) > 100
    assert not unhappy["is_sales_message"].any()
    assert (unhappy["suppression"] == "open_service_problem").all()
    assert unhappy["reason"].str.contains("avg_review_score <= 2").all()
    # the reason names what decided: segment, RFM segment, value tier
    first = frame.iloc[0]
    assert first["reason"].startswith(
        f"{first['segment_name']} / RFM {first['rfm_segment']} / value "
        f"{first['value_tier']}: "
    )


def test_contact_priority_follows_value_within_each_action(
    sample_build: Build,
) -> None:
    frame = _inputs(sample_build)
    for action, group in frame.groupby("next_best_action"):
        if action == "do_not_contact":
            assert group["contact_priority"].isna().all()
            continue
        ordered = group.sort_values("contact_priority")
        assert list(ordered["contact_priority"]) == list(range(1, len(group) + 1))
        assert ordered["value_rank"].is_monotonic_increasing


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_marketer_adds_a_suppression(sample_build: Build, tmp_path: Path) -> None:
    project, warehouse = private_project(sample_build, tmp_path)
    late = query(
        warehouse,
        "select a.customer_unique_id from main.customer_next_best_action a "
        "join intermediate.int_customer_features f using (customer_unique_id) "
        "where f.late_delivery_share >= 0.5 and a.is_sales_message",
    )
    assert len(late) > 20
    seed = project / "seeds" / "contact_suppressions.csv"
    seed.write_text(
        seed.read_text() + "late_delivery,late_delivery_share,>=,0.5,do_not_contact,"
        '"half their orders came late: no sales message this month"\n'
    )

    result = run_build(project, sample_build.data_dir, warehouse)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    after = query(
        warehouse,
        "select customer_unique_id, next_best_action, suppression, is_sales_message "
        "from main.customer_next_best_action",
    ).set_index("customer_unique_id")
    moved = after.loc[late["customer_unique_id"]]
    assert (moved["next_best_action"] == "do_not_contact").all()
    assert (moved["suppression"] == "late_delivery").all()
    assert not moved["is_sales_message"].any()


def test_a_bad_suppression_row_stops_the_build_before_anything_changes(
    sample_build: Build, tmp_path: Path
) -> None:
    project, warehouse = private_project(sample_build, tmp_path)
    before = _digest(warehouse)
    seed = project / "seeds" / "contact_suppressions.csv"
    seed.write_text(
        seed.read_text()
        + "typo,avg_reveiw_score,<=,2,service_recovery,x\n"
        + "selling,frequency,>=,2,loyalty,y\n"
    )

    result = run_build(project, sample_build.data_dir, warehouse)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "seeds/contact_suppressions.csv line 3 ('typo')" in output
    assert "unknown feature 'avg_reveiw_score'" in output
    assert "avg_review_score" in output  # the fix lists the valid features
    assert "line 4 ('selling')" in output
    assert "action 'loyalty' is not a non-sales action" in output
    assert _digest(warehouse) == before
