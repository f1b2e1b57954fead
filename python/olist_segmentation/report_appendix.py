"""Appendix sections of the report: model selection and the lift backtest."""

from __future__ import annotations

from olist_segmentation.report_data import ReportData, records
from olist_segmentation.report_format import (
    ALGORITHMS,
    _brl,
    _e,
    _int,
    _lift,
    _num,
    _pct,
    _td,
    _yes_no,
)
from olist_segmentation.report_trust import lift_is_current


def _now(row: dict, names: dict[str, tuple[str, float]]) -> str:
    """Today's segment most of a backtest segment is in, when it is another."""
    now = names.get(str(row["segment_name"]))
    if now is None or now[0] == str(row["segment_name"]):
        return ""
    return f"<br><small>now mostly {_e(now[0])} ({_e(_pct(now[1], 0))})</small>"


def _lift_table(
    rows: list[dict], title: str, names: dict[str, tuple[str, float]] | None = None
) -> str:
    names = names or {}
    top = max([float(r["purchase_rate_lift"] or 0) for r in rows] + [1.0])
    body = []
    for r in rows:
        lift = r["purchase_rate_lift"]
        bar = (
            ""
            if lift is None
            else f'<span class="liftbar" style="width:{round(40 * float(lift) / top)}'
            f'px;background:{"#dd6b20" if float(lift) >= 1 else "#2b6cb0"}">'
            "</span>"
        )
        body.append(
            f'<tr class="lift-row" data-segmentation="{_e(r["segmentation"])}" '
            f'data-segment="{_e(r["segment_name"])}">'
            f'<td class="text">{_e(r["segment_name"])}{_now(r, names)}</td>'
            f'<td title="{_e(_pct(r["customer_share"]))} of customers">'
            f"{_int(r['customers'])}</td>"
            f'<td title="{_e(_int(r["buyers"]))} buyers">'
            f"{_pct(r['purchase_rate'], 2)}</td>"
            f'<td class="liftcell">{bar}{_lift(lift)}</td>'
            f'<td title="{_e(_brl(r["revenue_per_customer"], 2))} per customer">'
            f"{_lift(r['revenue_lift'])}</td></tr>"
        )
    return (
        f"<div><h3>{_e(title)}</h3>"
        '<div class="scroll"><table class="lift"><thead><tr>'
        '<th class="text">Segment</th><th>Customers</th>'
        "<th>Bought again</th><th>Purchase lift</th>"
        "<th>Revenue lift</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div></div>"
    )


def _lift_section(data: ReportData) -> str:
    intro = (
        '<section id="lift"><h2>A2. Do the segments predict who buys again?</h2>'
        '<p class="lead">A backtest: customers were segmented with the data up to '
        "a past date T, then we counted who bought in the following days. "
        "“Bought again” is the share of the segment that bought; lift is that "
        "rate divided by the rate of all customers (2.00× = twice as likely); "
        "revenue lift compares the revenue per customer the same way (hover a "
        "cell for the amounts). "
        "Segments with a clear spread of lifts are more useful for targeting.</p>"
    )
    if data.lift is None:
        return (
            intro + '<p class="note" id="lift-unavailable"><strong>Not run yet'
            "</strong>: the backtest is part of the monitoring run. Run "
            "<code>make drift</code> (<code>olist-seg drift</code>), then write "
            "this report again.</p></section>"
        )
    if data.lift.empty:
        return (
            intro + '<p class="note" id="lift-unavailable"><strong>Not available'
            "</strong>: the data does not cover a long enough period before the "
            "as-of date to run the backtest.</p></section>"
        )
    blocks = []
    rows = records(data.lift)
    keys = sorted({(str(r["as_of_date"]), int(r["horizon_days"])) for r in rows})
    stale = [(a, h) for a, h in keys if not lift_is_current(data.as_of_date, a, h)]
    keys = [k for k in keys if k not in stale]
    if stale:
        blocks.append(
            '<p class="note" id="lift-stale">Left out: the backtest at '
            f"{_e(', '.join(f'T = {a} ({h} days)' for a, h in stale))}, which "
            f"does not end at this page's as-of date {_e(data.as_of_date)} (not "
            "this data). Run <code>make drift</code>, then write this report "
            "again.</p>"
        )
    for as_of, horizon in keys:
        group = [
            r
            for r in rows
            if str(r["as_of_date"]) == as_of and int(r["horizon_days"]) == horizon
        ]
        behavioural = [r for r in group if r["segmentation"] == "behavioural"]
        rfm = [r for r in group if r["segmentation"] == "rfm"]
        other = [r for r in group if r["segmentation"] not in ("behavioural", "rfm")]
        tables = _lift_table(
            behavioural, "Behavioural segments", data.lift_names
        ) + _lift_table(rfm, "RFM segments")
        if other:
            tables += _lift_table(other, "Other segmentations")
        best = []
        for label, part in (("behavioural", behavioural), ("RFM", rfm)):
            lifts = [
                float(r["purchase_rate_lift"])
                for r in part
                if r["purchase_rate_lift"] is not None
            ]
            if lifts:
                best.append(
                    f"best {label} segment {max(lifts):.2f}×, worst {min(lifts):.2f}×"
                )
        blocks.append(
            f'<div class="lift-block" data-as-of="{_e(as_of)}" '
            f'data-horizon="{horizon}"><h3>Segments at T = {_e(as_of)}, purchases '
            f"in the next {horizon} days</h3>"
            f'<p class="note">{_e("; ".join(best))}</p>'
            f'<div class="grid2">{tables}</div></div>'
        )
    return intro + "".join(blocks) + "</section>"


