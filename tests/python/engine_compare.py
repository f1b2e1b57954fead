"""What the engine tests compare: the public marts of two builds of the sample.

``test_postgres`` and ``test_spark`` build the test sample on their engine
and compare each mart below with the DuckDB build of the same sample: same
columns in the same order, same rows (ordered by the key), text and
integers equal, floats equal to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Public marts compared, with their key.
MARTS = {
    "customers": ["customer_unique_id"],
    "customer_rfm": ["customer_unique_id"],
    "rfm_score_thresholds": ["metric", "score"],
    "rfm_segment_summary": ["rfm_segment"],
    "customer_segments": ["customer_unique_id"],
    "segment_profiles": ["segment_id"],
    "segment_definitions": ["model_version", "segment_id"],
    "customer_predictions": ["customer_unique_id"],
    # make drift's tables (selector monitoring)
    "segment_lift": ["segmentation", "segment_name"],
    "segment_refit_check": ["model_version"],
    "segment_drift": ["feature"],
    "prediction_backtest": ["cut_date", "method"],
}
#: Columns that differ by design between two builds (wall-clock time).
VOLATILE = {"scored_at"}


def assert_same_mart(mart: str, duck: pd.DataFrame, other: pd.DataFrame) -> None:
    """Fail unless ``other`` holds ``duck``'s columns and values (floats to 1e-9)."""
    assert list(other.columns) == list(duck.columns)
    assert len(other) == len(duck) > 0
    for column in duck.columns:
        if column in VOLATILE:
            continue
        left, right = duck[column], other[column]
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            np.testing.assert_allclose(
                right.astype(float).to_numpy(),
                left.astype(float).to_numpy(),
                rtol=1e-9,
                atol=1e-9,
                equal_nan=True,
                err_msg=f"{mart}.{column}",
            )
        else:
            assert right.astype(str).tolist() == left.astype(str).tolist(), (
                f"{mart}.{column}"
            )
