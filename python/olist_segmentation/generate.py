"""Entry point of the synthetic data generator (``olist-generate``).

The generator lives in :mod:`olist_segmentation.generator` (its package
docstring describes what it models); this module keeps the historical import
path: ``from olist_segmentation.generate import generate``, the console script
``olist_segmentation.generate:main`` and ``python -m olist_segmentation.generate``.
"""

from __future__ import annotations

from olist_segmentation.generator import (
    CUSTOMER_TYPES,
    DEFAULT_END,
    DEFAULT_ORDERS,
    DEFAULT_OUT,
    DEFAULT_SEED,
    DEFAULT_START,
    MIN_ORDERS,
    OLIST_FILES,
    PLANTED_FILE,
    TYPE_NAMES,
    GeneratorArgumentError,
    OutputFolderError,
    generate,
    main,
    validate_arguments,
)

__all__ = [
    "CUSTOMER_TYPES",
    "DEFAULT_END",
    "DEFAULT_ORDERS",
    "DEFAULT_OUT",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "MIN_ORDERS",
    "OLIST_FILES",
    "PLANTED_FILE",
    "TYPE_NAMES",
    "GeneratorArgumentError",
    "OutputFolderError",
    "generate",
    "main",
    "validate_arguments",
]

if __name__ == "__main__":
    raise SystemExit(main())
