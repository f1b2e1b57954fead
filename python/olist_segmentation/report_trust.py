"""The report's trust line and banner: one model version and data, or not.

:func:`assess` compares the model version and as-of date of every part of
:class:`~olist_segmentation.report_data.ReportData` with those of the segments
(``customer_segments``): the drift check, the feature drift, the lift
backtest and the value predictions. A part of another version or date is
left out of the page (its section says why) and named in the banner; a
refit that is due is the banner's first sentence.
"""

from __future__ import annotations

import datetime as dt

from olist_segmentation.report_data import ReportData, Trust, as_int, missing

#: Command that fits a new segment model version.
REFIT_COMMAND = "make refit"
#: Command that rebuilds the drift check and the lift backtest.
DRIFT_COMMAND = "make drift"


def valid_until(trained_as_of_date: str | None, interval_weeks: int | None) -> str:
    """Return the last as-of date at which the model is not too old.

    The drift check's age rule says a refit is due when the model was
    trained more than ``interval_weeks`` whole weeks before the as-of date,
    so the model is valid for the ``interval_weeks + 1`` weeks after training
    minus one day.

    Args:
        trained_as_of_date: The training as-of date, ``YYYY-MM-DD``.
        interval_weeks: var ``segment_refresh_interval_weeks``.

    Returns:
        ``YYYY-MM-DD``, or "" when either is unknown.
    """
    if not trained_as_of_date or interval_weeks is None:
        return ""
    trained = dt.date.fromisoformat(str(trained_as_of_date)[:10])
    return (trained + dt.timedelta(days=7 * (int(interval_weeks) + 1) - 1)).isoformat()


def lift_is_current(as_of_date: str, lift_as_of: str, horizon_days: int) -> bool:
    """Whether a lift block ends at the page's as-of date (same data).

    A block holds the segments at T and the purchases in the next
    ``horizon_days``; it is of this page's data when T + horizon = as-of.
    """
    end = dt.date.fromisoformat(str(lift_as_of)[:10]) + dt.timedelta(
        days=int(horizon_days)
    )
    return end.isoformat() == str(as_of_date)[:10]


def assess(data: ReportData) -> Trust:
    """Decide the trust line and the banner of the page.

    Args:
        data: What :func:`~olist_segmentation.report_data.load_report_data`
            read (possibly changed by a test).

    Returns:
        The :class:`~olist_segmentation.report_data.Trust` of the page.
    """
    fingerprint = data.fingerprint or {}
    chosen = data.chosen
    trained = fingerprint.get("training_as_of_date") or chosen.get("trained_as_of_date")
    trained = None if missing(trained) else str(trained)[:10]
    trained_customers = fingerprint.get("customers")
    if missing(trained_customers):
        trained_customers = chosen.get("trained_customers")
    fit_sample = fingerprint.get("fit_sample_customers")
    check = data.refresh.refit_check
    interval = None if check is None else check.get("refresh_interval_weeks")
    interval = None if missing(interval) else as_int(interval)
    current = check is not None and _same(check, data.model_version, data.as_of_date)
    problems: list[str] = []
    refit_due: bool | None = None
    if current and check is not None:
        refit_due = bool(check.get("is_refit_due"))
        if refit_due:
            problems.append(
                "The segment model no longer fits the data: "
                f"{check.get('verdict') or 'a refit is due'}. Fit a new model "
                f"version ({REFIT_COMMAND}, i.e. olist-seg build --refit), then "
                "write this report again."
            )
    elif check is not None:
        problems.append(
            "The drift check in this warehouse is of model version "
            f"{check.get('model_version')} with data as of "
            f"{str(check.get('as_of_date'))[:10]}, not of this page's model "
            f"version {data.model_version} with data as of {data.as_of_date}, "
            "so whether a refit is due is not known and its figures are left "
            f"out. Run {DRIFT_COMMAND}, then write this report again."
        )
    if trained and trained > data.as_of_date:
        problems.append(
            f"The model was trained on data as of {trained}, after this page's "
            f"as-of date {data.as_of_date}."
        )
    if data.lift is not None and not data.lift.empty:
        blocks = sorted(
            {
                (str(a)[:10], int(h))
                for a, h in zip(
                    data.lift["as_of_date"], data.lift["horizon_days"], strict=True
                )
            }
        )
        stale = [b for b in blocks if not lift_is_current(data.as_of_date, *b)]
        if stale:
            problems.append(
                "The lift backtest at "
                + ", ".join(f"T = {a} ({h} days)" for a, h in stale)
                + f" does not end at this page's as-of date {data.as_of_date}, "
                f"so it is left out. Run {DRIFT_COMMAND}, then write this "
                "report again."
            )
    predictions = data.predictions
    predictions_current = predictions.present and (
        predictions.as_of_dates == (data.as_of_date,)
        and predictions.customers == data.customers
        and predictions.matched_customers == data.customers
    )
    if predictions.present and not predictions_current:
        when = ", ".join(predictions.as_of_dates) or "no date"
        problems.append(
            f"The value predictions are as of {when} for "
            f"{predictions.customers:,} customers, the segments as of "
            f"{data.as_of_date} for {data.customers:,}: they are left out. "
            "Run make run, then write this report again."
        )
    return Trust(
        model_version=data.model_version,
        as_of_date=data.as_of_date,
        trained_as_of_date=trained,
        trained_customers=None
        if missing(trained_customers)
        else as_int(trained_customers),
        fit_sample_customers=None if missing(fit_sample) else as_int(fit_sample),
        refresh_interval_weeks=interval,
        valid_until=valid_until(trained, interval) or None,
        refit_due=refit_due,
        check_is_current=current,
        verdict=None if check is None else check.get("verdict"),
        problems=problems,
        predictions_current=bool(predictions_current),
    )


def _same(row: dict, model_version: int, as_of_date: str) -> bool:
    version = row.get("model_version")
    return (
        not missing(version)
        and as_int(version) == int(model_version)
        and str(row.get("as_of_date"))[:10] == str(as_of_date)[:10]
    )
