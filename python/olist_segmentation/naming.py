"""Names, descriptions and recommended actions of behavioural segments.

A segment is named after what sets it apart: the features whose centre lies
furthest from the average customer, in standard deviations of the scaled
features. Each (feature, direction) is a *trait* with a short name, a
sentence with the segment's own numbers, and the campaign a marketer should
run for it. The rules are plain data (:data:`TRAITS`), so a marketer can
read and change them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

#: A trait shows when the centre is at least this many standard deviations
#: from the average customer.
MIN_TRAIT_STRENGTH = 0.5


@dataclass(frozen=True)
class Trait:
    """What a high or low value of one feature says about a segment."""

    name: str
    description: str
    action: str


def _money(value: float) -> str:
    return f"R$ {value:,.0f}".replace(",", ".")


def _days(value: float) -> str:
    return f"{value:,.0f} days"


def _share(value: float) -> str:
    return f"{value:.0%}"


def _plain(value: float) -> str:
    return f"{value:.1f}"


#: How each feature's values are shown in descriptions.
FORMATS = {
    "recency_days": _days,
    "tenure_days": _days,
    "frequency": _plain,
    "monetary": _money,
    "avg_order_value": _money,
    "avg_items_per_order": _plain,
    "distinct_category_count": _plain,
    "freight_share": _share,
    "avg_installments": _plain,
    "credit_card_share": _share,
    "boleto_share": _share,
    "voucher_share": _share,
    "avg_delivery_days": _days,
    "late_delivery_share": _share,
    "avg_review_score": _plain,
    "distance_to_sao_paulo_km": lambda v: f"{v:,.0f} km",
}

#: Features described by their mean: their median hides the difference
#: (most customers sit at 0 or 1, or at one order).
DESCRIBED_BY_MEAN = frozenset(
    {
        "frequency",
        "credit_card_share",
        "boleto_share",
        "voucher_share",
        "late_delivery_share",
        "avg_review_score",
        "distinct_category_count",
        "avg_installments",
    }
)

#: Traits by (feature, +1 for high / -1 for low). ``{segment}`` and
#: ``{overall}`` in descriptions are the segment's and everyone's medians
#: (means for :data:`DESCRIBED_BY_MEAN`).
TRAITS: dict[tuple[str, int], Trait] = {
    ("recency_days", 1): Trait(
        "Lapsed",
        "last bought {segment} ago (everyone: {overall})",
        "Win back: a time-limited voucher in their last category; stop "
        "after two unanswered contacts.",
    ),
    ("recency_days", -1): Trait(
        "Recent",
        "bought {segment} ago (everyone: {overall})",
        "Second-purchase nudge within 30 days: recommendations based on "
        "the first order and a small welcome-back coupon.",
    ),
    ("frequency", 1): Trait(
        "Repeat buyers",
        "placed {segment} orders (everyone: {overall})",
        "Loyalty programme: early access, free-shipping thresholds, "
        "referral rewards; ask them for reviews.",
    ),
    ("monetary", 1): Trait(
        "Big spenders",
        "spent {segment} in total (everyone: {overall})",
        "Premium treatment: curated high-ticket recommendations and "
        "interest-free instalments on big items.",
    ),
    ("monetary", -1): Trait(
        "Small baskets",
        "spent {segment} in total (everyone: {overall})",
        "Bundles and free-shipping thresholds to raise the basket; "
        "low-cost channels only.",
    ),
    ("avg_order_value", 1): Trait(
        "High-ticket",
        "spend {segment} per order (everyone: {overall})",
        "Premium catalogue and instalment offers on high-ticket categories.",
    ),
    ("avg_installments", 1): Trait(
        "Instalment payers",
        "pay in {segment} instalments (everyone: {overall})",
        "Advertise interest-free instalments; time offers to payday.",
    ),
    ("avg_installments", -1): Trait(
        "Pay up front",
        "pay in {segment} instalments (everyone: {overall})",
        "Cash discounts (boleto or Pix) rather than instalment offers.",
    ),
    ("credit_card_share", 1): Trait(
        "Card payers",
        "pay {segment} of their spend by credit card (everyone: {overall})",
        "Card-partner promotions and one-click checkout.",
    ),
    ("credit_card_share", -1): Trait(
        "Boleto payers",
        "pay only {segment} of their spend by credit card (everyone: {overall})",
        "Price-led offers with a boleto or Pix discount; remind them "
        "before the boleto expires.",
    ),
    ("voucher_share", 1): Trait(
        "Voucher users",
        "pay {segment} of their spend with vouchers (everyone: {overall})",
        "Voucher-driven campaigns work: send targeted coupons with an expiry date.",
    ),
    ("avg_review_score", -1): Trait(
        "Unhappy",
        "gave {segment} stars on average (everyone: {overall})",
        "Service recovery first: apologise, solve the open problem, offer "
        "a goodwill coupon; no sales message until then.",
    ),
    ("avg_review_score", 1): Trait(
        "Delighted",
        "gave {segment} stars on average (everyone: {overall})",
        "Ask for reviews and referrals; feature them in testimonials.",
    ),
    ("late_delivery_share", 1): Trait(
        "Late deliveries",
        "had {segment} of their orders delivered late (everyone: {overall})",
        "Proactive delivery tracking and a delay-compensation voucher; "
        "favour sellers with good delivery records.",
    ),
    ("avg_delivery_days", 1): Trait(
        "Long waits",
        "waited {segment} for delivery (everyone: {overall})",
        "Set honest delivery expectations and promote sellers close to them.",
    ),
    ("avg_delivery_days", -1): Trait(
        "Fast deliveries",
        "received orders in {segment} (everyone: {overall})",
        "Promote express delivery and impulse categories.",
    ),
    ("freight_share", 1): Trait(
        "Freight-heavy",
        "paid {segment} of their order value in freight (everyone: {overall})",
        "Free-shipping thresholds and bundles that dilute freight.",
    ),
    ("distinct_category_count", 1): Trait(
        "Multi-category",
        "bought from {segment} categories (everyone: {overall})",
        "Cross-sell bundles across categories.",
    ),
    ("avg_items_per_order", 1): Trait(
        "Bulk buyers",
        "buy {segment} items per order (everyone: {overall})",
        "Volume discounts and multi-packs.",
    ),
    ("distance_to_sao_paulo_km", 1): Trait(
        "Remote",
        "live {segment} from São Paulo (everyone: {overall})",
        "Subsidised freight and regional sellers; stress delivery reliability.",
    ),
    ("distance_to_sao_paulo_km", -1): Trait(
        "São Paulo area",
        "live {segment} from São Paulo (everyone: {overall})",
        "Fast-delivery and same-week promotions.",
    ),
}

FALLBACK = Trait(
    "Typical customers",
    "are close to the average customer on every feature",
    "Standard lifecycle communication; test offers on this group first.",
)


@dataclass(frozen=True)
class SegmentDefinition:
    """The human-readable face of one segment."""

    segment_id: int
    segment_name: str
    description: str
    recommended_action: str


def _traits(z: Mapping[str, float]) -> list[tuple[float, str, Trait]]:
    found = []
    for feature, value in z.items():
        trait = TRAITS.get((feature, 1 if value > 0 else -1))
        if trait is not None and abs(value) >= MIN_TRAIT_STRENGTH:
            found.append((abs(value), feature, trait))
    return sorted(found, key=lambda item: (-item[0], item[1]))


def define_segments(
    z_centres: pd.DataFrame,
    segment_medians: pd.DataFrame,
    overall_medians: Mapping[str, float],
    shares: Mapping[int, float],
    kept_names: Mapping[int, str] | None = None,
    segment_means: pd.DataFrame | None = None,
    overall_means: Mapping[str, float] | None = None,
) -> list[SegmentDefinition]:
    """Name, describe and give an action to every segment.

    Args:
        z_centres: Index segment_id, one column per feature: the centre in
            scaled units (0 = the average customer, 1 = one standard
            deviation above).
        segment_medians: Index segment_id, one column per feature: the
            segment's median in feature units.
        overall_medians: Everyone's median per feature.
        shares: Share of customers per segment_id.
        kept_names: Names that segments keep from an earlier model version;
            new names never repeat them.
        segment_means: Like ``segment_medians``, with means; used for the
            features of :data:`DESCRIBED_BY_MEAN` when given.
        overall_means: Everyone's mean per feature.

    Returns:
        One definition per segment, by segment_id; names are unique.
    """
    kept = dict(kept_names or {})
    used = set(kept.values())
    definitions = []
    for segment_id in sorted(z_centres.index):
        traits = _traits(z_centres.loc[segment_id].to_dict())
        name = kept.get(segment_id) or _unique_name(traits, used, segment_id)
        used.add(name)
        sentences = []
        for _, feature, trait in traits[:3]:
            show = FORMATS.get(feature, _plain)
            if (
                feature in DESCRIBED_BY_MEAN
                and segment_means is not None
                and overall_means is not None
            ):
                segment_value = segment_means.loc[segment_id, feature]
                overall_value = overall_means[feature]
            else:
                segment_value = segment_medians.loc[segment_id, feature]
                overall_value = overall_medians[feature]
            sentences.append(
                trait.description.format(
                    segment=show(float(segment_value)),
                    overall=show(float(overall_value)),
                )
            )
        if not sentences:
            sentences.append(FALLBACK.description)
        description = (
            f"{shares.get(segment_id, 0.0):.1%} of customers. Compared with "
            "everyone, they " + "; ".join(sentences) + "."
        )
        action = (traits[0][2] if traits else FALLBACK).action
        definitions.append(
            SegmentDefinition(int(segment_id), name, description, action)
        )
    return definitions


def _unique_name(
    traits: Sequence[tuple[float, str, Trait]], used: set[str], segment_id: int
) -> str:
    names = [trait.name for _, _, trait in traits]
    candidates = []
    if names:
        candidates.append(names[0])
        candidates += [f"{names[0]}, {other.lower()}" for other in names[1:3]]
        if len(names) >= 3:
            candidates.append(f"{names[0]}, {names[1].lower()}, {names[2].lower()}")
    else:
        candidates.append(FALLBACK.name)
    for candidate in candidates:
        if candidate not in used:
            return candidate
    return f"{candidates[0]} ({segment_id})"
