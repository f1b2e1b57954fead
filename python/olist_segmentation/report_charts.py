"""The report's inline SVG charts and colours (nothing loaded from elsewhere)."""

from __future__ import annotations

import math

import pandas as pd

from olist_segmentation.report_data import ReportData, records
from olist_segmentation.report_format import (
    _brl,
    _brl_compact,
    _e,
    _int,
    _interval_text,
    _pct,
)

#: Categorical colours of the segments, by segment order (then repeated).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


#: |z| at which a heatmap cell reaches full colour.
Z_FULL = 2.0


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _mix(colour: str, weight: float) -> str:
    """``colour`` blended with white; weight 0 = white, 1 = colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 + (c - 255) * weight) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _z_colour(z: float | None) -> tuple[str, str]:
    """Background and text colour of a heatmap cell of standard score z."""
    if z is None:
        return "#f1f1f1", "#777777"
    weight = min(abs(z) / Z_FULL, 1.0) * 0.9
    base = "#dd6b20" if z > 0 else "#2b6cb0"
    return _mix(base, weight), "#ffffff" if weight > 0.55 else "#1a202c"


def standardised_means(profiles: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Standardise every segment's mean of every feature.

    z = (segment mean - overall mean) / spread, where the overall mean is the
    customer-weighted mean of the segment means (= the mean over all
    customers) and the spread is the root mean square of the segments'
    deviations from it (segments count equally), so z says how far a segment
    stands out among the segments. A feature on which all segments agree gets
    z = 0.

    Args:
        profiles: ``segment_profiles`` rows (``customers`` and ``mean_*``).
        features: The features (column names without ``mean_``).

    Returns:
        One row per segment (same order), one column per feature; NaN where a
        segment's mean is missing.
    """
    weights = profiles["customers"].astype(float)
    out = pd.DataFrame(index=profiles.index)
    for feature in features:
        means = pd.to_numeric(profiles[f"mean_{feature}"], errors="coerce")
        known = means.notna() & (weights > 0)
        if not known.any():
            out[feature] = float("nan")
            continue
        overall = float((means[known] * weights[known]).sum() / weights[known].sum())
        spread = math.sqrt(float(((means[known] - overall) ** 2).mean()))
        if spread <= 1e-12 * max(1.0, abs(overall)):
            out[feature] = means.where(~known, 0.0).where(known)
        else:
            out[feature] = (means - overall) / spread
    return out


