"""Appendix section of the report: refresh interval and drift, in plain words."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from olist_segmentation.report_charts import _ari_chart
from olist_segmentation.report_data import (
    STABILITY_POPULATION,
    STABILITY_TABLES,
    RefreshData,
    ReportData,
    as_float,
    as_int,
    missing,
    records,
)
from olist_segmentation.report_format import (
    DRIFT_HORIZONS,
    DRIFT_LEVEL_PILLS,
    _e,
    _feature_style,
    _feature_value,
    _g,
    _int,
    _interval_text,
    _num,
    _pct,
    _td,
    _weeks,
)


def default_recommendation(recommendation: pd.DataFrame) -> dict | None:
    """Return THE recommendation: the default threshold, all customers.

    Args:
        recommendation: ``stability_recommendation`` rows.

    Returns:
        The row with ``is_default_threshold`` and population
        :data:`STABILITY_POPULATION` as a dict, or None when there is none.
    """
    if recommendation.empty:
        return None
    rows = [
        r
        for r in records(recommendation)
        if r.get("is_default_threshold")
        and r.get("population", STABILITY_POPULATION) == STABILITY_POPULATION
    ]
    return rows[0] if rows else None


def refresh_headline(recommendation: dict) -> str:
    """Say the recommended refresh interval in plain words for a marketer.

    Args:
        recommendation: A ``stability_recommendation`` row (see
            :func:`default_recommendation`).

    Returns:
        One or two sentences of plain text (not HTML).
    """
    weeks = int(recommendation["recommended_interval_weeks"])
    per_year = recommendation.get("refits_per_year")
    per_year = math.ceil(52 / max(weeks, 1)) if missing(per_year) else as_int(per_year)
    refits = f"{per_year} refit{'' if per_year == 1 else 's'} a year"
    threshold = f"{float(recommendation['ari_threshold']):g}"
    starts = int(recommendation["start_dates"])
    every = (
        "the one start date simulated"
        if starts == 1
        else f"every one of the {starts} start dates simulated"
    )
    limiting = recommendation.get("limiting_start_date") or "one start date"
    if weeks == 0:
        of = "" if starts == 1 else f" (one of the {starts} start dates simulated)"
        return (
            f"Refit the segmentation every week ({refits}): the frozen segments "
            f"already differ from a fresh fit (ARI below {threshold}) after one "
            f"week from {limiting}{of}."
        )
    if recommendation.get("is_lower_bound"):
        return (
            f"Refit the segmentation every {_weeks(weeks)} (about {refits}): the "
            f"frozen segments agree with a fresh fit (ARI ≥ {threshold}) for at "
            f"least {_weeks(weeks)} from {every}. From {limiting} the ARI never "
            f"fell below {threshold} within the {_weeks(weeks)} simulated, so "
            "the real interval may be longer."
        )
    text = (
        f"Refit the segmentation every {_weeks(weeks)} (about {refits}): the "
        f"frozen segments agree with a fresh fit (ARI ≥ {threshold}) for "
        f"{_weeks(weeks)} from {every}. From {limiting} they fell below "
        f"{threshold} in week {weeks + 1}."
    )
    robust = recommendation.get("robust_interval_weeks")
    if not missing(robust) and as_int(robust) > weeks:
        text += (
            f" Not counting weeks in which fresh fits with different seeds "
            f"disagreed among themselves, the interval is {_weeks(as_int(robust))}."
        )
    return text


def drift_table_horizons(horizons: Iterable[int]) -> list[int]:
    """Pick the horizons (weeks) the simulated drift table shows.

    Args:
        horizons: The horizons of ``stability_drift``.

    Returns:
        Those of :data:`DRIFT_HORIZONS` that were simulated, then the largest
        simulated horizon when it is not one of them; never horizon 0.
    """
    available = sorted({int(h) for h in horizons if int(h) > 0})
    if not available:
        return []
    shown = [h for h in DRIFT_HORIZONS if h in available]
    if available[-1] not in shown:
        shown.append(available[-1])
    return shown


def _level_pill(level: object) -> str:
    if missing(level):
        return '<span class="pill">–</span>'
    return (
        f'<span class="pill {DRIFT_LEVEL_PILLS.get(str(level), "")}">{_e(level)}</span>'
    )


def _sensitivity(recommendation: pd.DataFrame) -> str:
    body = []
    for r in records(recommendation):
        default = bool(r.get("is_default_threshold"))
        low, high = r["recommended_interval_weeks"], r["longest_interval_weeks"]
        if missing(low) or missing(high):
            spread = "–"
        elif int(low) == int(high):
            spread = f"{_weeks(int(low))} (all the same)"
        else:
            spread = f"{int(low)}–{_weeks(int(high))}"
        bound = r.get("is_lower_bound")
        bound = "–" if missing(bound) else ("yes" if bound else "no")
        body.append(
            f'<tr class="sensitivity-row{" chosen" if default else ""}" '
            f'data-threshold="{float(r["ari_threshold"]):g}" '
            f'data-weeks="{_e(r["recommended_interval_weeks"])}">'
            f"<td>ARI ≥ {float(r['ari_threshold']):g}"
            f"{' ★ default' if default else ''}</td>"
            f"<td>{_e(_interval_text(low, r.get('is_lower_bound')))}</td>"
            f"<td>{_e(spread)}</td>"
            f"<td>{_e(_num(r.get('mean_interval_weeks'), 1))}</td>"
            f"<td>{_e(_int(r.get('refits_per_year')))}</td>"
            f'<td><span class="pill">{bound}</span></td>'
            f'<td class="text">{_e(r.get("limiting_start_date") or "–")}</td></tr>'
        )
    return (
        "<h3>How the interval depends on the threshold</h3>"
        '<p class="lead">A stricter threshold (higher ARI) asks the frozen '
        "segments to stay closer to a refit, so it gives a shorter interval. "
        "The interval is the shortest over the start dates; the spread shows "
        "the shortest and longest. A lower bound means the ARI never fell "
        "below the threshold within the weeks simulated.</p>"
        '<div class="scroll"><table id="refresh-sensitivity"><thead><tr>'
        "<th>Threshold</th><th>Refit every</th><th>Spread across start dates"
        "</th><th>Mean (weeks)</th><th>Refits a year</th><th>Lower bound</th>"
        '<th class="text">Shortest from</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _simulated_drift(drift: pd.DataFrame) -> str:
    horizons = drift_table_horizons(drift["horizon_weeks"])
    if not horizons:
        return ""
    starts = drift["start_date"].nunique()
    top = (
        drift[drift["horizon_weeks"].isin(horizons)]
        .sort_values(["psi", "start_date"], ascending=[False, True])
        .drop_duplicates(["feature", "horizon_weeks"])
    )
    cells = {(r["feature"], int(r["horizon_weeks"])): r for r in records(top)}
    last = horizons[-1]
    features = sorted(
        top["feature"].unique(),
        key=lambda f: (-float((cells.get((f, last)) or {}).get("psi") or 0), f),
    )
    body = []
    for feature in features:
        row = []
        for h in horizons:
            r = cells.get((feature, h))
            if r is None or missing(r["psi"]):
                row.append(f'<td data-horizon="{h}">–</td>')
                continue
            row.append(
                f'<td data-horizon="{h}" data-v="{float(r["psi"]):.6f}" '
                f'title="Largest over the start dates: from {_e(r["start_date"])}">'
                f"{float(r['psi']):.3f} {_level_pill(r['drift_level'])}</td>"
            )
        body.append(
            f'<tr class="sim-drift-row" data-feature="{_e(feature)}">'
            f'<td class="text">{_e(_feature_style(str(feature))[0])} '
            f"<code>{_e(feature)}</code></td>{''.join(row)}</tr>"
        )
    head = "".join(f"<th>PSI after {_weeks(h)}</th>" for h in horizons)
    return (
        "<h3>How far the customers’ features drifted</h3>"
        '<p class="lead">Population stability index (PSI) of each feature '
        "against the features at the start date: below 0.1 stable, 0.1 to "
        "0.25 moderate, above 0.25 significant. Each cell is the largest over "
        f"the {starts} start dates (hover a cell for which one).</p>"
        '<div class="scroll"><table id="simulated-drift"><thead><tr>'
        f'<th class="text">Feature</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _refit_check(refresh: RefreshData, recommendation: dict | None) -> str:
    intro = (
        "<h3>Production check: is a refit due now?</h3>"
        '<p class="lead">Every build compares the current (frozen) model with a '
        "refit on today’s features and each feature with its values at "
        "training. A refit is due when the segments moved (ARI below the "
        "threshold), a feature drifted (PSI at or above its threshold) or the "
        "model is older than the refresh interval.</p>"
    )
    check = refresh.refit_check
    if check is None:
        return (
            intro + '<p class="note" id="drift-check-unavailable"><strong>Not '
            "available</strong>: this warehouse has no main.segment_refit_check. "
            "Run <code>make run</code> (or <code>make drift</code>) to build the "
            "drift check.</p>"
        )
    due = bool(check.get("is_refit_due"))
    ari, ari_threshold = check.get("ari_frozen_vs_refit"), check.get("ari_threshold")
    psi, psi_threshold = check.get("max_psi"), check.get("psi_threshold")
    weeks, interval = (
        check.get("weeks_since_training"),
        check.get("refresh_interval_weeks"),
    )
    psi_feature = check.get("max_psi_feature")
    psi_label = _feature_style(str(psi_feature))[0] if psi_feature else "–"

    def fact(value: str, label: str, bad: bool) -> str:
        return (
            f'<div class="fact{" bad" if bad else ""}"><div class="v">{_e(value)}'
            f'</div><div class="l">{_e(label)}</div></div>'
        )

    facts = "".join(
        [
            fact(
                _num(ari, 3),
                f"ARI frozen vs refit (threshold {_g(ari_threshold)})",
                not missing(ari)
                and not missing(ari_threshold)
                and as_float(ari) < as_float(ari_threshold),
            ),
            fact(
                _num(psi, 3),
                f"largest PSI: {psi_label} (threshold {_g(psi_threshold)})",
                not missing(psi)
                and not missing(psi_threshold)
                and as_float(psi) >= as_float(psi_threshold),
            ),
            fact(
                f"{_int(weeks)} of {_int(interval)}",
                f"weeks since training on {check.get('trained_as_of_date')} "
                f"(features as of {check.get('as_of_date')}) vs refresh interval",
                not missing(weeks)
                and not missing(interval)
                and as_int(weeks) > as_int(interval),
            ),
            fact(
                _int(check.get("new_customers")),
                f"new customers since training, of {_int(check.get('customers'))}",
                False,
            ),
        ]
    )
    verdict = (
        f'<div class="callout verdict {"due" if due else "ok"}" id="refit-verdict" '
        f'data-refit-due="{"true" if due else "false"}">'
        f'<span class="pill {"no" if due else "yes"}">'
        f"{'Refit due' if due else 'No refit due'}</span> "
        f"{_e(check.get('verdict'))}</div>"
    )
    notes = []
    if check.get("drifted_features"):
        notes.append(f"Drifted features: {_e(check['drifted_features'])}.")
    if recommendation is not None and not missing(interval):
        simulated = int(recommendation["recommended_interval_weeks"])
        if simulated != as_int(interval):
            notes.append(
                f"The age rule uses the configured interval of "
                f"{_e(_weeks(as_int(interval)))} (dbt var "
                "<code>segment_refresh_interval_weeks</code>); the simulation "
                "above recommends "
                f"{_e(_interval_text(simulated, recommendation.get('is_lower_bound')))}"
                "."
            )
    body = []
    for r in records(refresh.segment_drift):
        label, kind = _feature_style(str(r["feature"]))
        missing_shares = (
            f"{_pct(r.get('reference_missing_share'))} → "
            f"{_pct(r.get('current_missing_share'))}"
        )
        body.append(
            f'<tr class="drift-row{" drifted" if r.get("is_drifted") else ""}" '
            f'data-feature="{_e(r["feature"])}">'
            f'<td class="text" data-v="{_e(label)}">{_e(label)} '
            f"<code>{_e(r['feature'])}</code></td>"
            + _td(r["psi"], _num(r["psi"], 3))
            + _td(r["drift_level"], _level_pill(r["drift_level"]))
            + _td(r.get("ks_statistic"), _num(r.get("ks_statistic"), 3))
            + _td(
                r.get("reference_mean"),
                _e(_feature_value(kind, r.get("reference_mean"))),
            )
            + _td(
                r.get("current_mean"), _e(_feature_value(kind, r.get("current_mean")))
            )
            + _td(r.get("current_missing_share"), _e(missing_shares))
            + "</tr>"
        )
    table = (
        '<div class="scroll"><table id="segment-drift" class="sortable-table">'
        '<thead><tr><th class="sortable text">Feature</th>'
        '<th class="sortable">PSI</th><th class="sortable">Level</th>'
        '<th class="sortable">KS</th><th class="sortable">Mean at training</th>'
        '<th class="sortable">Mean now</th>'
        '<th class="sortable">Missing (training → now)</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        if body
        else '<p class="note">main.segment_drift has no rows.</p>'
    )
    return (
        intro
        + verdict
        + f'<div class="facts-grid">{facts}</div>'
        + "".join(f'<p class="note">{n}</p>' for n in notes)
        + "<h3>Feature drift since training</h3>"
        + table
    )


def _refresh_section(data: ReportData) -> str:
    refresh = data.refresh
    recommendation = default_recommendation(refresh.recommendation)
    parts = [
        '<section id="refresh"><h2>A4. When to refresh the model, and has '
        "the data drifted?</h2>"
        '<p class="lead">The segments are frozen when the model is trained: '
        "every customer keeps being scored by the same model while new "
        "purchases come in. How long until a model refit on fresh data would "
        "group the customers differently? The adjusted Rand index (ARI) "
        "measures how much two segmentations agree: 1 = the same segments, "
        "0 = no better than chance.</p>"
    ]
    if not refresh.has_simulation:
        absent = [t for t in STABILITY_TABLES if t in refresh.missing]
        parts.append(
            '<p class="note callout" id="stability-unavailable"><strong>'
            "Refresh-interval simulation not run</strong>: this warehouse has no "
            f"{_e(', '.join('main.' + t for t in absent))}. Run <code>make "
            "stability</code> "
            "(it takes minutes on the real data) to simulate how fast the "
            "segments age and to get the recommended refresh interval.</p>"
        )
    else:
        if recommendation is None:
            parts.append(
                '<p class="note" id="refresh-headline-unavailable">'
                "main.stability_recommendation has no row for the default "
                "threshold and all customers.</p>"
            )
        else:
            parts.append(
                "<h3>Recommended refresh interval</h3>"
                '<p class="callout" id="refresh-headline" data-weeks="'
                f'{int(recommendation["recommended_interval_weeks"])}">'
                f"{_e(refresh_headline(recommendation))}</p>"
            )
        threshold = (
            None if recommendation is None else float(recommendation["ari_threshold"])
        )
        ari = refresh.ari.dropna(subset=["ari"]) if not refresh.ari.empty else None
        if ari is not None and not ari.empty:
            parts.append(
                "<h3>How fast the segments drift from a refit</h3>"
                '<p class="lead">From each start date, the model trained that '
                "day was frozen and compared, week after week, with a model refit "
                "on that week’s data (all customers known at the time). The "
                "legend gives each start date’s interval at the default "
                "threshold; hover a point for its ARI.</p>"
                + _ari_chart(ari, refresh.intervals, threshold)
            )
        if not refresh.recommendation.empty:
            parts.append(_sensitivity(refresh.recommendation))
        if not refresh.drift.empty:
            parts.append(_simulated_drift(refresh.drift))
    parts.append(_refit_check(refresh, recommendation))
    parts.append("</section>")
    return "".join(parts)
