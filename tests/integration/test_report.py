"""The marketing report: built from a real dbt build, opened in real Chromium.

Chromium is required, not optional: without it these tests fail and say to
run `make chromium` (`make test` runs it first).
"""

from __future__ import annotations

import html
import re
import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from olist_segmentation import chromium, report
from olist_segmentation.chromium import PageReport

from helpers.builds import STABILITY_VARS


class Elements(HTMLParser):
    """Every start tag of a document with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [a for _, a in self.tags if name in a.get("class", "").split()]

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    try:
        return chromium.find_chromium()
    except chromium.ChromiumError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def report_html(sample_build, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "segments.html"
    return report.build_report(sample_build.warehouse, out)


@pytest.fixture(scope="module")
def page(report_html, chromium_binary) -> PageReport:
    return report.check_report(report_html)


@pytest.fixture(scope="module")
def dom(page) -> Elements:
    return Elements(page.dom)


def test_report_renders_in_chromium_without_errors(page):
    assert page.errors == [], page.errors
    assert page.rendered == "ok"
    assert page.ok


def test_report_is_self_contained(report_html):
    text = report_html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"<link\b|@import|url\(|\bsrc=", text, re.IGNORECASE)
    assert not re.search(r"href=[\"']?(https?:)?//", text, re.IGNORECASE)


def test_header_shows_the_chosen_model(sample_build, page):
    chosen = sample_build.query(
        "select algorithm, n_segments from main.segment_model_selection "
        "where is_chosen and model_version = "
        "(select max(model_version) from main.segment_profiles)"
    )
    assert len(chosen) == 1
    customers = sample_build.query(
        "select count(*) as n from main.customer_segments where model_version = "
        "(select max(model_version) from main.segment_profiles)"
    )["n"][0]
    header = page.dom.split("</header>")[0]
    algorithm = chosen["algorithm"][0]
    assert report.ALGORITHMS.get(algorithm, algorithm) in header
    assert f"with {int(chosen['n_segments'][0])} segments" in header
    assert f"{int(customers):,}" in header


def test_heatmap_has_one_cell_per_segment_and_feature(sample_build, dom):
    profiles = sample_build.query("select * from main.segment_profiles")
    model = sample_build.query(
        "select feature from main.segment_model_transforms order by feature_position"
    )["feature"]
    features = report.profile_features(profiles.columns, model)
    # the model's features only, in its order, though profiles has more
    assert features == list(model)
    assert len(profiles.filter(like="mean_").columns) > len(features)
    assert "frequency" in features and "monetary" in features
    assert "recency_days" not in features  # recency is the RFM segments' R
    assert "distance_to_centre" not in features
    assert all(f"median_{f}" in profiles.columns for f in features)
    cells = dom.with_class("heat-cell")
    assert len(cells) == len(profiles) * len(features)
    assert {(c["data-segment"], c["data-feature"]) for c in cells} == {
        (name, feature) for name in profiles["segment_name"] for feature in features
    }


def test_one_card_per_segment(sample_build, dom, report_html):
    n_segments = sample_build.query("select count(*) as n from main.segment_profiles")
    assert len(dom.with_class("segment-card")) == n_segments["n"][0]
    # each card shows the served definition; the report says what the
    # clustering found and how well the rules agree with it
    assert len(dom.with_class("definition")) == n_segments["n"][0]
    html = report_html.read_text()
    # the cards follow the order the rules are tried: everyone else last
    positions = []
    for definition in sample_build.query(
        "select definition from main.segment_definitions order by rule_order"
    )["definition"]:
        code = f"<code>{definition.replace('>', '&gt;').replace('<', '&lt;')}</code>"
        assert code in html
        positions.append(html.index(code))
    assert positions == sorted(positions)
    assert 'id="what-the-clustering-found"' in html
    chosen = sample_build.query(
        "select rule_agreement from main.segment_model_selection where is_chosen"
    )["rule_agreement"][0]
    assert f"rules put {chosen:.1%} of customers in their own cluster" in html


def test_charts_are_drawn(sample_build, dom):
    n_segments = int(
        sample_build.query("select count(*) as n from main.segment_profiles")["n"][0]
    )
    # The size chart (server-side SVG) and the snake plot (drawn by the script).
    assert dom.count("svg") >= 2
    assert len(dom.with_class("bar-customers")) == n_segments
    assert len(dom.with_class("bar-revenue")) == n_segments
    assert len(dom.with_class("snake-line")) == n_segments
    assert len(dom.with_class("rfm-cell")) == 25


def test_lift_table_matches_segment_lift(sample_build, dom):
    lift = sample_build.query(
        "select segmentation, segment_name from main.segment_lift"
    )
    rows = dom.with_class("lift-row")
    if lift.empty:
        assert rows == []
        assert any(a.get("id") == "lift-unavailable" for _, a in dom.tags)
        return
    assert sorted((r["data-segmentation"], r["data-segment"]) for r in rows) == sorted(
        zip(lift["segmentation"], lift["segment_name"], strict=True)
    )


def test_model_selection_table_lists_every_candidate(sample_build, dom):
    candidates = sample_build.query(
        "select count(*) as n, count(*) filter (where is_chosen) as chosen "
        "from main.segment_model_selection where model_version = "
        "(select max(model_version) from main.segment_profiles)"
    )
    assert len(dom.with_class("candidate")) == candidates["n"][0]
    assert len(dom.with_class("chosen")) == candidates["chosen"][0] == 1


def test_same_warehouse_gives_byte_identical_report(sample_build, tmp_path):
    first = report.build_report(sample_build.warehouse, tmp_path / "a.html")
    second = report.build_report(sample_build.warehouse, tmp_path / "b.html")
    assert first.read_bytes() == second.read_bytes()


def test_text_from_the_warehouse_is_escaped(sample_build):
    data = report.load_report_data(sample_build.warehouse)
    data.profiles.loc[data.profiles.index[0], "segment_name"] = "<b>A&B</b>"
    data.profiles.loc[data.profiles.index[0], "description"] = '"x" <script>'
    text = report.render_html(data)
    assert "<b>A&B</b>" not in text
    assert '"x" <script>' not in text
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in text
    assert "&quot;x&quot; &lt;script&gt;" in text


def test_missing_segment_table_names_it(sample_build, tmp_path):
    warehouse = tmp_path / "olist.duckdb"
    shutil.copy(sample_build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'main' and table_name = 'segment_profiles'"
    ).fetchall()[0][0]
    con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} main.segment_profiles")
    con.close()
    with pytest.raises(report.ReportError, match=r"main\.segment_profiles.*make run"):
        report.build_report(warehouse, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_missing_warehouse_says_to_build(tmp_path):
    with pytest.raises(report.ReportError, match="make run"):
        report.build_report(tmp_path / "none.duckdb", tmp_path / "r.html")


BROKEN_PAGE = """<!DOCTYPE html><html><body><p>broken on purpose</p>
<img alt="" src="https://example.invalid/pixel.png">
<script>console.log("just a log"); console.error("deliberate console error");</script>
<script>Promise.reject(new Error("deliberate rejection"));</script>
<script>throw new Error("deliberate uncaught error");</script>
<script>document.body.dataset.rendered = "ok";</script>
</body></html>
"""

CLEAN_PAGE = """<!DOCTYPE html><html><body><p>fine</p>
<script>console.log("a log is not an error");
document.body.dataset.rendered = "ok";</script></body></html>
"""


def test_detector_catches_errors_of_a_broken_page(tmp_path, chromium_binary):
    broken = tmp_path / "broken.html"
    broken.write_text(BROKEN_PAGE, encoding="utf-8")
    seen = chromium.inspect_page(broken)
    assert not seen.ok
    text = "\n".join(seen.errors)
    assert "console.error: deliberate console error" in text
    assert "exception: Error: deliberate uncaught error" in text
    assert "exception: Error: deliberate rejection" in text
    assert "external request: https://example.invalid/pixel.png" in text
    assert "just a log" not in text


def test_detector_passes_a_clean_page(tmp_path, chromium_binary):
    clean = tmp_path / "clean.html"
    clean.write_text(CLEAN_PAGE, encoding="utf-8")
    seen = chromium.inspect_page(clean)
    assert seen.errors == []
    assert seen.console == ["log: a log is not an error"]
    assert seen.ok


def test_detector_needs_the_rendered_marker(tmp_path, chromium_binary):
    silent = tmp_path / "silent.html"
    silent.write_text("<!DOCTYPE html><html><body>no script</body></html>")
    seen = chromium.inspect_page(silent)
    assert seen.errors == [] and seen.rendered is None and not seen.ok


def test_screenshot_is_a_full_page_png(report_html, page, tmp_path):
    png = report.screenshot(report_html, tmp_path / "segments.png")
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width == 1280
    # the whole page: page.height rounds a fractional height up, the
    # screenshot's full-page height rounds it down
    assert height >= page.height - 1 and page.height > 1000


def test_missing_chromium_says_to_run_make_chromium(monkeypatch):
    monkeypatch.setenv("OLIST_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(chromium.ChromiumError, match="make chromium"):
        chromium.find_chromium()
    monkeypatch.delenv("OLIST_CHROMIUM")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(chromium.ChromiumError, match=r"run `make chromium`"):
        chromium.find_chromium()


# ----------------------------------------------------- refresh interval, drift


@pytest.fixture(scope="module")
def stability_html(stability_build, tmp_path_factory) -> str:
    """The report of conftest's `stability_build` (simulation, refit due)."""
    out = tmp_path_factory.mktemp("stability_report") / "segments.html"
    report.build_report(stability_build.build.warehouse, out)
    return out.read_text(encoding="utf-8")


