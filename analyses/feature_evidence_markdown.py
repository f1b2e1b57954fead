"""The Markdown of ``docs/feature_selection.md``, from ``feature_evidence``'s results.

Tables, the per-feature and correlation sections, every candidate of every
set, and the recommendation with the numbers it rests on.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analyses.feature_evidence_measures import (
    CURRENT_FEATURES,
    K_VALUES,
    NEAR_CONSTANT_SHARE,
    REDUNDANT_ABS_R,
    TABLE,
    SetResult,
    Warehouse,
    number,
    redundant_pairs,
)


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, float | np.floating):
        if math.isnan(float(value)):
            return "–"
        return f"{float(value):.{digits}f}"
    return str(value)


def _pct(value: float) -> str:
    return f"{value:.1%}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a Markdown table; numbers are right-aligned."""
    align = [
        "---:" if rows and any(_numeric(row[i]) for row in rows) else "---"
        for i in range(len(header))
    ]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(align) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
    return "\n".join(lines)


def _numeric(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.number):
        return True
    text = str(value).rstrip("%").replace(",", "")
    try:
        float(text)
    except ValueError:
        return False
    return True


def diagnostics_section(label: str, diagnostics: pd.DataFrame) -> str:
    """Return the per-feature diagnostics of one warehouse as Markdown."""
    rows = [
        (
            f"`{r['feature']}`" + (" *" if r["feature"] in CURRENT_FEATURES else ""),
            _pct(r["missing_share"]),
            _pct(r["mode_share"]),
            _fmt(r["skew_raw"], 2),
            _fmt(r["skew_clipped"], 2),
            "log1p" if r["log1p"] else "",
            _fmt(r["skew_transformed"], 2),
            _fmt(r["max_abs_z"], 1),
            _pct(r["share_beyond_3sd"]),
            "**near-constant**" if r["near_constant"] else "",
        )
        # records: plain dicts of Python scalars
        for r in diagnostics.to_dict("records")
    ]
    header = (
        "feature (* = current set)",
        "missing",
        "mode share",
        "skew raw",
        "skew clipped",
        "transform",
        "skew after",
        "max abs z",
        "beyond 3 sd",
        "flag",
    )
    return f"### {label}\n\n" + markdown_table(header, rows)


def correlation_section(
    label: str, pearson: pd.DataFrame, spearman: pd.DataFrame
) -> str:
    """Return the correlation matrix (Pearson above, Spearman below) and flags."""
    names = list(pearson.columns)
    rows = []
    for i, a in enumerate(names):
        cells: list[object] = [f"{i + 1} `{a}`"]
        for j, b in enumerate(names):
            if i == j:
                cells.append("·")
                continue
            value = number(pearson if j > i else spearman, a, b)
            text = f"{value:.2f}"
            cells.append(f"**{text}**" if abs(value) > REDUNDANT_ABS_R else text)
        rows.append(cells)
    header = ("feature", *(str(i + 1) for i in range(len(names))))
    pairs = redundant_pairs(pearson, spearman)
    flagged = markdown_table(
        ("feature a", "feature b", "Pearson", "Spearman"),
        [(f"`{a}`", f"`{b}`", _fmt(r, 2), _fmt(rho, 2)) for a, b, r, rho in pairs],
    )
    return (
        f"### {label}\n\nUpper triangle Pearson, lower triangle Spearman, after "
        f"fill, clip and log1p; |r| > {REDUNDANT_ABS_R} in bold.\n\n"
        + markdown_table(header, rows)
        + f"\n\nPairs with |r| > {REDUNDANT_ABS_R} (Pearson or Spearman):\n\n"
        + flagged
    )


def _summary_row(result: SetResult, n_init10: bool) -> list[object]:
    index = result.chosen_n_init10 if n_init10 else result.chosen
    candidates = result.with_n_init10 if n_init10 else result.candidates
    aris = result.planted_ari_n_init10 if n_init10 else result.planted_ari
    c = candidates[index]
    shares = result.shares(index, n_init10)
    known = [a for a in aris if a is not None]
    return [
        result.name,
        len(result.features),
        result.warehouse,
        f"{c.algorithm} k={c.n_segments}",
        _fmt(c.silhouette),
        _fmt(c.stability_ari),
        _pct(shares[-1]),
        _pct(shares[0]),
        _fmt(aris[index]),
        _fmt(max(known)) if known else "–",
    ]


SUMMARY_HEADER = (
    "set",
    "features",
    "warehouse",
    "chosen",
    "silhouette",
    "stability",
    "smallest",
    "largest",
    "planted ARI",
    "best planted ARI (any candidate)",
)


