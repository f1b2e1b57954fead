"""The project's own dbt-score rules (pyproject.toml [tool.dbt-score]).

dbt-score's built-in uniqueness rule only checks models that declare a
primary-key constraint; these rules check what the project relies on
instead: every model has a primary-key test, and every public model's
description shows how to query it.
"""
