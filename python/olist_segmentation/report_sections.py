"""The story sections of the report: sizes, profiles, cards, RFM, moves, exports."""

from __future__ import annotations

import json

from olist_segmentation.report_charts import (
    _colour,
    _mix,
    _z_colour,
    standardised_means,
)
from olist_segmentation.report_data import ReportData, as_int, missing, records
from olist_segmentation.report_format import (
    _e,
    _feature_style,
    _feature_value,
    _int,
    _num,
    _pct,
)

#: Folder beside the report where `olist-seg export` writes by default.
EXPORTS_FOLDER = "exports"


def _profiles(data: ReportData) -> str:
    rows = records(data.profiles)
    z = standardised_means(data.profiles, data.features)
    styles = {f: _feature_style(f) for f in data.features}
    head = "".join(
        f'<th><span class="swatch" style="background:{_colour(i)}"></span>'
        f"{_e(r['segment_name'])}</th>"
        for i, r in enumerate(rows)
    )
    body = []
    for feature in data.features:
        label, kind = styles[feature]
        cells = []
        for i, r in enumerate(rows):
            value = r[f"mean_{feature}"]
            zi = z[feature].iloc[i]
            zi = None if missing(zi) else float(zi)
            bg, fg = _z_colour(zi)
            shown = _feature_value(kind, value)
            zt = "no data" if zi is None else f"{zi:+.2f} sd vs the other segments"
            cells.append(
                f'<td class="heat-cell" data-feature="{_e(feature)}" '
                f'data-segment="{_e(r["segment_name"])}" '
                f'style="background:{bg};color:{fg}" '
                f'title="{_e(r["segment_name"])}, {_e(label)}: mean {_e(shown)} '
                f'({_e(zt)})">{_e(shown)}</td>'
            )
        body.append(
            f'<tr><td class="text" title="{_e(feature)}">{_e(label)}</td>'
            f"{''.join(cells)}</tr>"
        )
    heatmap = (
        '<div class="scroll"><table class="heatmap" id="heatmap"><thead><tr>'
        f"<th>Feature (segment mean)</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
        '<p class="note">Colour: how far the segment’s mean stands from the '
        "average customer, in units of the spread between segments: <span "
        'class="scale"></span> blue = lower, orange = higher. Higher is not '
        "always better (e.g. days since last purchase, late deliveries).</p>"
    )
    snake_data = {
        "features": [styles[f][0] for f in data.features],
        "segments": [
            {
                "name": str(r["segment_name"]),
                "colour": _colour(i),
                "z": [
                    None if missing(z[f].iloc[i]) else round(float(z[f].iloc[i]), 3)
                    for f in data.features
                ],
                "labels": [
                    _feature_value(styles[f][1], r[f"mean_{f}"]) for f in data.features
                ],
            }
            for i, r in enumerate(rows)
        ],
    }
    snake_json = json.dumps(snake_data, sort_keys=True, ensure_ascii=True)
    snake_json = snake_json.replace("<", "\\u003c").replace(">", "\\u003e")
    snake = (
        "<h3>Snake plot</h3>"
        '<p class="lead">The same standardised means as lines: each line is a '
        "segment; points above zero are above the average customer. Click a "
        "segment to hide or show it.</p>"
        '<div class="legend" id="snake-legend"></div><div id="snake" '
        'class="scroll"></div>'
        "<noscript><p class='note'>The snake plot needs JavaScript.</p></noscript>"
        f'<script type="application/json" id="snake-data">{snake_json}</script>'
    )
    table_head = "".join(
        f'<th class="sortable">{_e(r["segment_name"])}<br>'
        '<span style="font-weight:400">mean / median</span></th>'
        for r in rows
    )
    table_rows = []
    for feature in data.features:
        label, kind = styles[feature]
        means = "".join(
            f'<td data-v="{_e(r[f"mean_{feature}"])}">'
            f"{_e(_feature_value(kind, r[f'mean_{feature}']))} / "
            f"{_e(_feature_value(kind, r.get(f'median_{feature}')))}</td>"
            for r in rows
        )
        table_rows.append(
            f'<tr><td class="text" data-v="{_e(label)}">{_e(label)} '
            f"<code>{_e(feature)}</code></td>{means}</tr>"
        )
    table = (
        "<h3>Mean and median of every feature</h3>"
        '<div class="scroll"><table id="profile-table" class="sortable-table">'
        f'<thead><tr><th class="sortable text">Feature</th>{table_head}</tr>'
        f"</thead><tbody>{''.join(table_rows)}</tbody></table></div>"
    )
    return (
        '<section id="profiles"><h2>2. What each group is like</h2>'
        '<p class="lead">The average customer of each segment on every feature '
        "the model used. Cells show the segment mean in the feature’s own "
        f"units.</p>{heatmap}{snake}{table}</section>"
    )


