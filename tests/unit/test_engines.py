"""The phased build's plan and type mapping (no server needed)."""

from __future__ import annotations

import pytest

from olist_segmentation import phased_build, postgres_engine


def _node(name: str, language: str, parents: list[str]) -> dict:
    return {
        "name": name,
        "resource_type": "model",
        "language": language,
        "depends_on": {"nodes": [f"model.p.{p}" for p in parents]},
    }


MANIFEST = {
    "nodes": {
        f"model.p.{n['name']}": n
        for n in [
            _node("stg", "sql", []),
            _node("sample", "sql", ["stg"]),
            _node("fit", "python", ["sample"]),
            _node("centres", "python", ["fit", "sample"]),
            _node("scores", "sql", ["centres", "stg"]),
            _node("profiles", "sql", ["scores"]),
            _node("drift", "python", ["scores"]),
            _node("drift_summary", "sql", ["drift"]),
        ]
    }
}


def test_plan_runs_python_models_between_the_sql_batches_that_feed_them():
    names = {n["name"] for n in MANIFEST["nodes"].values()}
    plan = phased_build.build_plan(MANIFEST, names)
    assert plan.batches == [
        (["sample", "stg"], ["fit", "centres"]),
        (["profiles", "scores"], ["drift"]),
        (["drift_summary"], []),
    ]


def test_plan_of_a_selection_ignores_unselected_parents():
    plan = phased_build.build_plan(MANIFEST, {"drift", "drift_summary"})
    assert plan.batches == [([], ["drift"]), (["drift_summary"], [])]


@pytest.mark.parametrize(
    ("duckdb_type", "expected"),
    [
        ("DOUBLE", "double precision"),
        ("DECIMAL(12,2)", "numeric(12,2)"),
        ("TIMESTAMP_S", "timestamp"),
        ("VARCHAR", "text"),
        ("BIGINT", "bigint"),
    ],
)
def test_duckdb_types_map_to_postgres(duckdb_type, expected):
    assert postgres_engine.pg_type(duckdb_type) == expected


def test_a_type_without_a_postgres_column_is_named():
    with pytest.raises(phased_build.EngineError, match="INTEGER\\[\\]"):
        postgres_engine.pg_type("INTEGER[]")
    with pytest.raises(phased_build.EngineError, match="BLOB"):
        postgres_engine.pg_type("BLOB")


def test_spark_types_of_the_raw_columns():
    from olist_segmentation import spark_engine

    assert spark_engine.spark_type("VARCHAR") == "string"
    assert spark_engine.spark_type("DECIMAL(12,2)") == "decimal(12,2)"
    assert spark_engine.spark_type("TIMESTAMP WITH TIME ZONE") == "timestamp"
    with pytest.raises(spark_engine.SparkEngineError, match="_SPARK_TYPES"):
        spark_engine.spark_type("STRUCT(a INTEGER)")


def test_spark_session_settings_come_from_the_profile(monkeypatch, tmp_path):
    from olist_segmentation import spark_engine
    from olist_segmentation.build import PROJECT_DIR

    monkeypatch.setenv("OLIST_SPARK_DIR", "relative/spark")
    monkeypatch.setenv("OLIST_SPARK_DRIVER_MEMORY", "3g")
    settings = spark_engine.session_settings(PROJECT_DIR)
    folder = (PROJECT_DIR / "relative" / "spark").resolve()
    # made absolute against the project, and exported for dbt's own render
    assert settings["spark.sql.warehouse.dir"] == f"{folder}/tables"
    assert (
        f"databaseName={folder}/metastore_db;"
        in (settings["spark.hadoop.javax.jdo.option.ConnectionURL"])
    )
    assert settings["spark.driver.memory"] == "3g"
    assert settings["spark.sql.session.timeZone"] == "UTC"
    assert settings["spark.sql.ansi.enabled"] == "false"
    assert spark_engine.spark_dir(tmp_path) == folder  # env var now absolute