def _element_text(text: str, element_id: str) -> str:
    """The text of the element with id ``element_id`` (tags removed)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', text, re.S)
    assert match, f"no element #{element_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(2)))


def test_refresh_section_without_simulation_says_make_stability(
    sample_build, report_html, dom
):
    present = sample_build.query(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' and table_name like 'stability_%'"
    )
    assert present.empty  # a plain `dbt build` leaves the simulation out
    text = report_html.read_text(encoding="utf-8")
    assert '<section id="refresh">' in text
    assert "make stability" in _element_text(text, "stability-unavailable")
    assert dom.with_class("ari-line") == []
    assert not any(a.get("id") == "refresh-headline" for _, a in dom.tags)
    # The production drift check is there all the same.
    check = sample_build.query("select * from main.segment_refit_check")
    assert len(check) == 1
    verdict = [a for _, a in dom.tags if a.get("id") == "refit-verdict"]
    assert len(verdict) == 1
    due = bool(check["is_refit_due"][0])
    assert verdict[0]["data-refit-due"] == ("true" if due else "false")
    assert ("due" if due else "ok") in verdict[0]["class"].split()
    assert check["verdict"][0] in _element_text(text, "refit-verdict")
    drift = sample_build.query("select feature from main.segment_drift")
    rows = dom.with_class("drift-row")
    assert sorted(r["data-feature"] for r in rows) == sorted(drift["feature"])


def test_refresh_headline_is_the_recommendation(stability_build, stability_html):
    rows = stability_build.build.query(
        "select * replace (cast(cast(limiting_start_date as date) as varchar) "
        "as limiting_start_date) from main.stability_recommendation "
        "where is_default_threshold and population = 'all_customers'"
    )
    assert len(rows) == 1
    recommendation = rows.to_dict("records")[0]
    weeks = int(recommendation["recommended_interval_weeks"])
    headline = _element_text(stability_html, "refresh-headline")
    assert headline == report.refresh_headline(recommendation)
    assert f'id="refresh-headline" data-weeks="{weeks}"' in stability_html
    if weeks == 0:
        assert "after one week" in headline
    else:
        assert f"every {weeks} week" in headline
        assert f"{int(recommendation['start_dates'])} start dates" in headline
        assert ("at least" in headline) == bool(recommendation["is_lower_bound"])
    assert "stability-unavailable" not in stability_html


def test_ari_chart_has_one_line_per_start_date(stability_build, stability_html):
    ari = stability_build.build.query(
        "select cast(cast(start_date as date) as varchar) as start_date, "
        "count(*) as points from main.stability_ari "
        "where population = 'all_customers' group by all"
    )
    dom = Elements(stability_html)
    lines = dom.with_class("ari-line")
    assert {line["data-start-date"]: len(line["points"].split()) for line in lines} == {
        start: int(n) for start, n in zip(ari["start_date"], ari["points"], strict=True)
    }
    assert len(dom.with_class("ari-legend-item")) == len(ari)
    assert len(dom.with_class("ari-threshold")) == 1
    chart = [a for t, a in dom.tags if t == "svg" and a.get("id") == "ari-chart"]
    assert chart and chart[0]["role"] == "img" and chart[0]["aria-label"]


def test_sensitivity_and_simulated_drift_match_the_warehouse(
    stability_build, stability_html
):
    dom = Elements(stability_html)
    recommendation = stability_build.build.query(
        "select ari_threshold, recommended_interval_weeks "
        "from main.stability_recommendation where population = 'all_customers'"
    )
    rows = dom.with_class("sensitivity-row")
    assert sorted((float(r["data-threshold"]), int(r["data-weeks"])) for r in rows) == (
        sorted(
            zip(
                recommendation["ari_threshold"].astype(float),
                recommendation["recommended_interval_weeks"].astype(int),
                strict=True,
            )
        )
    )
    drift = stability_build.build.query(
        "select feature, horizon_weeks, max(psi) as psi from main.stability_drift "
        "group by all"
    )
    horizons = report.drift_table_horizons(drift["horizon_weeks"])
    longest = STABILITY_VARS["stability_horizon_weeks"]
    assert horizons[-1] == int(drift["horizon_weeks"].max()) == longest
    assert set(horizons[:-1]) <= set(report.DRIFT_HORIZONS)
    assert stability_html.count("<th>PSI after ") == len(horizons)
    features = {r["data-feature"] for r in dom.with_class("sim-drift-row")}
    assert features == set(drift["feature"])
    for feature, psi in drift.loc[
        drift["horizon_weeks"] == horizons[-1], ["feature", "psi"]
    ].itertuples(index=False):
        cell = re.search(
            rf'data-feature="{feature}">.*?data-horizon="{horizons[-1]}" '
            r'data-v="([0-9.]+)"',
            stability_html,
        )
        assert cell and float(cell.group(1)) == pytest.approx(psi, abs=1e-6)


def test_refit_check_of_an_aged_model_says_refit_due(stability_build, stability_html):
    check = stability_build.build.query("select * from main.segment_refit_check")
    assert len(check) == 1 and bool(check["is_refit_due"][0])
    dom = Elements(stability_html)
    verdict = [a for _, a in dom.tags if a.get("id") == "refit-verdict"][0]
    assert verdict["data-refit-due"] == "true"
    assert "due" in verdict["class"].split()
    text = _element_text(stability_html, "refit-verdict")
    assert text.startswith("Refit due")
    assert check["verdict"][0] in text
    drifted = [f for f in check["drifted_features"][0].split(", ") if f]
    assert sorted(r["data-feature"] for r in dom.with_class("drifted")) == sorted(
        drifted
    )


def test_refresh_section_renders_in_chromium(stability_html, tmp_path, chromium_binary):
    page_file = tmp_path / "segments.html"
    page_file.write_text(stability_html, encoding="utf-8")
    seen = report.check_report(page_file)
    assert seen.errors == [], seen.errors
    assert seen.ok
    assert len(Elements(seen.dom).with_class("ari-line")) >= 1


def test_refit_due_is_highlighted_and_text_escaped(sample_build):
    data = report.load_report_data(sample_build.warehouse)
    assert data.refresh.refit_check is not None
    data.refresh.refit_check = data.refresh.refit_check | {
        "is_refit_due": True,
        "verdict": "refit due: <b>x</b> & y",
    }
    text = report.render_html(data)
    dom = Elements(text)
    verdict = [a for _, a in dom.tags if a.get("id") == "refit-verdict"][0]
    assert verdict["data-refit-due"] == "true"
    assert "due" in verdict["class"].split()
    assert "<b>x</b>" not in text
    assert "refit due: &lt;b&gt;x&lt;/b&gt; &amp; y" in text


# ------------------------------------- trust line, banner, whom to contact first

PREDICTION_TABLES = (
    "customer_predictions",
    "prediction_backtest",
    "prediction_backtest_deciles",
)
CURRENT_VERSION = "(select max(model_version) from main.segment_profiles)"


def _with_predictions(sample_build, folder: Path, shift_days: int = 0) -> Path:
    """A copy of `sample_build` with made-up value predictions and backtest.

    The predictions are of the segments' as-of date plus ``shift_days``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "olist.duckdb"
    shutil.copy(sample_build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    for name, kind in con.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'main' and table_name in (?, ?, ?)",
        list(PREDICTION_TABLES),
    ).fetchall():
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} main.{name}")
    con.execute(
        "create table main.customer_predictions as "
        "with s as (select customer_unique_id, cast(as_of_date as date) as d, "
        "(hash(customer_unique_id) % 1000) / 1000.0 as u from main.customer_segments "
        f"where model_version = {CURRENT_VERSION}), "
        "r as (select *, row_number() over (order by u desc, customer_unique_id) "
        "as value_rank, count(*) over () as n from s) "
        f"select customer_unique_id, d + {int(shift_days)} as as_of_date, "
        "90 as horizon_days, 1 as prediction_model_version, "
        "'bgnbd_gamma_gamma' as method, 0.3 + 0.6 * u as probability_alive, "
        "0.05 + 0.5 * u as purchase_probability, 0.1 + u as expected_purchases, "
        "100 + 50 * u as expected_order_value, "
        "(0.1 + u) * (100 + 50 * u) as expected_revenue, value_rank, "
        "case when value_rank <= n * 0.1 then 'high' when value_rank <= n * 0.4 "
        "then 'medium' else 'low' end as value_tier from r"
    )
    con.execute(
        "create table main.prediction_backtest as "
        "select cast(c as date) as cut_date, 90 as horizon_days, m as method, "
        "m = 'bgnbd_gamma_gamma' as is_production_method, 1000 as customers, "
        "60 as buyers, 0.06 as base_rate, l as top_decile_lift, "
        "0.3 as top_decile_revenue_share, 0.7 as auc, 2.0 as target_top_decile_lift, "
        "0.25 as target_revenue_share, 0.65 as target_auc, l >= 2.0 as meets_targets "
        "from (values ('2017-09-04', 'bgnbd_gamma_gamma', 2.5), "
        "('2017-09-04', 'rfm_heuristic', 1.5), "
        "('2018-03-05', 'bgnbd_gamma_gamma', 2.2), "
        "('2018-03-05', 'rfm_heuristic', 1.8)) t(c, m, l)"
    )
    con.execute(
        "create table main.prediction_backtest_deciles as "
        "select b.cut_date, b.method, d.decile, 100 as customers, "
        "20.0 / d.decile as predicted_buyers, 22 - 2 * d.decile as observed_buyers, "
        "1000.0 / d.decile as observed_revenue from main.prediction_backtest b, "
        "(select range as decile from range(1, 11)) d"
    )
    con.close()
    return warehouse


