"""Campaign exports: the right customers, the right columns, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olist_segmentation import export, report

from helpers.builds import Build

COLUMNS = [
    "customer_unique_id",
    "behavioural_segment",
    "behavioural_definition",
    "behavioural_action",
    "rfm_segment",
    "rfm_action",
    "next_best_action",
    "next_step",
    "is_sales_message",
    "what_to_send",
    "next_step_reason",
    "contact_priority",
    "city",
    "state",
    "last_purchase_date",
    "recency_days",
    "orders",
    "spend_brl",
    "value_tier",
    "value_rank",
    "purchase_probability",
    "expected_purchases",
    "expected_order_value",
    "expected_revenue",
    "prediction_horizon_days",
    "prediction_model_version",
    "as_of_date",
    "model_version",
    "definition_version",
]


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"customer_unique_id": str}, keep_default_na=False)


def test_export_of_everyone_has_every_customer_once(
    sample_build: Build, tmp_path: Path
) -> None:
    result = export.export_customers(tmp_path / "all", sample_build.warehouse)
    csv = _read_csv(tmp_path / "all" / "customers.csv")
    parquet = duckdb.execute(
        "select * from read_parquet($p)",
        {"p": str(tmp_path / "all" / "customers.parquet")},
    ).df()
    truth = sample_build.query(
        "select s.customer_unique_id, s.segment_name, r.rfm_segment, c.state, "
        "r.last_purchase_date::varchar as last_purchase_date, p.value_tier, "
        "p.expected_revenue "
        "from main.customer_segments s join main.customer_rfm r using "
        "(customer_unique_id) join main.customers c using (customer_unique_id) "
        "join main.customer_predictions p using (customer_unique_id) "
        "order by p.value_rank, 1"
    )
    assert list(csv.columns) == COLUMNS and list(parquet.columns) == COLUMNS
    assert result.rows == len(csv) == len(parquet) == len(truth)
    assert csv["customer_unique_id"].is_unique
    assert csv["customer_unique_id"].tolist() == truth["customer_unique_id"].tolist()
    assert csv["behavioural_segment"].tolist() == truth["segment_name"].tolist()
    assert csv["rfm_segment"].tolist() == truth["rfm_segment"].tolist()
    assert csv["last_purchase_date"].tolist() == truth["last_purchase_date"].tolist()
    assert csv["value_tier"].tolist() == truth["value_tier"].tolist()
    # whom to contact first: highest expected revenue first
    # the CSV has money to the centavo (the Parquet file keeps every digit)
    assert csv["expected_revenue"].to_numpy() == pytest.approx(
        truth["expected_revenue"].astype(float).round(2).to_numpy()
    )
    assert parquet["expected_revenue"].to_numpy() == pytest.approx(
        truth["expected_revenue"].to_numpy()
    )
    assert csv["expected_revenue"].is_monotonic_decreasing
    assert csv["value_rank"].tolist() == list(range(1, len(csv) + 1))
    assert parquet["customer_unique_id"].tolist() == csv["customer_unique_id"].tolist()
    assert (csv["behavioural_action"] != "").all() and (csv["rfm_action"] != "").all()
    manifest = json.loads((tmp_path / "all" / "export.json").read_text())
    assert manifest["customers"] == len(csv) and manifest["filters"] == {}
    # every segment's readable definition, as served, travels with the list
    served = sample_build.query(
        "select segment_name, definition, definition_version "
        "from main.segment_definitions"
    )
    assert manifest["segment_definitions"] == dict(
        zip(served["segment_name"], served["definition"], strict=True)
    )
    assert manifest["definition_version"] == served["definition_version"].max()
    pairs = csv[["behavioural_segment", "behavioural_definition"]].drop_duplicates()
    assert dict(pairs.itertuples(index=False)) == manifest["segment_definitions"]


def test_filters_combine_and_ignore_case(sample_build: Build, tmp_path: Path) -> None:
    top = sample_build.query(
        "select s.segment_name, c.state, count(*) as n from main.customer_segments s "
        "join main.customers c using (customer_unique_id) group by all "
        "order by n desc, 1, 2 limit 1"
    ).iloc[0]
    out = export.default_folder(
        tmp_path, {"segments": [top.segment_name], "states": [top.state]}
    )
    result = export.export_customers(
        out,
        sample_build.warehouse,
        segments=[top.segment_name.upper()],
        states=[top.state.lower()],
    )
    csv = _read_csv(out / "customers.csv")
    assert result.rows == len(csv) == top.n
    assert set(csv["behavioural_segment"]) == {top.segment_name}
    assert set(csv["state"]) == {top.state}
    assert out.name.startswith("segment-") and "_state-" in out.name


def test_value_tier_keeps_the_predicted_top_customers(
    sample_build: Build, tmp_path: Path
) -> None:
    truth = sample_build.query(
        "select customer_unique_id from main.customer_predictions "
        "where value_tier = 'high' order by value_rank"
    )
    everyone = sample_build.query("select count(*) as n from main.customer_predictions")
    result = export.export_customers(
        tmp_path / "high", sample_build.warehouse, value_tiers=["HIGH"]
    )
    csv = _read_csv(tmp_path / "high" / "customers.csv")
    assert result.rows == len(csv) == len(truth) > 0
    assert csv["customer_unique_id"].tolist() == truth["customer_unique_id"].tolist()
    assert set(csv["value_tier"]) == {"high"}
    # the top 10% by expected revenue (var prediction_value_tier_shares)
    assert len(csv) == pytest.approx(0.1 * everyone["n"][0], abs=1)
    manifest = json.loads((tmp_path / "high" / "export.json").read_text())
    assert manifest["filters"] == {"--value-tier": ["high"]}


def test_one_list_per_next_step_in_contact_priority(
    sample_build: Build, tmp_path: Path
) -> None:
    truth = sample_build.query(
        "select customer_unique_id, contact_priority "
        "from main.customer_next_best_action "
        "where next_best_action = 'second_purchase_nudge' order by contact_priority"
    )
    result = export.export_customers(
        tmp_path / "nudge", sample_build.warehouse, actions=["second_purchase_nudge"]
    )
    csv = _read_csv(tmp_path / "nudge" / "customers.csv")
    assert result.rows == len(csv) == len(truth) > 0
    assert csv["customer_unique_id"].tolist() == truth["customer_unique_id"].tolist()
    assert csv["contact_priority"].tolist() == list(range(1, len(csv) + 1))
    assert set(csv["next_step"]) == {"Second-purchase nudge"}
    assert (csv["is_sales_message"].astype(str) == "True").all()
    with pytest.raises(export.ExportError, match="Valid values: boleto_reminder"):
        export.export_customers(
            tmp_path / "x", sample_build.warehouse, actions=["nudge"]
        )


def test_an_unknown_segment_lists_the_valid_ones_and_writes_nothing(
    sample_build: Build, tmp_path: Path
) -> None:
    names = sample_build.query(
        "select distinct segment_name from main.segment_profiles"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "olist_segmentation.cli",
            "export",
            "--warehouse",
            str(sample_build.warehouse),
            "--segment",
            "Big spenders'; drop table x; --",
            "--out",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    hostile = "Big spenders'; drop table x; --"
    assert f"--segment {hostile!r}: no such value" in result.stderr
    for name in names["segment_name"]:
        assert name in result.stderr
    assert not (tmp_path / "x").exists()


def test_the_report_links_the_exports_of_its_build(
    sample_build: Build, tmp_path: Path
) -> None:
    export.export_customers(tmp_path / "exports" / "all", sample_build.warehouse)
    rfm = sample_build.query(
        "select rfm_segment from main.customer_rfm group by 1 order by count(*) desc"
    ).iloc[0, 0]
    folder = export.default_folder(tmp_path / "exports", {"rfm_segments": [rfm]})
    export.export_customers(folder, sample_build.warehouse, rfm_segments=[rfm])
    html = report.build_report(sample_build.warehouse, tmp_path / "r.html").read_text()
    assert 'href="exports/all/customers.csv"' in html
    assert f'href="exports/{folder.name}/customers.parquet"' in html
    assert f"rfm-segment: {rfm}" in html


@pytest.mark.parametrize("option", ["--rfm-segment", "--state", "--value-tier"])
def test_unknown_rfm_segment_or_state_is_named(
    option: str, sample_build: Build, tmp_path: Path
) -> None:
    with pytest.raises(export.ExportError, match=f"{option} 'Nowhere': no such value"):
        export.export_customers(
            tmp_path / "x",
            sample_build.warehouse,
            **{
                {
                    "--rfm-segment": "rfm_segments",
                    "--state": "states",
                    "--value-tier": "value_tiers",
                }[option]: ["Nowhere"]
            },
        )


def _export_cli(warehouse: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "olist_segmentation.cli",
            "export",
            "--warehouse",
            str(warehouse),
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _an_empty_combination(sample_build: Build) -> tuple[str, str]:
    """A behavioural segment and an RFM segment that no customer has together."""
    pairs = sample_build.query(
        "select s.segment_name, r.rfm_segment, count(*) as n "
        "from main.customer_segments s join main.customer_rfm r "
        "using (customer_unique_id) group by all"
    )
    everything = pairs.pivot_table(
        index="segment_name", columns="rfm_segment", values="n", fill_value=0
    )
    empty = [
        (segment, rfm)
        for segment in everything.index
        for rfm in everything.columns
        if everything.loc[segment, rfm] == 0
    ]
    assert empty, "every pair is present: the sample has no empty combination"
    return empty[0]


def test_filters_that_match_nobody_stop_with_the_counts(
    sample_build: Build, tmp_path: Path
) -> None:
    segment, rfm = _an_empty_combination(sample_build)
    counts = sample_build.query(
        f"""
        select
            (select count(*) from main.customer_segments
             where segment_name = '{segment.replace("'", "''")}') as by_segment,
            (select count(*) from main.customer_rfm
             where rfm_segment = '{rfm.replace("'", "''")}') as by_rfm
        """
    ).iloc[0]
    out = tmp_path / "x"
    result = _export_cli(
        sample_build.warehouse, out, "--segment", segment, "--rfm-segment", rfm
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "No customer of" in result.stderr and "Nothing was written" in result.stderr
    assert f"--segment {segment}: {int(counts.by_segment):,} customers" in result.stderr
    assert f"--rfm-segment {rfm}: {int(counts.by_rfm):,} customers" in result.stderr
    assert "--allow-empty" in result.stderr
    assert not out.exists()
    # on purpose: the empty list is written, and the command says so
    allowed = _export_cli(
        sample_build.warehouse,
        out,
        "--segment",
        segment,
        "--rfm-segment",
        rfm,
        "--allow-empty",
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "Wrote 0 customers" in allowed.stdout and "an empty list" in allowed.stdout
    assert len(pd.read_csv(out / "customers.csv")) == 0
    assert json.loads((out / "export.json").read_text())["customers"] == 0


def test_csv_money_has_2_decimals_and_probabilities_4(
    sample_build: Build, tmp_path: Path
) -> None:
    export.export_customers(tmp_path / "all", sample_build.warehouse)
    text = pd.read_csv(tmp_path / "all" / "customers.csv", dtype=str)
    for column, decimals in export.CSV_DECIMALS.items():
        values = text[column].dropna()
        assert len(values) > 0
        written = values.str.split(".").str[1].fillna("").str.len()
        assert written.max() <= decimals, column
    # the Parquet file keeps full precision
    parquet = duckdb.execute(
        "select * from read_parquet($p)",
        {"p": str(tmp_path / "all" / "customers.parquet")},
    ).df()
    csv = pd.read_csv(tmp_path / "all" / "customers.csv")
    assert (
        parquet["purchase_probability"].round(4) == csv["purchase_probability"]
    ).all()
    assert (parquet["purchase_probability"] != csv["purchase_probability"]).any()
