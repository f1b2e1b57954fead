"""Campaign measurement end to end on the test sample (issue 22, item 3).

A list is exported with a control group from the build as of 2018-03-01
(`early_build`), an effect of known size is planted in a copy of the
sample by the generator, and `olist-seg results` must find it; on the
sample as generated (nobody was contacted) it must find nothing. Every bad
input stops with its message, and nothing is written.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from olist_segmentation import campaign, campaign_data, export
from olist_segmentation.generate import generate
from olist_segmentation.generator.campaign_effect import (
    PLANTED_EFFECT_FILE,
    plant_campaign_effect,
)

from helpers.builds import EARLY, Build
from helpers.input_checks import InputChecks

#: The effect planted: +10 percentage points of conversion among the
#: contacted customers. With about 1,490 contacted and 180 control customers
#: and a base conversion near 2%, the interval is about +-3 points wide.
UPLIFT = 0.10
HORIZON = 90


def _olist_seg(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "olist_segmentation.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def _ids(path: Path) -> list[str]:
    return pd.read_csv(path, dtype=str)["customer_unique_id"].tolist()


@pytest.fixture(scope="module")
def campaign_list(early_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A list of everyone as of EARLY, 10% held out (`olist-seg export`)."""
    out = tmp_path_factory.mktemp("campaign") / "all"
    result = _olist_seg("export", "--warehouse", early_build.warehouse, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def _results(folder: Path, *later: str | Path) -> subprocess.CompletedProcess[str]:
    return _olist_seg("results", folder, *later, "--horizon-days", HORIZON)


def _independent_groups(folder: Path, data: Path) -> dict[str, tuple[int, int, float]]:
    """Customers, buyers and revenue per group, from the raw CSVs with pandas."""
    orders = pd.read_csv(data / "olist_orders_dataset.csv", dtype=str)
    customers = pd.read_csv(data / "olist_customers_dataset.csv", dtype=str)
    payments = pd.read_csv(data / "olist_order_payments_dataset.csv", dtype=str)
    paid = payments.assign(value=payments["payment_value"].astype(float))
    orders = orders.merge(customers, on="customer_id").merge(
        paid.groupby("order_id", as_index=False)["value"].sum(),
        on="order_id",
        how="left",
    )
    day = orders["order_purchase_timestamp"].str[:10]
    window = orders[
        (day >= EARLY)
        & (day < "2018-05-30")
        & ~orders["order_status"].isin(["canceled", "unavailable"])
    ]
    revenue = window.groupby("customer_unique_id")["value"].sum()
    found = {}
    for group, file in (("contacted", "customers.csv"), ("control", "control.csv")):
        ids = _ids(folder / file)
        bought = revenue.reindex(ids).dropna()
        found[group] = (len(ids), len(bought), round(float(bought.sum()), 2))
    return found


def test_export_holds_out_a_seeded_control_group(
    early_build: Build, campaign_list: Path, tmp_path: Path
) -> None:
    everyone = export.export_customers(tmp_path / "everyone", early_build.warehouse)
    listed = _ids(tmp_path / "everyone" / "customers.csv")
    contacted = _ids(campaign_list / "customers.csv")
    control = pd.read_csv(campaign_list / "control.csv", dtype=str)
    # the two files split the list; the contact order is kept
    assert sorted(contacted + control["customer_unique_id"].tolist()) == sorted(listed)
    assert contacted == [
        i for i in listed if i not in set(control["customer_unique_id"])
    ]
    assert len(control) == pytest.approx(0.10 * everyone.rows, abs=3 * 12)
    assert set(control["holdout_reason"]) == {"held out: control group, do not contact"}
    expected = [campaign.control_draw(i, 0) < 0.10 for i in listed]
    assert [i for i, held in zip(listed, expected, strict=True) if held] == sorted(
        control["customer_unique_id"], key=listed.index
    )
    manifest = json.loads((campaign_list / "export.json").read_text())
    assert manifest["control_share"] == 0.10 and manifest["control_seed"] == 0
    assert manifest["as_of_date"] == EARLY
    assert manifest["groups"] == {"contacted": len(contacted), "control": len(control)}
    assert manifest["customers"] == len(contacted)
    truth = early_build.query(
        "select count(distinct order_id) as orders, max(purchase_date)::varchar as d "
        "from intermediate.int_orders_enriched "
        f"where is_qualifying and purchase_date < '{EARLY}'"
    ).iloc[0]
    assert manifest["source"]["qualifying_orders"] == truth["orders"]
    assert manifest["source"]["latest_purchase_date"] == truth["d"]
    # the same list and seed give the same groups; another seed other groups
    again = export.export_customers(
        tmp_path / "again", early_build.warehouse, control_share=0.10
    )
    assert (
        _ids(tmp_path / "again" / "control.csv")
        == control["customer_unique_id"].tolist()
    )
    other = export.export_customers(
        tmp_path / "other", early_build.warehouse, control_share=0.10, control_seed=7
    )
    assert _ids(tmp_path / "other" / "control.csv") != _ids(
        tmp_path / "again" / "control.csv"
    )
    assert again.control_rows == len(control) and other.control_rows > 0
    # share 0: no control file, and the command says so
    none = _olist_seg(
        "export",
        "--warehouse",
        early_build.warehouse,
        "--out",
        tmp_path / "none",
        "--control-share",
        "0",
    )
    assert none.returncode == 0, none.stderr
    assert "No control group (--control-share 0)" in none.stdout
    assert not (tmp_path / "none" / "control.csv").exists()


def test_results_find_the_planted_effect(
    campaign_list: Path, sample_dir: Path, input_checks: InputChecks, tmp_path: Path
) -> None:
    folder = tmp_path / "list"
    shutil.copytree(campaign_list, folder)
    planted = tmp_path / "planted"
    made = _olist_seg(
        "generate",
        "--plant-effect",
        folder,
        "--from",
        sample_dir,
        "--uplift",
        UPLIFT,
        "--seed",
        0,
        "--out",
        planted,
    )
    assert made.returncode == 0, made.stderr
    effect = json.loads((planted / PLANTED_EFFECT_FILE).read_text())
    # the planted copy is valid input, and only adds orders after the as-of date
    checked = input_checks.run(planted)
    assert checked.passed, checked.output[-3000:]
    result = _results(folder, "--data-dir", planted)
    assert result.returncode == 0, result.stderr
    found = json.loads((folder / "results.json").read_text())
    conversion = found["difference_contacted_minus_control"]["conversion"]
    revenue = found["difference_contacted_minus_control"]["revenue_per_customer"]
    print(
        f"planted: +{UPLIFT:.0%} chance of an extra order -> "
        f"{effect['conversion_points']:+.4f} conversion, "
        f"R$ {effect['revenue_per_contacted']:+.2f} per contacted customer; "
        f"found: {conversion['estimate']:+.4f} ({conversion['low']:+.4f} to "
        f"{conversion['high']:+.4f}), R$ {revenue['estimate']:+.2f} "
        f"({revenue['low']:+.2f} to {revenue['high']:+.2f})"
    )
    # the planted effect is inside the interval, and 0 is not
    assert conversion["low"] <= effect["conversion_points"] <= conversion["high"]
    assert conversion["low"] > 0 and conversion["significant"]
    assert revenue["low"] <= effect["revenue_per_contacted"] <= revenue["high"]
    assert "significant: contacted customers have higher conversion" in result.stdout
    # the groups' numbers equal an independent count from the raw CSVs
    for group, (customers, buyers, money) in _independent_groups(
        folder, planted
    ).items():
        measured = found["groups"][group]
        assert (measured["customers"], measured["buyers"]) == (customers, buyers)
        assert measured["revenue"] == pytest.approx(money, abs=0.01)
    assert (
        found["groups"]["control"]["buyers"]
        == _independent_groups(folder, sample_dir)["control"][1]
    )  # the control group was not touched
    assert (folder / "results.md").read_text().startswith("# Did the campaign work?")
    # the same list, uplift and seed plant the same files
    again = plant_campaign_effect(sample_dir, folder, tmp_path / "again", UPLIFT, 0)
    assert (again.planted_orders, again.new_buyers, again.planted_revenue) == (
        effect["planted_orders"],
        effect["new_buyers"],
        effect["planted_revenue"],
    )
    for name in ("olist_orders_dataset.csv", "olist_order_items_dataset.csv"):
        assert (planted / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_results_without_an_effect_cover_zero(
    campaign_list: Path, sample_dir: Path, sample_build: Build, tmp_path: Path
) -> None:
    folder = tmp_path / "list"
    shutil.copytree(campaign_list, folder)
    by_folder = _results(folder, "--data-dir", sample_dir)
    assert by_folder.returncode == 0, by_folder.stderr
    found = json.loads((folder / "results.json").read_text())
    for interval in found["difference_contacted_minus_control"].values():
        assert interval["low"] <= 0 <= interval["high"] and not interval["significant"]
    assert by_folder.stdout.count("not significant: the interval covers 0") == 2
    assert (
        "Not significant: the interval covers 0" in (folder / "results.md").read_text()
    )
    # a later warehouse built from the same data gives the same numbers
    by_warehouse = _results(folder, "--warehouse", sample_build.warehouse)
    assert by_warehouse.returncode == 0, by_warehouse.stderr
    again = json.loads((folder / "results.json").read_text())
    assert again["groups"] == found["groups"]
    assert again["later_data"]["warehouse"] == str(sample_build.warehouse.resolve())


def _no_control(folder: Path, early_build: Build, sample_dir: Path) -> list[str | Path]:
    shutil.rmtree(folder)
    export.export_customers(folder, early_build.warehouse, control_share=0)
    return ["--data-dir", sample_dir]


def _no_manifest(
    folder: Path, early_build: Build, sample_dir: Path
) -> list[str | Path]:
    (folder / "export.json").unlink()
    return ["--data-dir", sample_dir]


def _bad_manifest(
    folder: Path, early_build: Build, sample_dir: Path
) -> list[str | Path]:
    (folder / "export.json").write_text("{not json", encoding="utf-8")
    return ["--data-dir", sample_dir]


def _other_data(folder: Path, early_build: Build, sample_dir: Path) -> list[str | Path]:
    other = folder.parent / "other-shop"
    generate(other, n_orders=3000, seed=8)
    return ["--data-dir", other]


def _customers_missing(
    folder: Path, early_build: Build, sample_dir: Path
) -> list[str | Path]:
    """The same orders, but one listed person's id is not in the data."""
    data = folder.parent / "rekeyed"
    shutil.copytree(sample_dir, data)
    person = _ids(folder / "control.csv")[0]
    path = data / "olist_customers_dataset.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [[("f" * 32 if cell == person else cell) for cell in row] for row in rows]
        )
    return ["--data-dir", data]


def _horizon_not_elapsed(
    folder: Path, early_build: Build, sample_dir: Path
) -> list[str | Path]:
    data = folder.parent / "early-data"
    shutil.copytree(sample_dir, data)
    path = data / "olist_orders_dataset.csv"
    orders = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(orders[:1] + [o for o in orders[1:] if o.split(",")[3] < "2018-04-15"]),
        encoding="utf-8",
    )
    return ["--data-dir", data]