@pytest.fixture(scope="module")
def predictions_build(sample_build, tmp_path_factory):
    """(warehouse with predictions, its report's HTML)."""
    folder = tmp_path_factory.mktemp("predictions")
    warehouse = _with_predictions(sample_build, folder)
    out = report.build_report(warehouse, folder / "segments.html")
    return warehouse, out


def _query(warehouse: Path, sql: str):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_trust_line_names_the_model_data_and_refit(sample_build, report_html):
    text = report_html.read_text(encoding="utf-8")
    dom = Elements(text)
    line = [a for _, a in dom.tags if a.get("id") == "trust-line"]
    assert len(line) == 1
    version = sample_build.query(f"select {CURRENT_VERSION} as v")["v"][0]
    check = sample_build.query(
        "select model_version, cast(cast(as_of_date as date) as varchar) as d, "
        "is_refit_due, cast(cast(trained_as_of_date as date) as varchar) as t "
        "from main.segment_refit_check"
    )
    assert int(line[0]["data-model-version"]) == int(version)
    assert line[0]["data-as-of"] == check["d"][0]
    due = bool(check["is_refit_due"][0])
    assert line[0]["data-refit-due"] == ("true" if due else "false")
    words = _element_text(text, "trust-line")
    assert f"trained on the data as of {check['t'][0]}" in words
    assert "valid until" in words
    assert ("Refit due." if due else "No refit due.") in words
    # the banner is there exactly when something does not fit
    assert ('id="trust-banner"' in text) == due
    # the page's order: trust line, sizes, cards, contact, RFM, moves, exports,
    # then the appendix
    order = [
        "trust-line",
        "sizes-section",
        "segments",
        "contact",
        "rfm",
        "moves",
        "exports",
        "appendix",
        "model-selection",
        "lift",
        "prediction-backtest",
        "refresh",
    ]
    positions = [text.index(f'id="{name}"') for name in order]
    assert positions == sorted(positions)


