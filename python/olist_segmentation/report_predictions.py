"""Value predictions for "whom to contact first", read from the warehouse.

``customer_predictions`` (one row per customer), ``prediction_backtest`` and
``prediction_backtest_deciles`` are optional: :func:`load_predictions` reads
those present and summarises them for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

#: The value predictions and their backtest (optional).
PREDICTION_TABLE = "customer_predictions"
#: The next step per customer (optional): the contact list reads it.
ACTION_TABLE = "customer_next_best_action"
BACKTEST_TABLE = "prediction_backtest"
DECILES_TABLE = "prediction_backtest_deciles"
#: Value tiers of customer_predictions, best first.
VALUE_TIERS = ("high", "medium", "low")
#: Customers listed under "whom to contact first".
TOP_CUSTOMERS = 20
#: Optional columns of customer_predictions shown for the top customers.
TOP_COLUMNS = (
    "purchase_probability",
    "probability_alive",
    "expected_purchases",
    "expected_order_value",
)


@dataclass
class PredictionData:
    """customer_predictions summarised for the page, with its backtest.

    ``tiers``, ``by_segment`` and ``top`` are empty when the table is absent;
    ``backtest`` and ``deciles`` are None when their table is absent.
    """

    present: bool = False
    as_of_dates: tuple[str, ...] = ()
    horizon_days: int | None = None
    model_version: int | None = None
    method: str | None = None
    customers: int = 0
    #: Customers of customer_segments (current version) with a prediction.
    matched_customers: int = 0
    tiers: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_segment: pd.DataFrame = field(default_factory=pd.DataFrame)
    top: pd.DataFrame = field(default_factory=pd.DataFrame)
    backtest: pd.DataFrame | None = None
    deciles: pd.DataFrame | None = None
    #: Why the scores are empty (the fallback's customer_predictions.score_note).
    score_note: str | None = None
    #: Customers per next best action (empty without the action table).
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Customers per segment and action, for the segment cards.
    segment_actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Customers the contact list leaves out (no sales message).
    suppressed_customers: int = 0


def load_predictions(
    con: duckdb.DuckDBPyConnection, present: set[str], model_version: int
) -> PredictionData:
    """Summarise customer_predictions (tiers, segment x tier, top customers).

    Args:
        con: An open connection to the warehouse.
        present: The tables of schema ``main``.
        model_version: The segment model version of ``customer_segments``.

    Returns:
        The summary; ``present`` is False when the table is absent.
    """
    out = PredictionData(present=PREDICTION_TABLE in present)
    if BACKTEST_TABLE in present:
        out.backtest = con.execute(
            "select * replace (cast(cast(cut_date as date) as varchar) as cut_date) "
            "from main.prediction_backtest "
            "order by cut_date, is_production_method desc, method"
        ).df()
    if DECILES_TABLE in present:
        out.deciles = con.execute(
            "select * replace (cast(cast(cut_date as date) as varchar) as cut_date) "
            "from main.prediction_backtest_deciles order by cut_date, method, decile"
        ).df()
    if not out.present:
        return out
    dates, horizon, version, method, customers = con.execute(
        "select list(distinct cast(cast(as_of_date as date) as varchar) "
        "order by cast(cast(as_of_date as date) as varchar)), "
        "max(horizon_days), max(prediction_model_version), min(method), count(*) "
        "from main.customer_predictions"
    ).fetchall()[0]
    out.as_of_dates = tuple(dates or ())
    out.horizon_days = None if horizon is None else int(horizon)
    out.model_version = None if version is None else int(version)
    out.method = method
    out.customers = int(customers)
    scored = (
        "from main.customer_predictions p join main.customer_segments s "
        "using (customer_unique_id) where s.model_version = ?"
    )
    out.matched_customers = int(
        con.execute(f"select count(*) {scored}", [model_version]).fetchall()[0][0]
    )
    out.tiers = con.execute(
        "select value_tier, count(*) as customers, "
        "sum(expected_revenue) as expected_revenue, "
        "sum(expected_purchases) as expected_purchases, "
        "sum(purchase_probability) as expected_buyers, "
        "avg(purchase_probability) as purchase_probability, "
        "min(value_rank) as best_rank "
        "from main.customer_predictions group by value_tier "
        "order by best_rank, value_tier"
    ).df()
    out.by_segment = con.execute(
        "select s.segment_id, s.segment_name, p.value_tier, count(*) as customers, "
        f"sum(p.expected_revenue) as expected_revenue {scored} "
        "group by all order by s.segment_id, p.value_tier",
        [model_version],
    ).df()
    columns = {
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where "
            "table_schema = 'main' and table_name = ?",
            [PREDICTION_TABLE],
        ).fetchall()
    }
    shown = ", ".join(f"p.{c}" if c in columns else f"null as {c}" for c in TOP_COLUMNS)
    if "score_note" in columns:
        out.score_note = con.execute(
            "select min(score_note) from main.customer_predictions"
        ).fetchall()[0][0]
    if ACTION_TABLE not in present:
        out.top = con.execute(
            "select p.value_rank, p.customer_unique_id, s.segment_name, "
            f"p.value_tier, null as action_label, {shown}, p.expected_revenue "
            f"{scored} order by p.value_rank, p.customer_unique_id limit ?",
            [model_version, TOP_CUSTOMERS],
        ).df()
        return out
    # the contact list: customers with a sales message, by value
    out.top = con.execute(
        "select p.value_rank, p.customer_unique_id, s.segment_name, p.value_tier, "
        f"a.action_label, {shown}, p.expected_revenue "
        "from main.customer_predictions p "
        "join main.customer_segments s using (customer_unique_id) "
        "join main.customer_next_best_action a using (customer_unique_id) "
        "where s.model_version = ? and a.is_sales_message "
        "order by p.value_rank, p.customer_unique_id limit ?",
        [model_version, TOP_CUSTOMERS],
    ).df()
    out.actions = con.execute(
        "select next_best_action, action_label, is_sales_message, "
        "count(*) as customers, sum(expected_revenue) as expected_revenue, "
        "sum(purchase_probability) as expected_buyers "
        "from main.customer_next_best_action group by all "
        "order by is_sales_message desc, customers desc, next_best_action"
    ).df()
    out.segment_actions = con.execute(
        "select segment_id, action_label, count(*) as customers "
        "from main.customer_next_best_action group by all "
        "order by segment_id, customers desc, action_label"
    ).df()
    out.suppressed_customers = int(
        con.execute(
            "select count(*) from main.customer_next_best_action "
            "where not is_sales_message"
        ).fetchall()[0][0]
    )
    return out
