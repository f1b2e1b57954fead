"""A marketer's edits: segment names, descriptions and actions (seed
segment_overrides) replace the model's everywhere and survive a refit;
definition edits (seed segment_rule_overrides) are checked, versioned and
say how many customers they move."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd

from olist_segmentation import segmentation as seg

from helpers.builds import Build
from helpers.projects import copy_project as _copy_project
from helpers.projects import private_project, query, run_build


def _build(project: Path, data: Path, warehouse: Path, *args: str) -> str:
    result = run_build(project, data, warehouse, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _query(warehouse: Path, sql: str) -> pd.DataFrame:
    return query(warehouse, sql)


def test_an_override_renames_everywhere_and_survives_a_refit(
    sample_build: Build, tmp_path: Path
) -> None:
    project = _copy_project(tmp_path / "project")
    warehouse = tmp_path / "w" / "olist.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(sample_build.warehouse, warehouse)
    before = _query(
        warehouse,
        "select d.segment_name, d.description, d.recommended_action, count(*) as n "
        "from main.segment_definitions d join main.customer_segments s "
        "using (model_version, segment_id) group by all order by n desc",
    ).iloc[0]
    (project / "seeds" / "segment_overrides.csv").write_text(
        "segment_name,new_name,description,recommended_action\n"
        f'"{before.segment_name}",VIP buyers,,"Call them, personally"\n'
    )

    output = _build(project, sample_build.data_dir, warehouse)

    after = _query(
        warehouse,
        "select * from main.segment_definitions where model_segment_name = "
        "$name order by model_version desc limit 1".replace(
            "$name", "'" + before.segment_name.replace("'", "''") + "'"
        ),
    ).iloc[0]
    assert after.segment_name == "VIP buyers" and after.is_overridden
    assert after.description == before.description  # blank field: kept
    assert after.recommended_action == "Call them, personally"
    scored = _query(
        warehouse,
        "select count(*) as n from main.customer_segments "
        "where segment_name = 'VIP buyers'",
    )
    assert scored.n.iloc[0] == before.n
    assert "VIP buyers" in output  # the summary shows the marketer's name

    _build(project, sample_build.data_dir, warehouse, "--refit")
    latest = _query(
        warehouse,
        "select d.segment_name, d.model_version, count(*) as n "
        "from main.customer_segments s join main.segment_definitions d "
        "using (model_version, segment_id) group by all",
    )
    assert latest.model_version.nunique() == 1 and latest.model_version.iloc[0] == 2
    assert "VIP buyers" in set(latest.segment_name)


def _run(project: Path, data: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return run_build(project, data, warehouse)


def _private(sample_build: Build, tmp_path: Path) -> tuple[Path, Path]:
    return private_project(sample_build, tmp_path)


def _rules(warehouse: Path) -> pd.DataFrame:
    return _query(
        warehouse,
        "select * from main.segment_rules where definition_version = "
        "(select max(definition_version) from main.segment_rules) "
        "order by rule_order, condition_number",
    )


def _an_edit_that_moves_customers(
    warehouse: Path,
) -> tuple[str, str, str, float, pd.DataFrame, pd.DataFrame]:
    """A threshold edit that moves customers and keeps every segment >= 2%."""
    rules = _rules(warehouse)
    sample = _query(
        warehouse,
        "select * from intermediate.int_segment_fit_sample order by customer_unique_id",
    )
    names = dict(zip(rules["segment_id"], rules["model_segment_name"], strict=False))
    for first in rules[rules["feature"].notna()].itertuples():
        values = sample[first.feature].astype(float)
        for quantile in (0.3, 0.5, 0.7, 0.9, 0.1):
            threshold = float(round(values.quantile(quantile), 1))
            edited = seg.apply_overrides(
                rules,
                names,
                pd.DataFrame(
                    [
                        [
                            first.model_segment_name,
                            first.feature,
                            first.operator,
                            threshold,
                        ]
                    ],
                    columns=list(seg.OVERRIDE_COLUMNS),
                ),
                seg.RULE_FEATURES,
            )
            moved = seg.apply_rules(sample, edited) != seg.apply_rules(sample, rules)
            try:
                seg.check_shares(sample, edited, names, 0.02)
            except seg.SegmentationError:
                continue
            if moved.any():
                return (
                    first.model_segment_name,
                    first.feature,
                    first.operator,
                    threshold,
                    edited,
                    sample,
                )
    raise AssertionError("no threshold edit keeps every share")


def test_a_threshold_edit_is_versioned_and_says_how_many_customers_move(
    sample_build: Build, tmp_path: Path
) -> None:
    project, warehouse = _private(sample_build, tmp_path)
    before = _rules(warehouse)
    name, feature, operator, threshold, edited, sample = _an_edit_that_moves_customers(
        warehouse
    )
    moved = int(
        (seg.apply_rules(sample, edited) != seg.apply_rules(sample, before)).sum()
    )
    (project / "seeds" / "segment_rule_overrides.csv").write_text(
        f'segment_name,feature,operator,threshold\n"{name}",{feature},{operator},'
        f"{threshold}\n"
    )

    result = _run(project, sample_build.data_dir, warehouse)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr

    said = [line for line in output.splitlines() if "segment definitions" in line]
    assert any(
        f"it moves {moved:,} of the fit sample's {len(sample):,} customers" in line
        for line in said
    ), said
    after = _rules(warehouse)
    assert set(after["definition_version"]) == {2}
    assert set(before["definition_version"]) == {1}
    changed = after[after["is_edited"]]
    assert len(changed) == 1
    assert changed["threshold"].iloc[0] == threshold
    definitions = _query(
        warehouse, "select * from main.segment_definitions order by rule_order"
    )
    row = definitions[definitions["model_segment_name"] == name].iloc[0]
    assert row.definition == f"{feature} {operator} {seg.format_threshold(threshold)}"
    assert row.is_definition_edited and row.definition_version == 2
    # every customer is scored by the edited definition, in SQL
    served = _query(
        warehouse,
        "select s.segment_id, s.definition_version, f.* "
        "from main.customer_segments as s inner join "
        "intermediate.int_customer_features as f using (customer_unique_id) "
        "order by customer_unique_id",
    )
    assert (served["definition_version"] == 2).all()
    assert (seg.apply_rules(served, edited) == served["segment_id"].to_numpy()).all()
    # both versions stay readable: the history of definitions is kept
    history = _query(
        warehouse, "select distinct definition_version from main.segment_rules"
    )
    assert sorted(history["definition_version"]) == [1, 2]


def test_bad_rule_edits_stop_the_build_before_anything_changes(
    sample_build: Build, tmp_path: Path
) -> None:
    project, warehouse = _private(sample_build, tmp_path)
    rules = _rules(warehouse)
    named = rules[rules["feature"].notna()]
    first, second = named.iloc[0], named.iloc[1]
    last = rules[rules["feature"].isna()].iloc[0]
    (project / "seeds" / "segment_rule_overrides.csv").write_text(
        "segment_name,feature,operator,threshold\n"
        f'"{first.model_segment_name}",basket_size,>=,2\n'  # line 2
        f'"{first.model_segment_name}",{first.feature},>=,two\n'  # line 3
        f'"{second.model_segment_name}",{second.feature},=>,1\n'  # line 4
        f'"{second.model_segment_name}",{second.feature},<=,1\n'  # line 5
        f'"{last.model_segment_name}",monetary,>=,100\n'  # line 6
        "Nobody,monetary,>=,100\n"  # line 7
        f'"{first.model_segment_name}",,,\n'  # line 8: an empty condition
    )
    served = "select * from main.customer_segments order by customer_unique_id"
    before = _query(warehouse, served)

    result = _run(project, sample_build.data_dir, warehouse)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    for expected in (
        "line 2: unknown feature 'basket_size'",
        "line 3: threshold 'two' is not a number",
        "line 4: unknown operator '=>'",
        "line 5: overlaps seeds/segment_rule_overrides.csv line 4",
        "line 6: '" + last.model_segment_name + "' is the last segment",
        "line 7: segment 'Nobody' is not a segment of this model version",
        "line 8: unknown feature ''",
        "nothing was changed",
    ):
        assert expected in output, expected
    pd.testing.assert_frame_equal(_query(warehouse, served), before)
    assert set(_rules(warehouse)["definition_version"]) == {1}


def test_an_edit_that_empties_a_segment_is_refused(
    sample_build: Build, tmp_path: Path
) -> None:
    project, warehouse = _private(sample_build, tmp_path)
    rules = _rules(warehouse)
    first = rules[rules["feature"].notna()].iloc[0]
    # the first rule takes every customer: the others would be empty
    operator, threshold = (">=", -1e9) if first.operator == ">=" else ("<=", 1e12)
    (project / "seeds" / "segment_rule_overrides.csv").write_text(
        "segment_name,feature,operator,threshold\n"
        f'"{first.model_segment_name}",{first.feature},{operator},{threshold:g}\n'
    )
    served = "select * from main.customer_segments order by customer_unique_id"
    before = _query(warehouse, served)

    result = _run(project, sample_build.data_dir, warehouse)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "would hold 0.0% of customers" in output
    assert "under segment_min_share 2%" in output
    pd.testing.assert_frame_equal(_query(warehouse, served), before)
