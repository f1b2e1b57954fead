"""Customer segmentation for the Olist marketplace.

The dbt project at the repository root turns the nine raw Olist CSVs into
customer-level marts in DuckDB; this package holds the Python side: the
synthetic data generator (:mod:`olist_segmentation.generate`), the build
wrapper and summary (:mod:`olist_segmentation.build`) and the command line
(:mod:`olist_segmentation.cli`).
"""

__version__ = "0.1.0"