def _sizes(data: ReportData) -> str:
    rows = records(data.profiles)
    row_h, top, label_w, panel_w, gap = 40, 34, 230, 360, 30
    bar_max = panel_w - 150
    width = label_w + 2 * panel_w + gap
    height = top + row_h * len(rows) + 8
    top_share = max([r["customer_share"] or 0 for r in rows] + [1e-9])
    top_rev = max([r["revenue_share"] or 0 for r in rows] + [1e-9])
    scale = max(top_share, top_rev)
    x_rev = label_w + panel_w + gap
    parts = [
        f'<svg id="sizes" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Segment sizes: share of customers and of revenue">',
        f'<text x="{label_w}" y="18" font-size="13" font-weight="600" '
        'fill="#2d3748">Share of customers</text>',
        f'<text x="{x_rev}" y="18" font-size="13" font-weight="600" '
        'fill="#2d3748">Share of revenue</text>',
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        colour = _colour(i)
        share = float(r["customer_share"] or 0)
        rev = float(r["revenue_share"] or 0)
        w1 = round(bar_max * share / scale, 1)
        w2 = round(bar_max * rev / scale, 1)
        parts.append(
            f'<text x="0" y="{y + 21}" font-size="14" fill="#1a202c">'
            f"{_e(r['segment_name'])}</text>"
            f'<rect class="bar bar-customers" x="{label_w}" y="{y + 6}" '
            f'width="{w1}" height="22" rx="4" fill="{colour}">'
            f"<title>{_e(r['segment_name'])}: {_e(_int(r['customers']))} customers "
            f"({_e(_pct(share))})</title></rect>"
            f'<text x="{label_w + w1 + 8}" y="{y + 22}" font-size="13" '
            f'fill="#2d3748">{_e(_pct(share))} · {_e(_int(r["customers"]))}</text>'
            f'<rect class="bar bar-revenue" x="{x_rev}" y="{y + 6}" width="{w2}" '
            f'height="22" rx="4" fill="{colour}" fill-opacity="0.55" '
            f'stroke="{colour}"><title>{_e(r["segment_name"])}: '
            f"{_e(_brl(r['revenue']))} ({_e(_pct(rev))} of revenue)</title></rect>"
            f'<text x="{x_rev + w2 + 8}" y="{y + 22}" font-size="13" '
            f'fill="#2d3748">{_e(_pct(rev))} · {_e(_brl_compact(r["revenue"]))}</text>'
        )
    parts.append("</svg>")
    return (
        '<section id="sizes-section"><h2>1. Who the customers are: '
        "how many in each group</h2>"
        '<p class="lead">Share of the customers in each segment, and share of '
        "the revenue they brought (all their purchases up to the as-of date). A "
        "segment whose revenue bar is longer than its customer bar spends more "
        "than the average customer.</p>"
        f'<div class="scroll">{"".join(parts)}</div></section>'
    )


def _ari_chart(
    ari: pd.DataFrame, intervals: pd.DataFrame, threshold: float | None
) -> str:
    """Return the ARI decay curves (a line per start date): legend and SVG."""
    width, height, left, right, top, bottom = 1000, 380, 70, 24, 18, 56
    starts = sorted(str(s) for s in ari["start_date"].unique())
    max_h = max(int(ari["horizon_weeks"].max()), 1)
    low = min(0.0, math.floor(float(ari["ari"].min()) * 5) / 5)

    def x(h: float) -> float:
        return round(left + h * (width - left - right) / max_h, 1)

    def y(v: float) -> float:
        return round(top + (1 - v) * (height - top - bottom) / (1 - low), 1)

    label = (
        "Adjusted Rand index between the frozen segments and a refit, by weeks "
        f"since the start date, one line per start date ({len(starts)})"
        + (f"; dashed line: threshold {threshold:g}" if threshold is not None else "")
    )
    parts = [
        f'<svg id="ari-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}"><title>{_e(label)}</title>'
    ]
    for k in range(round(low * 5), 6):
        v = k / 5
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v)}" y2="{y(v)}" '
            f'stroke="{"#a0aec0" if k == 0 else "#e2e6ec"}"/>'
            f'<text x="{left - 8}" y="{y(v) + 4}" text-anchor="end" '
            f'font-size="12" fill="#5a6475">{v:.1f}</text>'
        )
    step = max(1, math.ceil(max_h / 13))
    for h in range(0, max_h + 1, step):
        parts.append(
            f'<line x1="{x(h)}" x2="{x(h)}" y1="{top}" y2="{height - bottom}" '
            'stroke="#f0f2f5"/>'
            f'<text x="{x(h)}" y="{height - bottom + 18}" text-anchor="middle" '
            f'font-size="12" fill="#5a6475">{h}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 12}" '
        'text-anchor="middle" font-size="13" fill="#2d3748">Weeks since the '
        "start date (the model frozen that day)</text>"
        f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
        f'font-size="13" fill="#2d3748" transform="rotate(-90 16 '
        f'{(top + height - bottom) / 2})">ARI frozen vs refit</text>'
    )
    if threshold is not None:
        parts.append(
            f'<line class="ari-threshold" x1="{left}" x2="{width - right}" '
            f'y1="{y(threshold)}" y2="{y(threshold)}" stroke="#c53030" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{width - right - 4}" y="{y(threshold) + 16}" '
            'text-anchor="end" font-size="12" fill="#c53030">threshold '
            f"{threshold:g}</text>"
        )
    legend = []
    for i, start in enumerate(starts):
        rows = records(ari[ari["start_date"].astype(str) == start])
        colour = _colour(i)
        points = " ".join(f"{x(r['horizon_weeks'])},{y(r['ari'])}" for r in rows)
        dots = "".join(
            f'<circle cx="{x(r["horizon_weeks"])}" cy="{y(r["ari"])}" r="2.5" '
            f'fill="{colour}"><title>{_e(start)}, week {int(r["horizon_weeks"])}: '
            f"ARI {float(r['ari']):.3f} ({_e(_int(r['customers']))} customers)"
            "</title></circle>"
            for r in rows
        )
        parts.append(
            f'<g class="ari-series" data-start-date="{_e(start)}">'
            f'<polyline class="ari-line" data-start-date="{_e(start)}" '
            f'points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f"{dots}</g>"
        )
        interval = ""
        if threshold is not None and not intervals.empty:
            match = intervals[
                (intervals["start_date"].astype(str) == start)
                & ((intervals["ari_threshold"] - threshold).abs() < 1e-9)
            ]
            if not match.empty:
                r = records(match)[0]
                interval = f" · {_interval_text(r['interval_weeks'], r['is_censored'])}"
        legend.append(
            f'<span class="ari-legend-item" data-start-date="{_e(start)}">'
            f'<span class="swatch" style="background:{colour}"></span>'
            f"{_e(start)}{_e(interval)}</span>"
        )
    parts.append("</svg>")
    return (
        f'<div class="legend" id="ari-legend">{"".join(legend)}</div>'
        f'<div class="scroll">{"".join(parts)}</div>'
    )