def _rfm(data: ReportData) -> str:
    counts = {
        (as_int(r.r_score), as_int(r.fm_score)): as_int(r.customers)
        for r in data.rfm_grid.itertuples()
    }
    total = sum(counts.values()) or 1
    order = {
        str(name): i for i, name in enumerate(data.rfm_summary["rfm_segment"].tolist())
    }
    rows = []
    for r in range(5, 0, -1):
        cells = []
        for fm in range(1, 6):
            name = data.rfm_names.get((r, fm), "")
            n = counts.get((r, fm), 0)
            colour = _colour(order.get(name, 0))
            weight = 0.15 + 0.6 * min(1.0, n / total * 8)
            cells.append(
                f'<td class="rfm-cell" data-r="{r}" data-fm="{fm}" '
                f'style="background:{_mix(colour, weight)}" '
                f'title="R {r}, FM {fm}: {_e(name)}, {n:,} customers">'
                f'<div class="n">{n:,}</div><div>{_e(name)}</div></td>'
            )
        rows.append(f"<tr><th>R {r}</th>{''.join(cells)}</tr>")
    head = "".join(f"<th>FM {fm}</th>" for fm in range(1, 6))
    summary_rows = "".join(
        f'<tr><td class="text"><span class="swatch" style="background:'
        f'{_colour(i)}"></span>{_e(s["rfm_segment"])}</td>'
        f"<td>{_int(s['customers'])}</td><td>{_pct(s['customer_share'])}</td>"
        f"<td>{_pct(s['revenue_share'])}</td>"
        f'<td class="text">{_e(s["recommended_action"])}</td></tr>'
        for i, s in enumerate(records(data.rfm_summary))
    )
    return (
        '<section id="rfm"><h2>5. The RFM grid</h2>'
        '<p class="lead">The classic view for comparison: every customer scored '
        "1-5 on recency (R, 5 = bought most recently) and on frequency and "
        "spend combined (FM, 5 = most orders and highest spend). Each cell shows "
        "its customers and the RFM segment it belongs to.</p>"
        '<div class="scroll"><table class="rfm" id="rfm-grid"><thead><tr>'
        f"<th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        "<h3>RFM segments</h3>"
        '<div class="scroll"><table id="rfm-summary"><thead><tr>'
        '<th class="text">RFM segment</th><th>Customers</th><th>Share</th>'
        '<th>Revenue share</th><th class="text">Recommended action</th></tr>'
        f"</thead><tbody>{summary_rows}</tbody></table></div></section>"
    )


def _found(data: ReportData) -> str:
    """Return what the clustering found and how well the rules describe it."""
    chosen = data.chosen
    if not chosen or missing(chosen.get("rule_agreement")):
        return ""
    return (
        '<p class="note" id="what-the-clustering-found">What the clustering '
        f"found: k-means on the customers' behaviour separates "
        f"{_int(chosen.get('n_segments'))} groups that are found again from "
        "another half of the customers (prediction strength "
        f"{_num(chosen.get('prediction_strength'), 2)}; of the rules "
        f"{_num(chosen.get('rule_strength'), 2)}; more groups are not). Each "
        "group is served as the one-condition rule that best matches it; the "
        f"rules put {_pct(chosen.get('rule_agreement'))} of customers in their "
        "own cluster (the rest sit near a boundary between clusters). Every "
        "candidate: appendix A1.</p>"
    )


def _next_steps(data: ReportData, segment_id: object) -> str:
    """Return a card's next steps: its customers per next best action."""
    steps = data.predictions.segment_actions
    if steps.empty:
        return ""
    mine = steps[steps["segment_id"] == segment_id]
    total = int(mine["customers"].sum())
    if not total:
        return ""
    items = "".join(
        f'<li class="next-step" data-action="{_e(a["action_label"])}" '
        f'data-customers="{int(a["customers"])}">{_e(a["action_label"])}: '
        f"{_e(_int(a['customers']))} ({_e(_pct(a['customers'] / total))})</li>"
        for a in records(mine)
    )
    return f'<div class="label">Next step for its customers</div><ul>{items}</ul>'


