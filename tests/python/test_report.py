"""The marketing report: built from a real dbt build, opened in real Chromium.

Chromium is required, not optional: without it these tests fail and say to
run `make chromium` (`make test` runs it first).
"""

from __future__ import annotations

import re
import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from olist_segmentation import chromium, report
from olist_segmentation.chromium import PageReport


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
    features = report.profile_features(profiles.columns)
    assert "recency_days" in features and "monetary" in features
    assert "distance_to_centre" not in features
    assert all(f"median_{f}" in profiles.columns for f in features)
    cells = dom.with_class("heat-cell")
    assert len(cells) == len(profiles) * len(features)
    assert {(c["data-segment"], c["data-feature"]) for c in cells} == {
        (name, feature) for name in profiles["segment_name"] for feature in features
    }


def test_one_card_per_segment(sample_build, dom):
    n_segments = sample_build.query("select count(*) as n from main.segment_profiles")
    assert len(dom.with_class("segment-card")) == n_segments["n"][0]


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
    assert height >= page.height > 1000


def test_missing_chromium_says_to_run_make_chromium(monkeypatch):
    monkeypatch.setenv("OLIST_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(chromium.ChromiumError, match="make chromium"):
        chromium.find_chromium()
    monkeypatch.delenv("OLIST_CHROMIUM")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(chromium.ChromiumError, match=r"run `make chromium`"):
        chromium.find_chromium()
