"""The backtests' RFM models are the marts' steps on other inputs, verbatim.

`customer_rfm` and `rfm_score_thresholds` show RFM as readable steps; the
lift and purchase-score backtests score past dates with copies of those
steps (DECISIONLOG "One feature definition, parameterised by the as-of
date"). A copy that drifts from its mart would score the past differently
from production, so the copies must equal the mart once their refs are
mapped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[2] / "models"

#: copy -> (mart, {mart's ref: copy's ref})
COPIES = {
    "monitoring/intermediate/int_customer_rfm_lift.sql": (
        "marts/customer_rfm.sql",
        {
            "int_customer_rfm_values": "int_customer_features_lift",
            "rfm_score_thresholds": "int_rfm_score_thresholds_lift",
        },
    ),
    "monitoring/intermediate/int_prediction_backtest_rfm.sql": (
        "marts/customer_rfm.sql",
        {
            "int_customer_rfm_values": "int_prediction_backtest_features",
            "rfm_score_thresholds": "int_prediction_backtest_rfm_thresholds",
        },
    ),
    "monitoring/intermediate/int_rfm_score_thresholds_lift.sql": (
        "marts/rfm_score_thresholds.sql",
        {"int_customer_rfm_values": "int_customer_features_lift"},
    ),
    "monitoring/intermediate/int_prediction_backtest_rfm_thresholds.sql": (
        "marts/rfm_score_thresholds.sql",
        {"int_customer_rfm_values": "int_prediction_backtest_features"},
    ),
}


def _body(path: Path) -> str:
    """The model without its header comment (what it does, not how)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and lines[0].startswith("--"):
        lines.pop(0)
    return "\n".join(lines).strip()


@pytest.mark.parametrize("copy", sorted(COPIES))
def test_backtest_rfm_model_is_the_marts_steps(copy: str) -> None:
    mart, refs = COPIES[copy]
    expected = _body(MODELS / mart)
    for mart_ref, copy_ref in refs.items():
        expected = re.sub(rf"ref\('{mart_ref}'\)", f"ref('{copy_ref}')", expected)
    assert _body(MODELS / copy) == expected, (
        f"models/{copy} differs from the steps of models/{mart}: change both "
        "the same way (the backtests must score the past as production does)"
    )