BAD_INPUT = {
    "no control group": (_no_control, ["has no control group", "--control-share 0"]),
    "missing manifest": (_no_manifest, ["export.json: missing", "Fix:"]),
    "unreadable manifest": (_bad_manifest, ["export.json: unreadable", "Fix:"]),
    "another shop's data": (
        _other_data,
        ["is not a continuation", "qualifying_orders ", "in the list's data", "Fix:"],
    ),
    "customers not in the data": (
        _customers_missing,
        ["1 of the", "have no order before 2018-03-01", "Fix:"],
    ),
    "horizon not elapsed": (
        _horizon_not_elapsed,
        ["90-day horizon after 2018-03-01 has not elapsed", "2018-05-30", "Fix:"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_named_and_nothing_is_written(
    case: str,
    campaign_list: Path,
    early_build: Build,
    sample_dir: Path,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "list"
    shutil.copytree(campaign_list, folder)
    make, messages = BAD_INPUT[case]
    later = make(folder, early_build, sample_dir)
    before = sorted(p.name for p in folder.iterdir())
    result = _results(folder, *later)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not (folder / "results.json").exists()


def test_the_fingerprint_reads_the_csvs_as_the_build_does(
    campaign_list: Path, sample_dir: Path
) -> None:
    """The manifest's fingerprint (from the warehouse) equals the one read from
    the CSVs: the same orders, statuses and payments are counted."""
    listed = campaign.read_list(campaign_list)
    later = campaign_data.read_later_orders(data_dir=sample_dir)
    try:
        found = campaign_data.check_continuation(listed, later)
    finally:
        later.con.close()
    assert found.as_dict() == {k: listed.manifest["source"][k] for k in found.as_dict()}