def detail_section(result: SetResult) -> str:
    """Return every candidate of one set on one warehouse as Markdown."""
    rows = []
    for i, c in enumerate(result.candidates):
        shares = result.shares(i)
        rows.append(
            (
                c.algorithm,
                c.n_segments,
                _fmt(c.silhouette),
                _fmt(c.davies_bouldin),
                f"{c.calinski_harabasz:,.0f}",
                _fmt(c.stability_ari),
                _pct(shares[-1]),
                _pct(shares[0]),
                _fmt(result.planted_ari[i]),
                "**chosen**" if i == result.chosen else "",
            )
        )
    header = (
        "algorithm",
        "k",
        "silhouette",
        "Davies-Bouldin",
        "Calinski-Harabasz",
        "stability",
        "smallest",
        "largest",
        "planted ARI",
        "",
    )
    return (
        f"#### {result.name} on {result.warehouse} ({result.customers:,} "
        "customers)\n\n" + markdown_table(header, rows)
    )


def n_init_section(results: Sequence[SetResult]) -> str:
    """Return k-means stability with n_init 4 and 10, per set, warehouse and k."""
    rows = []
    for result in results:
        four = [c for c in result.candidates if c.algorithm == "kmeans"]
        if not four:
            continue
        ten = {c.n_segments: c for c in result.kmeans_n_init10}
        cells: list[object] = [result.name, result.warehouse]
        for c in four:
            after = ten[c.n_segments].stability_ari
            cells.append(f"{c.stability_ari:.2f} → {after:.2f}")
        cells.append(
            f"{np.mean([c.stability_ari for c in four]):.2f} → "
            f"{np.mean([ten[c.n_segments].stability_ari for c in four]):.2f}"
        )
        rows.append(cells)
        ks = [c.n_segments for c in four]
    header = ("set", "warehouse", *(f"k={k}" for k in ks), "mean")
    return markdown_table(header, rows)


def render(
    warehouses: Sequence[Warehouse],
    diagnostics: dict[str, pd.DataFrame],
    correlations: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    sets: dict[str, tuple[str, ...]],
    near_constant: set[str],
    results: Sequence[SetResult],
    args: argparse.Namespace,
) -> str:
    """Return the whole ``docs/feature_selection.md`` text."""
    reference = warehouses[0].label
    described = ", ".join(
        f"**{w.label}** (`{w.path.name}`, {len(w.features):,} customers"
        + (", with planted types" if w.planted is not None else "")
        + ")"
        for w in warehouses
    )
    sampled = [w.label for w in warehouses if len(w.features) > args.max_customers]
    parts = [
        "# Feature selection for the behavioural segmentation",
        "Written by `python -m analyses.feature_evidence` (see the "
        "module docstring); do not edit by hand. Every number below comes from "
        "seeded runs, so rerunning on the same warehouses gives the same "
        "document.",
        recommendation_section(
            results,
            sets,
            diagnostics,
            correlations,
            next(
                (
                    float(w.planted.value_counts(normalize=True).iloc[0])
                    for w in warehouses
                    if w.planted is not None
                ),
                None,
            ),
        ),
        "## Data and method",
        f"Warehouses: {described}. Features come from "
        f"`{TABLE}` (definitions: `macros/customer_features.sql`).",
        "* **Per feature**: the pipeline's own `FeaturePreparer` (median fill, "
        "clip at the 0.5% / 99.5% quantiles, `log1p` when the clipped feature is "
        "non-negative and its skewness exceeds 1) is fitted on all customers of "
        "each warehouse. *Mode share* is the share of customers holding the most "
        f"common value; above {NEAR_CONSTANT_SHARE:.0%} the feature is flagged "
        "near-constant: after standard scaling the few other customers sit "
        "several standard deviations away (*max abs z*) and pull whole segments "
        "around them.",
        f"* **Correlation** after that transform; pairs above |r| = "
        f"{REDUNDANT_ABS_R} (Pearson or Spearman) carry the same information "
        "twice and double its weight in every distance: keep one.",
        "* **Feature sets**: `select_model` with all three algorithms, k = "
        f"{', '.join(str(k) for k in K_VALUES)}"
        ", seeds 0, 1, 2, silhouette on a fixed sample of "
        f"{args.silhouette_sample:,} customers, Ward tree on 8,000, and "
        "`choose()` with the project's rule (stability ARI >= 0.8, every segment "
        ">= 2%, then highest silhouette)."
        + (
            f" **{', '.join(sampled)}** is subsampled to "
            f"{args.max_customers:,} customers (seed {args.seed}) to keep the "
            "runtime reasonable; the other warehouses are used whole."
            if sampled
            else ""
        )
        + " *Planted ARI* is the adjusted Rand index between a candidate's "
        "labels and the planted customer types (1 = the planted types exactly, 0 "
        "= chance); *best planted ARI* is the best over all 15 candidates of the "
        "set, i.e. what the features could give with a perfect choice rule.",
        "* **K-means `n_init`**: the k-means candidates are refitted with "
        "`n_init = 10` (instead of 4) and the choice rule is rerun with them.",
        f"* The pruned set is derived on **{reference}**: the current set minus "
        f"near-constant features ({', '.join(sorted(near_constant)) or 'none'}) "
        "minus the later member of each redundant pair.",
        "## Candidate feature sets",
        markdown_table(
            ("set", "features"),
            [
                (f"`{name}`", ", ".join(f"`{f}`" for f in columns))
                for name, columns in sets.items()
            ],
        ),
        "## Results per feature set (the chosen candidate)",
        "With the current `n_init = 4`:",
        markdown_table(SUMMARY_HEADER, [_summary_row(r, False) for r in results]),
        "With k-means `n_init = 10` (Gaussian mixture and Ward unchanged):",
        markdown_table(SUMMARY_HEADER, [_summary_row(r, True) for r in results]),
        "## K-means stability: n_init 4 → 10",
        "Mean pairwise ARI between the labels of seeds 0, 1 and 2.",
        n_init_section(results),
        "## Per-feature diagnostics",
        *(diagnostics_section(w.label, diagnostics[w.label]) for w in warehouses),
        "## Correlations after the transform",
        *(correlation_section(w.label, *correlations[w.label]) for w in warehouses),
        "## Appendix: every candidate of every set",
        *(detail_section(r) for r in results),
    ]
    return "\n\n".join(parts)


