"""Deterministic synthetic generator of the nine Olist Kaggle CSV files.

The generator writes files with exactly the names, headers and format quirks of
the public "Brazilian E-Commerce Public Dataset by Olist", so the dbt project can
run and be tested without the real (licensed) data.

Model of the synthetic data
---------------------------
* **People and orders.** A population of people (``customer_unique_id``) is
  drawn; each person belongs to one planted customer type, which fixes how many
  orders they place. ``customer_id`` is one per order, exactly as in the real
  data, and every order has its own customers row.
* **Calendar.** Purchase days follow the real monthly volumes (2016 almost
  empty, growth through 2017, a plateau in 2018), a weekday profile, an hourly
  profile and a Black-Friday spike (fourth Friday of November and the days
  after). After ``end - 44 days`` only a handful of canceled orders remain.
* **Geography.** 27 states weighted like the real customers (SP about 42%),
  five-digit zip prefixes inside each state's real CEP range, a few cities per
  state, and a geolocation table with many rows per prefix. About 1% of the
  prefixes have no geolocation row, as in the real data.
* **Catalogue.** Products belong to one of four price tiers (cheap, general,
  premium, big-ticket) with lognormal prices; categories follow the real
  product counts and big-ticket products are furniture / electronics. Each
  product is sold by one seller; seller popularity is long-tailed. Only
  products and sellers that appear in an order item are written.
* **Money.** Freight grows with product weight and with the distance between
  seller and customer states. Payments add up to items + freight (a few
  credit-card payments include interest); some orders split the amount between
  a card and vouchers. Unavailable and created orders (and a quarter of the
  canceled ones) have payments but no item rows, as in the real data.
* **Delivery and reviews.** Each order gets an estimated delivery date that
  depends on the customer's state. Late deliveries mostly get 1-2 stars, on-time
  deliveries mostly 4-5 stars.

Planted customer types (written to ``planted_customer_types.csv``)
------------------------------------------------------------------
========================  ======  ==================================================
type                      share   signature
========================  ======  ==================================================
loyal_high_value          1.2%    2-8 orders, premium products, credit card, 5 stars
frequent_small_basket     1.5%    3-15 cheap orders, many categories, on time
bargain_one_timer         58%     one cheap order, boleto or voucher, one instalment
big_ticket_installment    21%     one expensive furniture/electronics order, credit
                                  card with 6-12+ instalments
disappointed              8%      one order delivered late, 1-2 stars
remote_long_delivery      10.3%   north / north-east states, 25-45 day deliveries,
                                  high freight
========================  ======  ==================================================

The two repeat types are small, so about 97% of the people buy only once.

Formats and quirks reproduced
-----------------------------
32-character lowercase hex ids (MD5 of a seed-derived salt and a row number),
``YYYY-MM-DD HH:MM:SS`` timestamps, money with two decimals, zero-padded zip
prefixes, quoted geolocation cities containing commas far into the file, a
translation file with a UTF-8 BOM and CRLF line endings that misses two
categories, review comments with embedded line breaks and doubled quotes,
several payment rows per order, one order without payment, ``not_defined``
payments and zero payment values, shared review ids and orders with two
reviews, products without category, and every order status. As in the real
files, the products and sellers headers are quoted, about 62% of their ids are
quoted, and every seller zip prefix is quoted.

Everything is vectorised with numpy; files are written with DuckDB ``COPY``.
The same ``(n_orders, seed)`` always gives byte-identical files.

Where things are
----------------
=====================  ======================================================
module                 one idea
=====================  ======================================================
``resources/``              the parameters, as TOML and CSV files
``parameters``         reads ``resources/`` into typed constants
``draws``              random-draw and array helpers, the ``Table`` type
``geography``          zip prefixes, where people and sellers live, geolocation
``catalogue``          sellers and products
``orders``             people, purchase calendar, statuses, delivery timeline
``items``              order items and freight
``payments``           payment types, instalments, payment rows
``reviews``            review scores and texts
``csv_files``          writing the CSV files with their quirks
``arguments``          defaults, argument and output-folder checks, errors
``pipeline``           :func:`generate`: draw every table in order, then write
``cli``                the ``olist-generate`` command line
=====================  ======================================================
"""

from olist_segmentation.generator.arguments import (
    DEFAULT_END,
    DEFAULT_ORDERS,
    DEFAULT_OUT,
    DEFAULT_SEED,
    DEFAULT_START,
    MIN_ORDERS,
    GeneratorArgumentError,
    OutputFolderError,
    validate_arguments,
)
from olist_segmentation.generator.cli import main
from olist_segmentation.generator.csv_files import OLIST_FILES, PLANTED_FILE
from olist_segmentation.generator.parameters import CUSTOMER_TYPES, TYPE_NAMES
from olist_segmentation.generator.pipeline import generate

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
