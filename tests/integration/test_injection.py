"""Nothing from outside reaches SQL unquoted: paths and vars with quotes,
semicolons and comment markers are values, never SQL.

The var cases run the build's input checks without a build
(``input_checks``); one of them, and the hostile folder names, also go
through ``olist-seg build`` / ``dbt`` end to end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olist_segmentation import cli

from helpers.builds import Build, build_or_fail, private_copy, run_dbt
from helpers.input_checks import InputChecks

#: A payload that breaks out of a '...' literal, runs a statement and
#: comments out the rest, if it is pasted into SQL unquoted.
PAYLOAD = "x'); drop table main.customer_rfm; --"


def _rfm(build: Build) -> pd.DataFrame:
    return build.query("select * from main.customer_rfm order by customer_unique_id")


def test_a_data_folder_named_like_sql_is_only_a_path(
    sample_dir: Path, sample_build: Build, tmp_path: Path
) -> None:
    hostile = tmp_path / "o'live\"; drop table main.customer_rfm; --"
    shutil.copytree(sample_dir, hostile)
    # the warehouse folder too: the Parquet export pastes it into COPY ... TO
    warehouse = tmp_path / "w'h\"; drop table main.customers; --" / "olist.duckdb"
    first = build_or_fail(hostile, warehouse)
    pd.testing.assert_frame_equal(_rfm(first), _rfm(sample_build))
    parquet = warehouse.parent / "olist_parquet" / "customer_rfm.parquet"
    from_parquet = duckdb.execute(
        "select * from read_parquet($path) order by customer_unique_id",
        {"path": str(parquet)},
    ).df()
    pd.testing.assert_frame_equal(from_parquet, _rfm(sample_build), check_dtype=False)
    # a second build reads the raw files again in the model's fingerprint
    # check, with the same folder name
    again = build_or_fail(hostile, warehouse)
    assert "reusing model version 1" in again.output
    pd.testing.assert_frame_equal(_rfm(again), _rfm(sample_build))


def test_order_statuses_with_quotes_are_values(
    sample_dir: Path, sample_build: Build, tmp_path: Path
) -> None:
    statuses = ["canceled", "unavailable", PAYLOAD]
    result = run_dbt(
        ["build", "--select", "+customer_rfm", "--resource-type", "model"]
        + ["--resource-type", "seed"],
        sample_dir,
        tmp_path / "olist.duckdb",
        {"rfm_excluded_order_statuses": statuses},
        capture=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    # no order has that status, so the marts equal the default build's
    built = Build(sample_dir, tmp_path / "olist.duckdb", "")
    pd.testing.assert_frame_equal(_rfm(built), _rfm(sample_build))


def test_known_statuses_with_quotes_are_values(
    sample_dir: Path, input_checks: InputChecks
) -> None:
    # the content check pastes every known status into `not in (...)`
    statuses = ["approved", "canceled", "created", "delivered", "invoiced"]
    statuses += ["processing", "shipped", "unavailable", PAYLOAD]
    checked = input_checks.run(sample_dir, {"olist_order_statuses": statuses})
    assert checked.passed, checked.output[-3000:]
    assert "passed the file, header, value and 54 content checks" in checked.output


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("as_of_date", "2018-01-01'; drop table main.customer_rfm; --"),
        ("stability_start_dates", ["2017-06-05'::date; --"]),
        ("segment_model_version", "1; drop table main.customer_rfm"),
        ("lift_horizon_days", "90; drop table main.customer_rfm"),
        ("geography_reference_point", ["0); drop table main.customer_rfm; --", 1]),
        ("segment_fit_sample_size", "50000 --"),
        ("segment_fit_sample_seed", "0'; --"),
        ("rfm_excluded_order_statuses", [1, "canceled"]),
        ("olist_earliest_plausible_date", "2015-01-01'; drop table x; --"),
        ("olist_max_plausible_value", "1; drop table main.customer_rfm"),
        ("olist_order_statuses", "delivered'); --"),
    ],
)
def test_vars_that_are_not_values_stop_before_any_sql(
    sample_dir: Path, input_checks: InputChecks, var: str, value: object
) -> None:
    checked = input_checks.run(sample_dir, {var: value})
    output = checked.output
    assert not checked.passed
    assert f"var {var}" in output, output[-2000:]
    assert "Fix:" in output


def test_a_var_that_is_not_a_value_stops_the_build_before_any_sql(
    sample_build: Build, tmp_path: Path
) -> None:
    # end to end: `dbt run` through the project's runner, on a served file
    served = private_copy(sample_build, tmp_path / "served").warehouse
    before = served.read_bytes()
    var, value = "as_of_date", "2018-01-01'; drop table main.customer_rfm; --"
    result = run_dbt(
        ["run", "--select", "int_as_of_date"],
        sample_build.data_dir,
        served,
        {var: value},
        capture=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"var {var}" in output, output[-2000:]
    assert "Fix:" in output
    assert "START sql" not in output
    assert served.read_bytes() == before


def test_a_warehouse_name_that_would_be_sql_is_refused(
    sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the file name becomes dbt-duckdb's database name, pasted into SQL
    warehouse = tmp_path / "o'live; --.duckdb"
    code = cli.main(
        ["build", "--data-dir", str(sample_dir), "--warehouse", str(warehouse)]
    )
    err = capsys.readouterr().err
    assert code != 0
    assert "OLIST_DUCKDB_PATH" in err
    assert "o_live.duckdb" in err
    assert not warehouse.exists()