#: The recommended set (see :func:`feature_sets` and the document).
RECOMMENDED = "compact"


def recommendation_section(
    results: Sequence[SetResult],
    sets: dict[str, tuple[str, ...]],
    diagnostics: dict[str, pd.DataFrame],
    correlations: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    planted_largest: float | None = None,
) -> str:
    """Return the recommendation, with the numbers it rests on.

    The first warehouse is the reference (real data); the first warehouse
    with planted types gives the planted ARI.
    """
    reference = results[0].warehouse
    planted = next((r.warehouse for r in results if r.planted_ari[0] is not None), None)
    by_key = {(r.name, r.warehouse): r for r in results}
    diag = diagnostics[reference].set_index("feature")
    pearson, spearman = correlations[reference]

    def chosen(name: str, warehouse: str | None, n_init10: bool = False) -> str:
        if warehouse is None:
            return "–"
        r = by_key[(name, warehouse)]
        i = r.chosen_n_init10 if n_init10 else r.chosen
        c = (r.with_n_init10 if n_init10 else r.candidates)[i]
        return f"{c.algorithm} k={c.n_segments}"

    def largest(name: str, warehouse: str) -> str:
        r = by_key[(name, warehouse)]
        return _pct(r.shares(r.chosen)[0])

    def ari(name: str) -> str:
        if planted is None:
            return "–"
        r = by_key[(name, planted)]
        return _fmt(r.planted_ari[r.chosen])

    def stability(name: str, warehouse: str) -> str:
        r = by_key[(name, warehouse)]
        return _fmt(r.candidates[r.chosen].stability_ari)

    def kmeans_mean(name: str, warehouse: str, ten: bool) -> str:
        r = by_key[(name, warehouse)]
        pool = r.kmeans_n_init10 if ten else r.candidates
        values = [c.stability_ari for c in pool if c.algorithm == "kmeans"]
        return f"{np.mean(values):.2f}"

    def kmeans_k(name: str, warehouse: str, k: int, ten: bool) -> str:
        r = by_key[(name, warehouse)]
        pool = r.kmeans_n_init10 if ten else r.candidates
        value = next(
            c.stability_ari
            for c in pool
            if c.algorithm == "kmeans" and c.n_segments == k
        )
        return f"{value:.2f}"

    def r_of(a: str, b: str) -> str:
        return (
            f"Pearson {number(pearson, a, b):.2f}, "
            f"Spearman {number(spearman, a, b):.2f}"
        )

    recommended = sets[RECOMMENDED]
    lines = [
        "## Recommendation",
        f"Use the **`{RECOMMENDED}`** set, in this order:",
        "\n".join(f"{i}. `{name}`" for i, name in enumerate(recommended, 1)),
        "and set k-means **`n_init = 10`** (today 4; `SegmentConfig.n_init` has "
        "no dbt var yet, so this is a default change in `segmentation.py` or a "
        "new `segment_n_init` var). The other settings stay (k 4-8, seeds 0-2, "
        "stability >= 0.8, segments >= 2%).",
        "It keeps RFM and every behaviour group (payment habits, satisfaction, "
        "delivery, geography) and removes three columns of the current set "
        "that add weight without adding information:",
        "* **RFM alone is not enough; every behaviour group adds information.** "
        f"On the planted sample the chosen model's ARI is {ari('rfm')} with "
        f"RFM only, {ari('rfm_payment')} with payment habits added and "
        f"{ari('rfm_experience')} with satisfaction and delivery added; the "
        f"`{RECOMMENDED}` set reaches {ari(RECOMMENDED)} (current set: "
        f"{ari('current')}). No group hurts; what hurts is how three columns "
        "encode theirs.",
        "* **Drop `distinct_category_count`** (near-constant): "
        f"{_pct(number(diag, 'distinct_category_count', 'mode_share'))} of real "
        "customers have exactly one category, the others sit up to "
        f"{number(diag, 'distinct_category_count', 'max_abs_z'):.1f} sd away, and "
        "it largely repeats `frequency` ("
        f"{r_of('frequency', 'distinct_category_count')} on {reference}). "
        "Several categories mostly come with several orders.",
        "* **Drop `late_delivery_share`** (a 0/1 flag for "
        f"{_pct(1 - number(diag, 'late_delivery_share', 'mode_share'))} of real "
        "customers, max |z| "
        f"{number(diag, 'late_delivery_share', 'max_abs_z'):.1f}): its information "
        "is partly carried by `avg_delivery_days` ("
        f"{r_of('late_delivery_share', 'avg_delivery_days')}) and "
        "`avg_review_score` ("
        f"{r_of('late_delivery_share', 'avg_review_score')}). **Drop "
        "`freight_share`**: after log it largely mirrors order value "
        f"(with `monetary`: {r_of('monetary', 'freight_share')}), so it "
        "counts basket size twice.",
        "* **Keep `frequency` although it is near-constant** "
        f"({_pct(number(diag, 'frequency', 'mode_share'))} buy once): it is the F "
        "of RFM and the only signal of repeat buyers, who become one small, "
        "clear segment. The `pruned` set (which also drops `frequency`) scores "
        f"a similar planted ARI ({ari('pruned')}) because ARI is dominated by "
        "the large one-order types, but it loses the repeat-buyer signal.",
        "* **No catch-all segment.** On the real data the chosen model's largest "
        f"segment falls from {largest('current', reference)} "
        f"({chosen('current', reference)}, current set) to "
        f"{largest(RECOMMENDED, reference)} ({chosen(RECOMMENDED, reference)}, "
        f"stability {stability(RECOMMENDED, reference)}); on the sample from "
        + (
            f"{largest('current', planted)} to {largest(RECOMMENDED, planted)} "
            f"(the largest planted type is {_pct(planted_largest or 0)})."
            if planted
            else "–."
        ),
        "* **`n_init = 10` makes k-means stable.** Mean k-means stability over "
        f"k = 4-8 on {reference}: current set "
        f"{kmeans_mean('current', reference, False)}"
        f" → {kmeans_mean('current', reference, True)}, `{RECOMMENDED}` "
        f"{kmeans_mean(RECOMMENDED, reference, False)} → "
        f"{kmeans_mean(RECOMMENDED, reference, True)} (k = 4: "
        f"{kmeans_k(RECOMMENDED, reference, 4, False)} → "
        f"{kmeans_k(RECOMMENDED, reference, 4, True)}); with 4 starts a k-means "
        "candidate is often ruled out for instability that is only a bad local "
        "optimum. The cost is 10 instead of 4 starts per k-means fit.",
        "Caveats: silhouettes are not comparable between sets of different "
        "sizes (fewer dimensions give higher silhouettes: RFM alone scores "
        "highest yet recovers the planted types worst), so the sets are "
        "compared on planted ARI, stability and segment shares. The choice rule "
        "still prefers k = 4-5 over the 6 planted types (the two repeat types "
        "together are under 3% of the sample); the best candidate of the "
        "current set reaches a higher planted ARI than the chosen one, which is "
        "a choice-rule question, not a feature question.",
    ]
    return "\n\n".join(lines)
