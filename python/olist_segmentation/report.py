"""The marketing report: one self-contained HTML file about the segments.

:func:`build_report` reads a built warehouse (read-only) and writes a single
HTML file with inline CSS, inline SVG and a little inline JavaScript; it
loads nothing from anywhere else. The same warehouse always gives the same
bytes: nothing in the file depends on the time or the machine.

The page tells one story to a marketer: the trust line (model version, the
data it was trained on, valid until, refit due or not) and, when the model
does not fit the data, a banner; who the customers are (segment sizes and
profiles); what to do with each group; whom to contact first (by predicted
value); the RFM grid; how customers moved; the campaign exports. An
appendix explains in plain words how the model was chosen, the lift
backtest, the value predictions' backtest and the refresh interval and
drift.

This module is the facade: reading is :mod:`report_data` (and
:mod:`report_predictions`), the trust line :mod:`report_trust`, the charts
:mod:`report_charts`, the page :mod:`report_render` with its Jinja2
templates in ``templates/``. :func:`check_report` opens the file in
headless Chromium and returns what it saw; :func:`screenshot` writes a PNG.
"""

from __future__ import annotations

from pathlib import Path

from olist_segmentation import chromium
from olist_segmentation.chromium import PageReport
from olist_segmentation.report_charts import standardised_means
from olist_segmentation.report_data import (
    DRIFT_TABLES,
    LIFT_TABLE,
    MIGRATION_TABLE,
    RFM_TABLES,
    SEGMENT_TABLES,
    STABILITY_POPULATION,
    STABILITY_TABLES,
    RefreshData,
    ReportData,
    ReportError,
    load_report_data,
    profile_features,
)
from olist_segmentation.report_format import (
    ALGORITHMS,
    DRIFT_HORIZONS,
    DRIFT_LEVEL_PILLS,
    FEATURE_STYLES,
)
from olist_segmentation.report_refresh import (
    default_recommendation,
    drift_table_horizons,
    refresh_headline,
)
from olist_segmentation.report_render import build_report, render_html
from olist_segmentation.report_sections import EXPORTS_FOLDER
from olist_segmentation.report_trust import Trust, assess

#: Default output file, relative to the working directory.
DEFAULT_OUT = Path("reports") / "segments.html"

__all__ = [
    "ALGORITHMS",
    "DEFAULT_OUT",
    "DRIFT_HORIZONS",
    "DRIFT_LEVEL_PILLS",
    "DRIFT_TABLES",
    "EXPORTS_FOLDER",
    "FEATURE_STYLES",
    "LIFT_TABLE",
    "MIGRATION_TABLE",
    "RFM_TABLES",
    "SEGMENT_TABLES",
    "STABILITY_POPULATION",
    "STABILITY_TABLES",
    "PageReport",
    "RefreshData",
    "ReportData",
    "ReportError",
    "Trust",
    "assess",
    "build_report",
    "check_report",
    "default_recommendation",
    "drift_table_horizons",
    "load_report_data",
    "profile_features",
    "refresh_headline",
    "render_html",
    "screenshot",
    "standardised_means",
]


def check_report(html_file: Path) -> PageReport:
    """Open a report in headless Chromium; return its errors and final DOM.

    Args:
        html_file: The HTML file.

    Returns:
        What Chromium saw: console errors, uncaught exceptions, failed or
        external requests, the ``rendered`` marker (``"ok"`` once the
        report's script has drawn everything) and the DOM.

    Raises:
        chromium.ChromiumError: No Chromium (run ``make chromium``) or it
            failed.
    """
    return chromium.inspect_page(html_file)


def screenshot(html_file: Path, png: Path) -> Path:
    """Write a full-page PNG of the report (headless Chromium).

    Args:
        html_file: The HTML file.
        png: The PNG to write.

    Returns:
        ``png``.

    Raises:
        chromium.ChromiumError: No Chromium (run ``make chromium``) or it
            wrote no image.
    """
    return chromium.screenshot(html_file, png)
