"""The refresh-interval simulation: bodies of the models in ``models/stability/``."""

from __future__ import annotations

import pandas as pd

from olist_segmentation.dbt_models.common import import_fitting_code, log


def stability_ari(
    features: pd.DataFrame,
    grid: pd.DataFrame,
    selection: pd.DataFrame,
    start_dates: object,
    fit_sample_size: object = None,
) -> pd.DataFrame:
    """Rows of ``stability_ari``.

    The latest model version's hyper-parameters are fitted (on at most
    ``fit_sample_size`` customers, as a build) at each start date and
    frozen (M0), then compared with refits at each horizon.
    """
    import_fitting_code()
    from olist_segmentation import stability  # noqa: PLC0415

    chosen = stability.ChosenModel.from_selection(selection)
    log(
        f"stability: {chosen.algorithm} with {chosen.n_segments} segments, "
        f"{grid['start_date'].nunique()} start dates, "
        f"{grid['as_of_date'].nunique()} as-of dates, {len(features):,} feature rows"
    )
    dates = start_dates if isinstance(start_dates, list | tuple) else None
    size = int(fit_sample_size) if fit_sample_size is not None else None  # type: ignore[call-overload]
    return stability.simulate(
        features, grid, chosen, dates, progress=log, fit_sample_size=size
    )


def stability_drift(
    features: pd.DataFrame, grid: pd.DataFrame, selection: pd.DataFrame
) -> pd.DataFrame:
    """Rows of ``stability_drift``: PSI and KS of each model feature."""
    import_fitting_code()
    from olist_segmentation import stability  # noqa: PLC0415

    chosen = stability.ChosenModel.from_selection(selection)
    return stability.drift_over_time(features, grid, chosen.config.features)
