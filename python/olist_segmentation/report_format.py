"""Number and text formatting of the report (also its Jinja2 filters).

Every formatter returns plain text (``–`` for a missing value) except
:func:`_yes_no` and :func:`_td`, which return HTML.
"""

from __future__ import annotations

import html

from olist_segmentation.report_data import as_float, as_int, missing

#: Plain-language names of algorithms.
ALGORITHMS = {
    "kmeans": "k-means",
    "gaussian_mixture": "Gaussian mixture",
    "agglomerative_ward": "Agglomerative (Ward)",
}


#: Friendly labels and formats of known features; others get a generic label
#: and a format guessed from the name (see :func:`_feature_style`).
FEATURE_STYLES = {
    "recency_days": ("Days since last purchase", "days"),
    "frequency": ("Orders", "number"),
    "monetary": ("Total spend", "brl"),
    "avg_installments": ("Instalments per order", "number"),
    "credit_card_share": ("Paid by credit card", "share"),
    "avg_review_score": ("Review score (1-5)", "number"),
    "late_delivery_share": ("Late deliveries", "share"),
    "avg_delivery_days": ("Delivery time", "days"),
    "freight_share": ("Freight share of basket", "share"),
    "distinct_category_count": ("Product categories", "number"),
    "distance_to_sao_paulo_km": ("Distance to São Paulo", "km"),
}


#: ``mean_*`` columns of segment_profiles that describe the model's fit, not
#: the customers' behaviour: not shown as features.
NOT_FEATURES = frozenset({"distance_to_centre"})


#: Horizons (weeks) of the simulated drift table, when simulated.
DRIFT_HORIZONS = (4, 13, 26)


#: Pill class of each PSI drift level.
DRIFT_LEVEL_PILLS = {"stable": "yes", "moderate": "warn", "significant": "no"}


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: object, decimals: int = 0) -> str:
    if missing(value):
        return "–"
    return f"{as_float(value):,.{decimals}f}"


def _int(value: object) -> str:
    return "–" if missing(value) else f"{as_int(value):,}"


def _pct(value: object, decimals: int = 1) -> str:
    return "–" if missing(value) else f"{as_float(value) * 100:.{decimals}f}%"


def _brl(value: object, decimals: int = 0) -> str:
    return "–" if missing(value) else f"R$ {as_float(value):,.{decimals}f}"


def _brl_compact(value: object) -> str:
    if missing(value):
        return "–"
    number = as_float(value)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            scaled = number / size
            return f"R$ {scaled:,.{1 if abs(scaled) < 100 else 0}f} {suffix}"
    return f"R$ {number:,.0f}"


def _lift(value: object) -> str:
    return "–" if missing(value) else f"{as_float(value):.2f}×"


def _feature_style(feature: str) -> tuple[str, str]:
    """Return (label, kind) of a feature; kind picks the number format."""
    if feature in FEATURE_STYLES:
        return FEATURE_STYLES[feature]
    label = feature.replace("_", " ").strip().capitalize()
    if feature.endswith(("_share", "_rate", "_ratio")):
        return label, "share"
    if feature.endswith("_km"):
        return label, "km"
    if "days" in feature:
        return label, "days"
    if any(w in feature for w in ("monetary", "revenue", "spend", "value", "price")):
        return label, "brl"
    return label, "number"


def _feature_value(kind: str, value: object) -> str:
    if missing(value):
        return "–"
    if kind == "share":
        return _pct(value, 0)
    if kind == "brl":
        return _brl(value)
    if kind == "days":
        return f"{as_float(value):,.0f} d"
    if kind == "km":
        return f"{as_float(value):,.0f} km"
    number = as_float(value)
    return f"{number:,.2f}" if abs(number) < 100 else f"{number:,.0f}"


def _yes_no(value: object) -> str:
    if missing(value):
        return '<span class="pill">–</span>'
    return (
        '<span class="pill yes">yes</span>'
        if value
        else '<span class="pill no">no</span>'
    )


def _td(sort_value: object, shown: str) -> str:
    """Return a cell showing ``shown`` (already HTML), sorted by ``sort_value``."""
    return f'<td data-v="{_e(sort_value)}">{shown}</td>'


def _weeks(n: int) -> str:
    return f"{n} week" if n == 1 else f"{n} weeks"


def _g(value: object) -> str:
    return "–" if missing(value) else f"{as_float(value):g}"


def _interval_text(weeks: object, censored: object) -> str:
    if missing(weeks):
        return "–"
    return f"≥ {_weeks(as_int(weeks))}" if censored else _weeks(as_int(weeks))
