"""customer_predictions and the purchase-score backtest on the sample build."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from olist_segmentation import predictions


def test_one_prediction_per_customer(sample_build):
    counts = sample_build.query(
        """
        select
            (select count(*) from customer_rfm) as rfm,
            (select count(*) from customer_predictions) as predicted,
            (select count(*) from customer_predictions as p
             inner join customer_rfm as r using (customer_unique_id)) as matched
        """
    ).iloc[0]
    assert counts["rfm"] == counts["predicted"] == counts["matched"] > 0


def test_sql_scores_equal_the_python_formula(sample_build):
    parameters = sample_build.query("select * from prediction_model_parameters")
    latest = parameters["prediction_model_version"].max()
    parameters = parameters[parameters["prediction_model_version"] == latest]
    scored = sample_build.query(
        """
        select f.*, p.purchase_probability
        from customer_predictions as p
        inner join intermediate.int_customer_features as f using (customer_unique_id)
        order by customer_unique_id
        """
    )
    expected = predictions.logistic_scores(parameters, scored)
    np.testing.assert_allclose(scored["purchase_probability"], expected, rtol=1e-9)


def test_sql_revenue_equals_the_python_formula(sample_build):
    parameters = sample_build.query("select * from prediction_model_parameters")
    latest = parameters["prediction_model_version"].max()
    parameters = parameters[parameters["prediction_model_version"] == latest]
    assert (parameters["method"] == predictions.FITTED_METHOD).all()
    scored = sample_build.query(
        """
        select f.*, p.expected_revenue, p.expected_purchases, p.expected_order_value
        from customer_predictions as p
        inner join intermediate.int_customer_features as f using (customer_unique_id)
        order by customer_unique_id
        """
    )
    expected = predictions.revenue_scores(parameters, scored)
    np.testing.assert_allclose(scored["expected_revenue"], expected, rtol=1e-9)
    np.testing.assert_allclose(
        scored["expected_order_value"],
        scored["expected_revenue"] / scored["expected_purchases"],
        rtol=1e-9,
    )


def test_value_tiers_follow_expected_revenue(sample_build):
    tiers = sample_build.query(
        """
        select value_tier, count(*) as n, min(expected_revenue) as low,
               max(expected_revenue) as high
        from customer_predictions group by value_tier
        """
    ).set_index("value_tier")
    total = tiers["n"].sum()
    assert tiers.loc["high", "n"] == int(np.ceil(total * 0.1))
    assert tiers.loc["high", "low"] >= tiers.loc["medium", "high"]
    assert tiers.loc["medium", "low"] >= tiers.loc["low", "high"]


def test_backtest_arithmetic_matches_sklearn(sample_build):
    scores = sample_build.query("select * from prediction_backtest_scores")
    backtest = sample_build.query("select * from prediction_backtest")
    assert set(backtest["method"]) == set(predictions.METHODS)
    for row in backtest.itertuples():
        s = scores[
            (scores["cut_date"] == row.cut_date) & (scores["method"] == row.method)
        ]
        y = s["is_buyer"].to_numpy()
        assert row.customers == len(s)
        assert row.buyers == y.sum()
        assert abs(row.base_rate - y.mean()) < 1e-12
        assert abs(row.auc - roc_auc_score(y, s["purchase_score"])) < 1e-9
        top = s.sort_values("revenue_score", ascending=False, kind="stable")
        top = top.head(len(s) // 10)
        # ties at the cut are ordered by a hash in SQL: compare when untied
        if (
            top["revenue_score"].iloc[-1]
            > s["revenue_score"].nlargest(len(s) // 10 + 1).iloc[-1]
        ):
            ratio = top["is_buyer"].mean() / y.mean()
            assert abs(row.high_tier_rate_ratio - ratio) < 1e-9
    deciles = sample_build.query(
        "select cut_date, method, sum(customers) as n, sum(observed_buyers) as b "
        "from prediction_backtest_deciles group by 1, 2"
    ).merge(backtest, on=["cut_date", "method"])
    assert (deciles["n"] == deciles["customers"]).all()
    assert (deciles["b"] == deciles["buyers"]).all()


def test_backtest_counts_purchase_days_for_beta_geo(sample_build):
    """BG/NBD sees distinct purchase days; same-day orders are one purchase."""
    features = sample_build.query(
        "select frequency, purchase_days, tenure_days, recency_days "
        "from intermediate.int_prediction_backtest_features"
    )
    assert (features["purchase_days"] >= 1).all()
    assert (features["purchase_days"] <= features["frequency"]).all()
    one_day = features["tenure_days"] == features["recency_days"]
    assert (features.loc[one_day, "purchase_days"] == 1).all()
