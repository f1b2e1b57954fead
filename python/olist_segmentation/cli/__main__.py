"""``python -m olist_segmentation.cli``: the ``olist-seg`` command line."""

import sys

from olist_segmentation.cli import main

sys.exit(main())