def _cards(data: ReportData) -> str:
    rows = records(data.profiles)
    z = standardised_means(data.profiles, data.features)
    cards = []
    for i, r in enumerate(rows):
        ranked = sorted(
            (
                (abs(float(z[f].iloc[i])), f, float(z[f].iloc[i]))
                for f in data.features
                if not missing(z[f].iloc[i])
            ),
            key=lambda item: (-item[0], item[1]),
        )[:3]
        traits = "".join(
            f"<li>{_e(_feature_style(f)[0])}: "
            f"{_e(_feature_value(_feature_style(f)[1], r[f'mean_{f}']))} "
            f"({'higher' if zf > 0 else 'lower'} than most segments)</li>"
            for _, f, zf in ranked
            if abs(zf) >= 0.5
        )
        cards.append(
            f'<article class="card segment-card" style="--c:{_colour(i)}" '
            f'data-segment-id="{_e(r["segment_id"])}">'
            f"<h3>{_e(r['segment_name'])}</h3>"
            f'<div class="facts">{_e(_int(r["customers"]))} customers '
            f"({_e(_pct(r['customer_share']))}) · {_e(_pct(r['revenue_share']))} "
            "of revenue</div>"
            + (
                f'<div class="label">Definition</div><div class="definition">'
                f"<code>{_e(r['definition'])}</code></div>"
                if r.get("definition")
                else ""
            )
            + f'<div class="label">Who they are</div><div>{_e(r["description"])}</div>'
            + (
                f'<div class="label">Stands out on</div><ul>{traits}</ul>'
                if traits
                else ""
            )
            + '<div class="label">Recommended action</div>'
            f'<div class="action">{_e(r["recommended_action"])}</div>'
            + _next_steps(data, r["segment_id"])
            + "</article>"
        )
    return (
        '<section id="segments"><h2>3. What to do with each group</h2>'
        '<p class="lead">One card per segment: the rule that puts a customer '
        "in it (tried in order: a customer is in the first segment whose "
        "definition holds), who the customers are and the recommended "
        f"marketing action.</p>{_found(data)}"
        f'<div class="cards">{"".join(cards)}'
        "</div></section>"
    )


def _moves(data: ReportData) -> str:
    """Render the behavioural segments' migration matrix since the last date."""
    head = '<section id="moves"><h2>6. How customers moved between groups</h2>'
    migration = data.migration
    if migration is None or migration.empty:
        return (
            head + '<p class="lead">No earlier as-of date in the segment history '
            "yet: the next build at a later date shows who moved between "
            "segments.</p></section>"
        )
    since = str(migration["from_as_of_date"].iloc[0])[:10]
    behavioural = migration[migration["segmentation"] == "behavioural"]
    order = [str(n) for n in data.profiles["segment_name"]]
    sources = ["(new customer)"] + [
        n for n in order if n in set(behavioural["from_segment"])
    ]
    sources += sorted(set(behavioural["from_segment"]) - set(sources))
    targets = order + sorted(set(behavioural["to_segment"]) - set(order))
    cells = {
        (str(r.from_segment), str(r.to_segment)): (
            as_int(r.customers),
            r.share_of_from_segment,
        )
        for r in behavioural.itertuples()
    }
    header = "".join(f"<th>{_e(t)}</th>" for t in targets)
    rows = []
    for source in sources:
        tds = []
        for target in targets:
            count, share = cells.get((source, target), (0, 0.0))
            style = "" if source == target else ' class="move"'
            tds.append(
                f"<td{style}>{_e(_int(count))}<br><small>{_e(_pct(share, 0))}"
                "</small></td>"
            )
        rows.append(f"<tr><th>{_e(source)}</th>{''.join(tds)}</tr>")
    flows = (
        migration[
            ~migration["is_stay"].astype(bool)
            & (migration["from_segment"] != "(new customer)")
        ]
        .sort_values(
            ["segmentation", "customers", "from_segment", "to_segment"],
            ascending=[True, False, True, True],
        )
        .groupby("segmentation")
        .head(3)
    )
    largest = "".join(
        f"<li>{_e(r.segmentation)}: {_e(r.from_segment)} → {_e(r.to_segment)}: "
        f"{_e(_int(r.customers))} customers ({_e(_pct(r.share_of_from_segment, 0))} "
        f"of {_e(r.from_segment)})</li>"
        for r in flows.itertuples()
    )
    return (
        head + f'<p class="lead">Where the customers of {_e(since)} are as of '
        f"{_e(data.as_of_date)}: rows are the segment then, columns the segment "
        "now, each cell the customers and their share of the row.</p>"
        f'<table class="moves"><thead><tr><th>then → now</th>{header}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        + (f"<p>Largest moves:</p><ul>{largest}</ul>" if largest else "")
        + "</section>"
    )