def test_without_predictions_the_contact_section_says_make_run(sample_build, tmp_path):
    warehouse = tmp_path / "olist.duckdb"
    shutil.copy(sample_build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    for name in PREDICTION_TABLES:
        con.execute(f"drop table if exists main.{name}")
        con.execute(f"drop view if exists main.{name}")
    con.close()
    text = report.build_report(warehouse, tmp_path / "r.html").read_text()
    assert "make run" in _element_text(text, "contact-unavailable")
    assert "top-customer" not in text and "tier-row" not in text


def _assert_contact_section_matches(warehouse: Path, dom: Elements) -> None:
    """Tiers, the segment x tier grid and the top 20 equal the warehouse's."""
    tiers = _query(
        warehouse,
        "select value_tier, count(*) as n, sum(expected_revenue) as revenue "
        "from main.customer_predictions group by all",
    )
    rows = {r["data-tier"]: r for r in dom.with_class("tier-row")}
    assert set(rows) == set(tiers["value_tier"])
    for tier, n, revenue in tiers.itertuples(index=False):
        assert int(rows[tier]["data-customers"]) == n
        assert float(rows[tier]["data-revenue"]) == pytest.approx(revenue, abs=0.01)
    cells = _query(
        warehouse,
        "select s.segment_name, p.value_tier, count(*) as n "
        "from main.customer_predictions p join main.customer_segments s "
        f"using (customer_unique_id) where s.model_version = {CURRENT_VERSION} "
        "group by all",
    )
    shown = {
        (c["data-segment"], c["data-tier"]): int(c["data-customers"])
        for c in dom.with_class("segment-tier-cell")
    }
    expected = {(s, t): int(n) for s, t, n in cells.itertuples(index=False)}
    assert {k: v for k, v in shown.items() if v} == expected
    # the contact list: the most valuable customers who may get a sales
    # message (customer_next_best_action), in value order
    top = _query(
        warehouse,
        "select p.customer_unique_id, p.value_rank "
        "from main.customer_predictions p "
        "join main.customer_next_best_action a using (customer_unique_id) "
        "where a.is_sales_message "
        "order by p.expected_revenue desc, p.customer_unique_id limit 20",
    )
    listed = dom.with_class("top-customer")
    assert [r["data-customer"] for r in listed] == list(top["customer_unique_id"])
    assert [int(r["data-rank"]) for r in listed] == list(top["value_rank"])
    actions = _query(
        warehouse,
        "select next_best_action, count(*) as n "
        "from main.customer_next_best_action group by all",
    )
    shown_actions = {
        r["data-action"]: int(r["data-customers"]) for r in dom.with_class("action-row")
    }
    assert shown_actions == dict(actions.itertuples(index=False))
    verdicts = _query(
        warehouse,
        "select cast(cast(cut_date as date) as varchar) as c, "
        "cast(top_decile_lift < target_top_decile_lift as int) "
        "+ cast(top_decile_revenue_share < target_revenue_share as int) "
        "+ cast(auc < target_auc as int) as missed "
        "from main.prediction_backtest where is_production_method",
    )
    assert sorted(
        (v["data-cut-date"], int(v["data-missed"]))
        for v in dom.with_class("backtest-verdict")
    ) == sorted((c, int(m)) for c, m in verdicts.itertuples(index=False))


def test_contact_section_of_the_build_agrees_with_its_predictions(
    sample_build, report_html
):
    """The real build's own customer_predictions, not a made-up copy."""
    text = report_html.read_text(encoding="utf-8")
    assert 'id="trust-banner"' not in text or "value predictions" not in (
        _element_text(text, "trust-banner")
    )
    _assert_contact_section_matches(sample_build.warehouse, Elements(text))


def test_contact_section_agrees_with_the_warehouse(predictions_build):
    warehouse, out = predictions_build
    text = out.read_text(encoding="utf-8")
    dom = Elements(text)
    assert 'id="trust-banner"' not in text or "value predictions" not in (
        _element_text(text, "trust-banner")
    )
    _assert_contact_section_matches(warehouse, dom)
    backtest = _query(
        warehouse,
        "select cast(cut_date as varchar) as c, method, meets_targets "
        "from main.prediction_backtest",
    )
    assert sorted(
        (r["data-cut-date"], r["data-method"], r["data-meets"] == "true")
        for r in dom.with_class("backtest-row")
    ) == sorted((c, m, bool(x)) for c, m, x in backtest.itertuples(index=False))
    # calibration: the production method's ten deciles at every cut date
    assert len(dom.with_class("decile-row")) == 2 * 10


def test_predictions_of_other_data_are_left_out_with_a_banner(sample_build, tmp_path):
    warehouse = _with_predictions(sample_build, tmp_path, shift_days=7)
    text = report.build_report(warehouse, tmp_path / "r.html").read_text()
    assert "value predictions" in _element_text(text, "trust-banner")
    assert "make run" in _element_text(text, "contact-unavailable")
    assert "top-customer" not in text and "tier-row" not in text


def test_refit_due_puts_a_banner_at_the_top(sample_build):
    data = report.load_report_data(sample_build.warehouse)
    data.refresh.refit_check = data.refresh.refit_check | {
        "is_refit_due": True,
        "verdict": "refit due: <i>drift</i>",
    }
    text = report.render_html(data)
    banner = _element_text(text, "trust-banner").strip()
    assert banner.startswith("The model does not fit this data")
    assert "refit due: <i>drift</i>" in banner
    assert "<i>drift</i>" not in text
    assert text.index('id="trust-banner"') < text.index('id="sizes-section"')


def test_report_with_predictions_renders_in_chromium(
    predictions_build, chromium_binary
):
    _, out = predictions_build
    seen = report.check_report(out)
    assert seen.errors == [], seen.errors
    assert seen.ok
    assert len(Elements(seen.dom).with_class("top-customer")) == 20


def test_lift_backtest_of_other_data_is_left_out_with_a_banner(sample_build):
    data = report.load_report_data(sample_build.warehouse)
    if data.lift is None or data.lift.empty:
        pytest.skip("this build has no lift backtest")
    assert 'id="lift-stale"' not in report.render_html(data)
    data.lift["as_of_date"] = "2017-01-02"
    text = report.render_html(data)
    assert "The lift backtest at T = 2017-01-02" in _element_text(text, "trust-banner")
    assert "make drift" in _element_text(text, "lift-stale")
    assert "lift-row" not in text
