"""A build that reuses the frozen models skips work that only re-proves
unchanged inputs or feeds a fit, and says so.

Input checks skip files that passed and have not changed since; a file
changed after it passed is read and checked again. The purchase model's
training set is not built when a fitted version is reused.

The proof is ``intermediate.olist_input_checks`` (macros/
validate_olist_sources.sql): one row per CSV file with its fingerprint
(path, size, modification time, check rules) and when it passed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from helpers.builds import Build, olist_seg_build, private_copy

PROOF = "intermediate.olist_input_checks"
ORDERS = "olist_orders_dataset.csv"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _proof(build: Build) -> pd.DataFrame:
    return build.query(f"select * from {PROOF} order by file_name")


def test_unchanged_files_are_not_read_again_and_the_summary_says_so(
    sample_build: Build, tmp_path: Path
) -> None:
    first = _proof(sample_build)
    assert len(first) == 9
    # the shared build's `dbt build` read and checked every file; its
    # monitoring build (`make drift`) then found them unchanged
    assert "9 CSV files in" in sample_build.output
    assert "passed the file, header, value" in sample_build.output
    assert "are unchanged since they passed the checks" in sample_build.output

    served = private_copy(sample_build, tmp_path / "served")
    result = olist_seg_build(sample_build.data_dir, served.warehouse)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    again = _proof(served)
    assert set(again["this_build"]) == {"unchanged"}
    # the proof keeps when the files passed, not when they were skipped
    assert list(again["passed_at"]) == list(first["passed_at"])
    assert list(again["fingerprint"]) == list(first["fingerprint"])
    assert "are unchanged since they passed the checks" in output
    assert "passed the file, header, value" not in output
    assert (
        "Input checks: 9 unchanged CSV files not read again (same size, "
        "modification time and check rules as when they passed on "
    ) in output
    assert "olist-seg build --recheck-inputs" in output
    # the purchase model is reused: its training set was not built
    assert "Not built: the purchase model's training set" in output
    assert "int_prediction_training_features" not in output.split("Input checks:")[0]
    assert "OK created sql table model main.customer_segments" in output


def test_a_file_changed_after_it_passed_is_checked_again(
    sample_build: Build, sample_copy: Path, tmp_path: Path
) -> None:
    served = private_copy(sample_build, tmp_path / "served")
    # the copy's files are byte-identical with the same sizes and times
    # (copytree keeps them): point the proof at the copy, as if these files
    # had passed the checks in this folder
    old, new = str(sample_build.data_dir), str(sample_copy)
    con = duckdb.connect(str(served.warehouse))
    try:
        con.execute(
            f"update {PROOF} set file_path = replace(file_path, ?, ?), "
            "fingerprint = replace(fingerprint, ?, ?)",
            [old, new, old, new],
        )
    finally:
        con.close()
    before = _sha256(served.warehouse)
    # one bad value in one file, written after the files passed
    orders = sample_copy / ORDERS
    frame = pd.read_csv(orders, dtype=str, keep_default_na=False)
    frame.loc[3, "order_purchase_timestamp"] = "yesterday"
    frame.to_csv(orders, index=False)

    result = olist_seg_build(sample_copy, served.warehouse)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert (
        f"{ORDERS}, column order_purchase_timestamp: 1 value(s) are not TIMESTAMP"
    ) in output
    assert "'yesterday'" in output
    # nothing served changed, the proof included
    assert _sha256(served.warehouse) == before