def _selection(data: ReportData) -> str:
    body = []
    for r in records(data.selection):
        chosen = bool(r["is_chosen"])
        body.append(
            f'<tr class="candidate{" chosen" if chosen else ""}">'
            f'<td class="text" data-v="{_e(r["algorithm"])}">'
            f"{_e(ALGORITHMS.get(r['algorithm'], r['algorithm']))}"
            f"{' ★ chosen' if chosen else ''}</td>"
            + _td(r["n_segments"], _int(r["n_segments"]))
            + _td(r["silhouette"], _num(r["silhouette"], 3))
            + _td(r["davies_bouldin"], _num(r["davies_bouldin"], 3))
            + _td(r["calinski_harabasz"], _num(r["calinski_harabasz"], 0))
            + _td(r["stability_ari"], _num(r["stability_ari"], 3))
            + _td(r.get("prediction_strength"), _num(r.get("prediction_strength"), 3))
            + _td(r.get("rule_strength"), _num(r.get("rule_strength"), 3))
            + _td(r.get("rule_agreement"), _pct(r.get("rule_agreement")))
            + _td(r["min_segment_share"], _pct(r["min_segment_share"]))
            + _td(int(bool(r["is_deployable"])), _yes_no(r["is_deployable"]))
            + _td(int(bool(r["is_eligible"])), _yes_no(r["is_eligible"]))
            + f'<td class="text" data-v="{_e(r["parameters"])}"><code>'
            f"{_e(r['parameters'])}</code></td></tr>"
        )
    rule = data.chosen.get("choice_rule") or ""
    return (
        '<section id="model-selection"><h2>A1. How the model was chosen</h2>'
        '<p class="lead">Every candidate tried for this model version. The '
        "clustering discovers the groups; each segment is then served as a "
        "readable rule distilled from it. Prediction strength (1 = the same "
        "groups are found again from another half of the customers) is "
        "measured for the clusters and for the rules; rules agree is the share "
        "of customers the rules put in their own cluster; stability (adjusted "
        "Rand index) compares refits on resampled customers. Silhouette "
        "(higher is better) and Davies–Bouldin (lower is better) are reported, "
        "not used: they near-tie between different structures. Eligible "
        "candidates pass every threshold of the choice rule. Click a column to "
        "sort.</p>"
        + (f'<p class="note">Choice rule: {_e(rule)}</p>' if rule else "")
        + '<div class="scroll"><table id="selection" class="sortable-table">'
        '<thead><tr><th class="sortable text">Algorithm</th>'
        '<th class="sortable">k</th><th class="sortable">Silhouette</th>'
        '<th class="sortable">Davies–Bouldin</th>'
        '<th class="sortable">Calinski–Harabasz</th>'
        '<th class="sortable">Stability</th>'
        '<th class="sortable">Prediction strength</th>'
        '<th class="sortable">Rule strength</th>'
        '<th class="sortable">Rules agree</th>'
        '<th class="sortable">Smallest segment</th>'
        '<th class="sortable">Deployable</th><th class="sortable">Eligible</th>'
        '<th class="sortable text">Parameters</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></section>"
    )
