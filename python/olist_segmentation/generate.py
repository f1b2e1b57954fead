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
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# --------------------------------------------------------------------------
# Files and headers
# --------------------------------------------------------------------------

CUSTOMERS_FILE = "olist_customers_dataset.csv"
GEOLOCATION_FILE = "olist_geolocation_dataset.csv"
ITEMS_FILE = "olist_order_items_dataset.csv"
PAYMENTS_FILE = "olist_order_payments_dataset.csv"
REVIEWS_FILE = "olist_order_reviews_dataset.csv"
ORDERS_FILE = "olist_orders_dataset.csv"
PRODUCTS_FILE = "olist_products_dataset.csv"
SELLERS_FILE = "olist_sellers_dataset.csv"
TRANSLATION_FILE = "product_category_name_translation.csv"
PLANTED_FILE = "planted_customer_types.csv"

OLIST_FILES: tuple[str, ...] = (
    CUSTOMERS_FILE,
    GEOLOCATION_FILE,
    ITEMS_FILE,
    PAYMENTS_FILE,
    REVIEWS_FILE,
    ORDERS_FILE,
    PRODUCTS_FILE,
    SELLERS_FILE,
    TRANSLATION_FILE,
)

PRODUCT_COLUMNS: tuple[str, ...] = (
    "product_id",
    "product_category_name",
    "product_name_lenght",
    "product_description_lenght",
    "product_photos_qty",
    "product_weight_g",
    "product_length_cm",
    "product_height_cm",
    "product_width_cm",
)
SELLER_COLUMNS: tuple[str, ...] = (
    "seller_id",
    "seller_zip_code_prefix",
    "seller_city",
    "seller_state",
)

DEFAULT_ORDERS = 20_000
DEFAULT_SEED = 42
DEFAULT_OUT = Path("data/sample")
DEFAULT_START = "2016-09-04"
DEFAULT_END = "2018-10-17"
MIN_ORDERS = 100

SECONDS_PER_DAY = 86_400
NULL_TS = -1  # sentinel for a missing timestamp (epoch seconds)
NULL_INT = -1  # sentinel for a missing integer

# After end - TAIL_DAYS only canceled orders are placed; regular orders stop at
# end - MAIN_GAP_DAYS (2018-09-03 and 2018-08-29 for the default end).
TAIL_DAYS = 44
MAIN_GAP_DAYS = 49
TAIL_ORDER_SHARE = 0.0002

# CSV options shared by every COPY (standard quoting, empty string for NULL).
CSV_OPTIONS = "HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULLSTR ''"
# Products and sellers are written with hand-made quotes, like the real files.
RAW_CSV_OPTIONS = "HEADER, DELIMITER ',', QUOTE '', ESCAPE '', NULLSTR ''"
RAW_QUOTED_ID_SHARE = 0.62

# --------------------------------------------------------------------------
# Calendar (real order volumes)
# --------------------------------------------------------------------------

MONTHLY_ORDERS: dict[str, float] = {
    "2016-09": 4,
    "2016-10": 324,
    "2016-11": 0,
    "2016-12": 1,
    "2017-01": 800,
    "2017-02": 1780,
    "2017-03": 2682,
    "2017-04": 2404,
    "2017-05": 3700,
    "2017-06": 3245,
    "2017-07": 4026,
    "2017-08": 4331,
    "2017-09": 4285,
    "2017-10": 4631,
    "2017-11": 5700,  # without the Black-Friday spike, added below
    "2017-12": 5673,
    "2018-01": 7269,
    "2018-02": 6728,
    "2018-03": 7211,
    "2018-04": 6939,
    "2018-05": 6873,
    "2018-06": 6167,
    "2018-07": 6292,
    "2018-08": 6512,
}
WEEKDAY_WEIGHTS = np.array([16196, 15963, 15552, 14761, 14122, 10887, 11960], float)
HOUR_WEIGHTS = np.array(
    [2394, 1170, 510, 272, 206, 188, 502, 1231, 2967, 4785, 6177, 6578]
    + [5995, 6518, 6569, 6454, 6675, 6150, 5769, 5982, 6193, 6217, 5816, 4123],
    float,
)
# Day offset from Black Friday -> volume multiplier.
BLACK_FRIDAY_BOOST: dict[int, float] = {0: 5.5, 1: 2.4, 2: 1.9, 3: 1.9, 4: 1.8}

# --------------------------------------------------------------------------
# Order statuses (real shares); every status is forced to appear at least once
# --------------------------------------------------------------------------

DELIVERED = "delivered"
STATUSES: tuple[str, ...] = (
    "delivered",
    "shipped",
    "canceled",
    "unavailable",
    "invoiced",
    "processing",
    "created",
    "approved",
)
STATUS_SHARES: dict[str, float] = {
    "shipped": 1107 / 99441,
    "canceled": 625 / 99441,
    "unavailable": 609 / 99441,
    "invoiced": 314 / 99441,
    "processing": 301 / 99441,
    "created": 5 / 99441,
    "approved": 2 / 99441,
}
ST = {name: code for code, name in enumerate(STATUSES)}
CANCELED_WITHOUT_ITEMS = 0.25
CANCELED_WITHOUT_APPROVAL = 0.23
DELIVERED_WITHOUT_CUSTOMER_DATE = 0.0001
DELIVERED_WITHOUT_APPROVAL = 0.00015

# --------------------------------------------------------------------------
# Geography: uf, name, customer %, sellers, region, lat, lng, zip range,
# median estimated delivery days
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """A Brazilian state (unidade federativa) as used by the generator."""

    uf: str
    name: str
    customer_pct: float
    sellers: int
    region: str
    lat: float
    lng: float
    zip_lo: int
    zip_hi: int
    est_days: int


STATES: tuple[State, ...] = (
    State("SP", "sao paulo", 41.98, 1849, "SE", -23.55, -46.64, 1000, 19999, 19),
    State("RJ", "rio de janeiro", 12.92, 171, "SE", -22.91, -43.18, 20000, 28999, 25),
    State("MG", "minas gerais", 11.70, 244, "SE", -19.92, -43.94, 30000, 39999, 24),
    State("RS", "rio grande do sul", 5.50, 129, "S", -30.03, -51.22, 90000, 99999, 28),
    State("PR", "parana", 5.07, 349, "S", -25.43, -49.27, 80000, 87999, 24),
    State("SC", "santa catarina", 3.66, 190, "S", -27.59, -48.55, 88000, 89999, 25),
    State("BA", "bahia", 3.40, 19, "NE", -12.97, -38.50, 40000, 48999, 29),
    State("DF", "distrito federal", 2.15, 30, "CO", -15.79, -47.88, 70000, 72799, 24),
    State("ES", "espirito santo", 2.04, 23, "SE", -20.32, -40.34, 29000, 29999, 25),
    State("GO", "goias", 2.03, 40, "CO", -16.68, -49.25, 74000, 76799, 27),
    State("PE", "pernambuco", 1.66, 9, "NE", -8.05, -34.88, 50000, 56999, 31),
    State("CE", "ceara", 1.34, 13, "NE", -3.72, -38.54, 60000, 63999, 31),
    State("PA", "para", 0.98, 1, "N", -1.46, -48.50, 66000, 68899, 36),
    State("MT", "mato grosso", 0.91, 4, "CO", -15.60, -56.10, 78000, 78899, 31),
    State("MA", "maranhao", 0.75, 1, "NE", -2.53, -44.30, 65000, 65999, 30),
    State("MS", "mato grosso do sul", 0.72, 5, "CO", -20.47, -54.62, 79000, 79999, 26),
    State("PB", "paraiba", 0.54, 6, "NE", -7.12, -34.86, 58000, 58999, 32),
    State("PI", "piaui", 0.50, 1, "NE", -5.09, -42.80, 64000, 64999, 30),
    State("RN", "rio grande do norte", 0.49, 5, "NE", -5.79, -35.21, 59000, 59999, 32),
    State("AL", "alagoas", 0.42, 0, "NE", -9.67, -35.74, 57000, 57999, 31),
    State("SE", "sergipe", 0.35, 2, "NE", -10.91, -37.07, 49000, 49999, 30),
    State("TO", "tocantins", 0.28, 0, "N", -10.18, -48.33, 77000, 77999, 28),
    State("RO", "rondonia", 0.25, 2, "N", -8.76, -63.90, 76800, 76999, 38),
    State("AM", "amazonas", 0.15, 1, "N", -3.12, -60.02, 69000, 69299, 45),
    State("AC", "acre", 0.08, 1, "N", -9.97, -67.81, 69900, 69999, 40),
    State("AP", "amapa", 0.07, 0, "N", 1.00, -51.07, 68900, 68999, 47),
    State("RR", "roraima", 0.05, 0, "N", 2.82, -60.67, 69300, 69399, 45),
)
REMOTE_REGIONS = ("N", "NE")

# Cities per state, capital first. The capital takes the lowest 45% of the
# state's zip range (like the real CEP layout); the others share the rest.
CITIES: dict[str, tuple[str, ...]] = {
    "SP": (
        "sao paulo",
        "guarulhos",
        "campinas",
        "sao bernardo do campo",
        "santo andre",
        "osasco",
        "sorocaba",
        "ribeirao preto",
        "santa barbara d'oeste",
        "franca",
        "sao jose dos campos",
        "santos",
    ),
    "RJ": (
        "rio de janeiro",
        "niteroi",
        "sao goncalo",
        "duque de caxias",
        "nova iguacu",
        "petropolis",
    ),
    "MG": ("belo horizonte", "contagem", "juiz de fora", "uberlandia", "montes claros"),
    "RS": ("porto alegre", "canoas", "caxias do sul", "pelotas", "santa maria"),
    "PR": ("curitiba", "ponta grossa", "londrina", "maringa", "cascavel"),
    "SC": ("florianopolis", "sao jose", "joinville", "blumenau", "itajai"),
    "BA": (
        "salvador",
        "lauro de freitas",
        "camacari",
        "feira de santana",
        "vitoria da conquista",
    ),
    "DF": ("brasilia", "taguatinga", "ceilandia", "aguas claras"),
    "ES": ("vitoria", "vila velha", "serra", "cariacica"),
    "GO": ("goiania", "aparecida de goiania", "anapolis", "rio verde"),
    "PE": ("recife", "jaboatao dos guararapes", "olinda", "caruaru", "petrolina"),
    "CE": ("fortaleza", "caucaia", "sobral", "juazeiro do norte"),
    "PA": ("belem", "ananindeua", "santarem", "maraba"),
    "MT": ("cuiaba", "varzea grande", "rondonopolis", "sinop"),
    "MA": ("sao luis", "imperatriz", "caxias", "timon"),
    "MS": ("campo grande", "dourados", "tres lagoas"),
    "PB": ("joao pessoa", "santa rita", "campina grande"),
    "PI": ("teresina", "parnaiba", "picos"),
    "RN": ("natal", "parnamirim", "mossoro"),
    "AL": ("maceio", "rio largo", "arapiraca"),
    "SE": ("aracaju", "nossa senhora do socorro", "lagarto"),
    "TO": ("palmas", "araguaina", "gurupi"),
    "RO": ("porto velho", "ji-parana", "ariquemes"),
    "AM": ("manaus", "itacoatiara", "parintins"),
    "AC": ("rio branco", "cruzeiro do sul"),
    "AP": ("macapa", "santana"),
    "RR": ("boa vista", "rorainopolis"),
}
CAPITAL_ZIP_SHARE = 0.45
# Accented spellings that show up in the geolocation file (e.g. "são paulo").
ACCENTS: tuple[tuple[str, str], ...] = (
    ("sao ", "são "),
    ("joao", "joão"),
    ("brasilia", "brasília"),
    ("goiania", "goiânia"),
    ("belem", "belém"),
    ("maceio", "maceió"),
    ("cuiaba", "cuiabá"),
    ("florianopolis", "florianópolis"),
    ("uberlandia", "uberlândia"),
    ("maringa", "maringá"),
    ("macapa", "macapá"),
    ("niteroi", "niterói"),
)
ACCENTED_GEO_SHARE = 0.04
MIN_COMMA_CITY_ROWS = 3
COMMA_CITY_EVERY = 250_000  # one "city, state, brasil" row per this many rows
GEO_PREFIXES_PER_ORDER = 0.19
GEO_MIN_PREFIXES = 400
GEO_MEAN_ROWS_PER_PREFIX = 12.0
GEO_MISSING_PREFIX_SHARE = 0.008

# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------

# Real translation table, in the real file's order. The products also use
# two categories that are missing here (pc_gamer and
# portateis_cozinha_e_preparadores_de_alimentos), like the real data.
TRANSLATION: tuple[tuple[str, str], ...] = (
    ("beleza_saude", "health_beauty"),
    ("informatica_acessorios", "computers_accessories"),
    ("automotivo", "auto"),
    ("cama_mesa_banho", "bed_bath_table"),
    ("moveis_decoracao", "furniture_decor"),
    ("esporte_lazer", "sports_leisure"),
    ("perfumaria", "perfumery"),
    ("utilidades_domesticas", "housewares"),
    ("telefonia", "telephony"),
    ("relogios_presentes", "watches_gifts"),
    ("alimentos_bebidas", "food_drink"),
    ("bebes", "baby"),
    ("papelaria", "stationery"),
    ("tablets_impressao_imagem", "tablets_printing_image"),
    ("brinquedos", "toys"),
    ("telefonia_fixa", "fixed_telephony"),
    ("ferramentas_jardim", "garden_tools"),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories"),
    ("eletroportateis", "small_appliances"),
    ("consoles_games", "consoles_games"),
    ("audio", "audio"),
    ("fashion_calcados", "fashion_shoes"),
    ("cool_stuff", "cool_stuff"),
    ("malas_acessorios", "luggage_accessories"),
    ("climatizacao", "air_conditioning"),
    ("construcao_ferramentas_construcao", "construction_tools_construction"),
    (
        "moveis_cozinha_area_de_servico_jantar_e_jardim",
        "kitchen_dining_laundry_garden_furniture",
    ),
    ("construcao_ferramentas_jardim", "costruction_tools_garden"),
    ("fashion_roupa_masculina", "fashion_male_clothing"),
    ("pet_shop", "pet_shop"),
    ("moveis_escritorio", "office_furniture"),
    ("market_place", "market_place"),
    ("eletronicos", "electronics"),
    ("eletrodomesticos", "home_appliances"),
    ("artigos_de_festas", "party_supplies"),
    ("casa_conforto", "home_confort"),
    ("construcao_ferramentas_ferramentas", "costruction_tools_tools"),
    ("agro_industria_e_comercio", "agro_industry_and_commerce"),
    ("moveis_colchao_e_estofado", "furniture_mattress_and_upholstery"),
    ("livros_tecnicos", "books_technical"),
    ("casa_construcao", "home_construction"),
    ("instrumentos_musicais", "musical_instruments"),
    ("moveis_sala", "furniture_living_room"),
    ("construcao_ferramentas_iluminacao", "construction_tools_lights"),
    ("industria_comercio_e_negocios", "industry_commerce_and_business"),
    ("alimentos", "food"),
    ("artes", "art"),
    ("moveis_quarto", "furniture_bedroom"),
    ("livros_interesse_geral", "books_general_interest"),
    ("construcao_ferramentas_seguranca", "construction_tools_safety"),
    ("fashion_underwear_e_moda_praia", "fashion_underwear_beach"),
    ("fashion_esporte", "fashion_sport"),
    ("sinalizacao_e_seguranca", "signaling_and_security"),
    ("pcs", "computers"),
    ("artigos_de_natal", "christmas_supplies"),
    ("fashion_roupa_feminina", "fashio_female_clothing"),
    ("eletrodomesticos_2", "home_appliances_2"),
    ("livros_importados", "books_imported"),
    ("bebidas", "drinks"),
    ("cine_foto", "cine_photo"),
    ("la_cuisine", "la_cuisine"),
    ("musica", "music"),
    ("casa_conforto_2", "home_comfort_2"),
    ("portateis_casa_forno_e_cafe", "small_appliances_home_oven_and_coffee"),
    ("cds_dvds_musicais", "cds_dvds_musicals"),
    ("dvds_blu_ray", "dvds_blu_ray"),
    ("flores", "flowers"),
    ("artes_e_artesanato", "arts_and_craftmanship"),
    ("fraldas_higiene", "diapers_and_hygiene"),
    ("fashion_roupa_infanto_juvenil", "fashion_childrens_clothes"),
    ("seguros_e_servicos", "security_and_services"),
)
UNTRANSLATED_CATEGORIES: tuple[str, ...] = (
    "pc_gamer",
    "portateis_cozinha_e_preparadores_de_alimentos",
)
# Number of real products per category (the category mix of the catalogue).
CATEGORY_WEIGHTS: dict[str, int] = {
    "cama_mesa_banho": 3029,
    "esporte_lazer": 2867,
    "moveis_decoracao": 2657,
    "beleza_saude": 2444,
    "utilidades_domesticas": 2335,
    "automotivo": 1900,
    "informatica_acessorios": 1639,
    "brinquedos": 1411,
    "relogios_presentes": 1329,
    "telefonia": 1134,
    "bebes": 919,
    "perfumaria": 868,
    "fashion_bolsas_e_acessorios": 849,
    "papelaria": 849,
    "cool_stuff": 789,
    "ferramentas_jardim": 753,
    "pet_shop": 719,
    "eletronicos": 517,
    "construcao_ferramentas_construcao": 400,
    "eletrodomesticos": 370,
    "malas_acessorios": 349,
    "consoles_games": 317,
    "moveis_escritorio": 309,
    "instrumentos_musicais": 289,
    "eletroportateis": 231,
    "casa_construcao": 225,
    "livros_interesse_geral": 216,
    "fashion_calcados": 173,
    "moveis_sala": 156,
    "climatizacao": 124,
    "livros_tecnicos": 123,
    "telefonia_fixa": 116,
    "casa_conforto": 111,
    "market_place": 104,
    "alimentos_bebidas": 104,
    "fashion_roupa_masculina": 95,
    "moveis_cozinha_area_de_servico_jantar_e_jardim": 94,
    "sinalizacao_e_seguranca": 93,
    "construcao_ferramentas_seguranca": 91,
    "eletrodomesticos_2": 90,
    "construcao_ferramentas_jardim": 88,
    "alimentos": 82,
    "bebidas": 81,
    "construcao_ferramentas_iluminacao": 78,
    "agro_industria_e_comercio": 74,
    "industria_comercio_e_negocios": 68,
    "artigos_de_natal": 65,
    "audio": 58,
    "artes": 55,
    "fashion_underwear_e_moda_praia": 53,
    "dvds_blu_ray": 48,
    "moveis_quarto": 45,
    "construcao_ferramentas_ferramentas": 39,
    "livros_importados": 31,
    "portateis_casa_forno_e_cafe": 31,
    "pcs": 30,
    "cine_foto": 28,
    "fashion_roupa_feminina": 27,
    "musica": 27,
    "artigos_de_festas": 26,
    "artes_e_artesanato": 19,
    "fashion_esporte": 19,
    "flores": 14,
    "fraldas_higiene": 12,
    "la_cuisine": 10,
    "portateis_cozinha_e_preparadores_de_alimentos": 10,
    "moveis_colchao_e_estofado": 10,
    "tablets_impressao_imagem": 9,
    "casa_conforto_2": 5,
    "fashion_roupa_infanto_juvenil": 5,
    "pc_gamer": 3,
    "seguros_e_servicos": 2,
    "cds_dvds_musicais": 1,
}
BIG_TICKET_CATEGORIES: frozenset[str] = frozenset(
    {
        "moveis_decoracao",
        "moveis_escritorio",
        "moveis_sala",
        "moveis_quarto",
        "moveis_colchao_e_estofado",
        "moveis_cozinha_area_de_servico_jantar_e_jardim",
        "eletronicos",
        "informatica_acessorios",
        "pcs",
        "pc_gamer",
        "eletrodomesticos",
        "eletrodomesticos_2",
        "climatizacao",
        "telefonia",
        "consoles_games",
        "eletroportateis",
        "portateis_casa_forno_e_cafe",
        "tablets_impressao_imagem",
        "audio",
        "instrumentos_musicais",
    }
)
CATEGORY_NAMES: tuple[str, ...] = tuple(CATEGORY_WEIGHTS)


@dataclass(frozen=True)
class PriceTier:
    """A product price tier: lognormal price and weight, allowed categories."""

    name: str
    product_share: float
    median_price: float
    price_sigma: float
    price_range: tuple[float, float]
    median_weight_g: float
    big_ticket_only: bool


TIERS: tuple[PriceTier, ...] = (
    PriceTier("cheap", 0.40, 34.0, 0.45, (4.9, 95.0), 300.0, False),
    PriceTier("general", 0.38, 110.0, 0.55, (20.0, 650.0), 700.0, False),
    PriceTier("premium", 0.12, 290.0, 0.45, (90.0, 1600.0), 1200.0, False),
    PriceTier("big_ticket", 0.10, 480.0, 0.5, (150.0, 6735.0), 8000.0, True),
)
TIER = {tier.name: code for code, tier in enumerate(TIERS)}
PRODUCTS_PER_ORDER = 0.40
SELLERS_PER_ORDER = 0.045
NULL_CATEGORY_SHARE = 0.0185
SAME_PRODUCT_AGAIN = 0.55
FREE_FREIGHT_SHARE = 0.003
MAX_ITEMS = 21

# --------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------

PAYMENT_TYPES: tuple[str, ...] = (
    "credit_card",
    "boleto",
    "voucher",
    "debit_card",
    "not_defined",
)
PAY = {name: code for code, name in enumerate(PAYMENT_TYPES)}
VOUCHER_SPLIT_SHARE = 0.025
INTEREST_SHARE = 0.12
ZERO_VOUCHER_SHARE = 0.00006
NOT_DEFINED_SHARE = 0.00003
MAX_VOUCHERS = 8

# --------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------

NO_REVIEW_SHARE = 0.008
SECOND_REVIEW_SHARE = 0.0055
SHARED_REVIEW_SHARE = 0.0077
TITLE_SHARE = 0.12
MESSAGE_SHARE_BY_SCORE = np.array([0.75, 0.65, 0.5, 0.35, 0.35])
MIN_SPECIAL_MESSAGES = 3  # at least this many multi-line and quoted comments
SCORES_LATE = (0.58, 0.16, 0.11, 0.07, 0.08)
SCORES_ON_TIME = (0.03, 0.02, 0.08, 0.25, 0.62)
SCORES_NOT_DELIVERED = (0.70, 0.08, 0.10, 0.05, 0.07)
SCORES_IN_PROGRESS = (0.45, 0.10, 0.15, 0.10, 0.20)

# (sentiment, text): 0 negative (1-2 stars), 1 neutral (3), 2 positive (4-5).
# Texts with "\r\n" or '"' are the multi-line / quoted comments of the real file.
REVIEW_MESSAGES: tuple[tuple[int, str], ...] = (
    (0, "Não recebi o produto"),
    (0, "Produto não chegou até agora"),
    (0, "Péssimo, veio quebrado."),
    (0, "Entrega muito atrasada, não recomendo."),
    (0, "Comprei dois e só recebi um, aguardo retorno da loja."),
    (0, "Ainda não recebi o produto.\r\nJá entrei em contato e ninguém responde."),
    (0, "O produto veio com defeito,\r\nsolicitei a troca e aguardo retorno."),
    (0, 'Tive que me "virar" para montar, faltou uma peça importante.'),
    (0, 'A impressora mostrou a mensagem "cartucho vazio" logo na instalação.'),
    (1, "Produto ok, mas a entrega demorou."),
    (1, "Razoável"),
    (1, "O produto é bom, porém a embalagem veio amassada."),
    (1, "Bom produto.\r\nPoderia ter chegado mais rápido."),
    (1, 'Respondi que sim para "recebi o produto correto" por falta de opção.'),
    (2, "Muito bom"),
    (2, "Bom"),
    (2, "muito bom"),
    (2, "Recomendo"),
    (2, "Otimo"),
    (2, "Ótimo produto, chegou antes do prazo."),
    (2, "Produto excelente, entrega rápida. Recomendo!"),
    (2, "Chegou super rápido, bem embalado, exatamente como no anúncio."),
    (2, "Gostei muito, qualidade ótima e preço justo."),
    (2, "tudo ok"),
    (
        2,
        "A compra foi realizada facilmente.\r\n"
        "A entrega foi efetuada muito antes do prazo dado.\r\nRecomendo a loja.",
    ),
    (2, "Produto chegou bem embalado.\r\nSuper recomendo!\r\n"),
    (2, 'Mochila "simples" e com visual bacana. Torcendo pra que dure.'),
)
REVIEW_TITLES: tuple[tuple[int, str], ...] = (
    (0, "Ruim"),
    (0, "Não recebi"),
    (0, "Péssimo"),
    (0, "Produto errado"),
    (1, "Razoável"),
    (1, "Regular"),
    (2, "Recomendo"),
    (2, "recomendo"),
    (2, "Bom"),
    (2, "super recomendo"),
    (2, "Excelente"),
    (2, "Muito bom"),
    (2, "Ótimo"),
    (2, "10"),
)
SPECIAL_MESSAGE_WEIGHT = 0.08  # relative draw weight of multi-line/quoted texts

# --------------------------------------------------------------------------
# Planted customer types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerType:
    """Behaviour of one planted customer type.

    Attributes:
        name: Label written to ``planted_customer_types.csv``.
        share: Share of people (``customer_unique_id``) of this type.
        min_orders: Smallest number of orders of a person of this type.
        repeat_p: Success probability of the geometric number of extra
            orders (1.0 means always ``min_orders``).
        max_orders: Cap on the number of orders.
        home: ``"core"`` (south-east, south, centre-west), ``"national"`` or
            ``"remote"`` (north and north-east).
        tiers: Probabilities of the cheap, general, premium, big-ticket tiers.
        extra_item_p: Probability of one more item in an order (geometric).
        payment_mix: Probabilities of credit card, boleto, voucher, debit card.
        installments: Credit-card instalments -> probability.
        late_p: Probability that a delivery arrives after the estimate.
        est_factor: Multiplier of the state's estimated delivery days.
        on_time_span: On-time delivery time as a fraction of the estimate.
        freight_factor: Multiplier of the freight.
        on_time_scores: Review score probabilities (1..5) when on time.
        late_scores: Review score probabilities (1..5) when late.
    """

    name: str
    share: float
    min_orders: int
    repeat_p: float
    max_orders: int
    home: str
    tiers: tuple[float, float, float, float]
    extra_item_p: float
    payment_mix: tuple[float, float, float, float]
    installments: dict[int, float]
    late_p: float
    est_factor: float
    on_time_span: tuple[float, float]
    freight_factor: float
    on_time_scores: tuple[float, ...] = SCORES_ON_TIME
    late_scores: tuple[float, ...] = SCORES_LATE


CUSTOMER_TYPES: tuple[CustomerType, ...] = (
    CustomerType(
        name="loyal_high_value",
        share=0.012,
        min_orders=2,
        repeat_p=0.55,
        max_orders=8,
        home="core",
        tiers=(0.0, 0.3, 0.7, 0.0),
        extra_item_p=0.35,
        payment_mix=(0.9, 0.1, 0.0, 0.0),
        installments={1: 0.1, 2: 0.2, 3: 0.25, 4: 0.2, 5: 0.15, 6: 0.1},
        late_p=0.02,
        est_factor=1.0,
        on_time_span=(0.2, 0.6),
        freight_factor=1.0,
        on_time_scores=(0.01, 0.01, 0.03, 0.10, 0.85),
    ),
    CustomerType(
        name="frequent_small_basket",
        share=0.015,
        min_orders=3,
        repeat_p=0.35,
        max_orders=15,
        home="core",
        tiers=(0.9, 0.1, 0.0, 0.0),
        extra_item_p=0.05,
        payment_mix=(0.6, 0.15, 0.05, 0.2),
        installments={1: 0.85, 2: 0.15},
        late_p=0.02,
        est_factor=1.0,
        on_time_span=(0.2, 0.6),
        freight_factor=1.0,
        on_time_scores=(0.02, 0.02, 0.06, 0.25, 0.65),
    ),
    CustomerType(
        name="bargain_one_timer",
        share=0.580,
        min_orders=1,
        repeat_p=1.0,
        max_orders=1,
        home="core",
        tiers=(0.95, 0.05, 0.0, 0.0),
        extra_item_p=0.08,
        payment_mix=(0.06, 0.74, 0.14, 0.06),
        installments={1: 0.9, 2: 0.1},
        late_p=0.02,
        est_factor=1.0,
        on_time_span=(0.2, 0.75),
        freight_factor=1.0,
    ),
    CustomerType(
        name="big_ticket_installment",
        share=0.210,
        min_orders=1,
        repeat_p=1.0,
        max_orders=1,
        home="core",
        tiers=(0.0, 0.0, 0.0, 1.0),
        extra_item_p=0.12,
        payment_mix=(0.97, 0.03, 0.0, 0.0),
        installments={
            4: 0.03,
            5: 0.05,
            6: 0.12,
            7: 0.04,
            8: 0.2,
            9: 0.04,
            10: 0.36,
            12: 0.08,
            15: 0.03,
            18: 0.02,
            20: 0.01,
            24: 0.02,
        },
        late_p=0.02,
        est_factor=1.0,
        on_time_span=(0.2, 0.75),
        freight_factor=1.0,
    ),
    CustomerType(
        name="disappointed",
        share=0.080,
        min_orders=1,
        repeat_p=1.0,
        max_orders=1,
        home="national",
        tiers=(0.1, 0.8, 0.1, 0.0),
        extra_item_p=0.15,
        payment_mix=(0.7, 0.3, 0.0, 0.0),
        installments={1: 0.4, 2: 0.2, 3: 0.15, 4: 0.1, 5: 0.1, 6: 0.05},
        late_p=1.0,
        est_factor=1.0,
        on_time_span=(0.2, 0.75),
        freight_factor=1.0,
        late_scores=(0.72, 0.22, 0.04, 0.01, 0.01),
    ),
    CustomerType(
        name="remote_long_delivery",
        share=0.103,
        min_orders=1,
        repeat_p=1.0,
        max_orders=1,
        home="remote",
        tiers=(0.1, 0.85, 0.05, 0.0),
        extra_item_p=0.1,
        payment_mix=(0.65, 0.35, 0.0, 0.0),
        installments={1: 0.3, 2: 0.2, 3: 0.2, 4: 0.1, 5: 0.1, 6: 0.1},
        late_p=0.06,
        est_factor=1.25,
        on_time_span=(0.6, 0.97),
        freight_factor=1.35,
        on_time_scores=(0.06, 0.04, 0.15, 0.30, 0.45),
    ),
)
TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in CUSTOMER_TYPES)

Table = dict[str, np.ndarray]


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _normalise(weights: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
    """Return ``weights`` as float probabilities summing to one."""
    arr = np.asarray(weights, dtype=float)
    return arr / arr.sum()


def _pick(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """Draw ``n`` indices ``0..len(weights)-1`` with the given weights."""
    return rng.choice(len(weights), size=n, p=_normalise(weights))


def _pick_subset(
    rng: np.random.Generator, candidates: np.ndarray, k: int
) -> np.ndarray:
    """Draw ``k`` distinct elements of ``candidates`` (fewer if too few)."""
    k = min(k, len(candidates))
    return rng.choice(candidates, size=k, replace=False) if k else candidates[:0]


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, n: int
) -> np.ndarray:
    """Draw ``n`` lognormal values with the given median."""
    return rng.lognormal(np.log(median), sigma, n)


def _positions(counts: np.ndarray) -> np.ndarray:
    """Return 0-based positions within groups of the given sizes."""
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) - np.repeat(starts, counts)


def _floor_day(ts: np.ndarray) -> np.ndarray:
    """Truncate epoch seconds to midnight."""
    return ts - ts % SECONDS_PER_DAY


def _categorical(
    codes: np.ndarray, labels: tuple[str, ...] | list[str]
) -> pd.Categorical:
    """Wrap integer codes (-1 = NULL) as a pandas categorical for DuckDB."""
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=list(labels))


def _epoch(day: str) -> int:
    """Return the epoch seconds of midnight of an ISO date."""
    return int(np.datetime64(day, "s").astype(np.int64))


def _log(message: str) -> None:
    """Write one progress line to stderr."""
    print(f"olist-generate: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------


def _day_weights(
    first: np.datetime64, last: np.datetime64
) -> tuple[np.ndarray, np.ndarray]:
    """Return the days ``first..last`` and their relative order volume."""
    days = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    default = float(np.median(list(MONTHLY_ORDERS.values())))
    weights = np.zeros(len(days))
    for month in np.unique(months):
        in_month = months == month
        n_days = ((month + 1).astype("datetime64[D]") - month).astype(np.int64)
        total = MONTHLY_ORDERS.get(str(month), default)
        weights[in_month] = total / n_days
    weekday = (days.astype(np.int64) + 3) % 7  # Monday = 0
    weights *= _normalise(WEEKDAY_WEIGHTS)[weekday] * 7
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    in_november = months.astype(np.int64) % 12 == 10
    fourth_friday = (
        in_november & (weekday == 4) & (day_of_month >= 22) & (day_of_month <= 28)
    )
    for offset, boost in BLACK_FRIDAY_BOOST.items():
        weights[np.isin(days, days[fourth_friday] + offset)] *= boost
    if weights.sum() <= 0:
        weights[:] = 1.0
    return days, weights


def _sample_times(
    rng: np.random.Generator, n: int, days: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Draw ``n`` purchase timestamps (epoch seconds) from a day profile."""
    day = days[_pick(rng, n, weights)].astype("datetime64[s]").astype(np.int64)
    hour = _pick(rng, n, HOUR_WEIGHTS)
    return day + hour * 3600 + rng.integers(0, 3600, n)


# --------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------

CITY_NAMES: tuple[str, ...] = tuple(c for s in STATES for c in CITIES[s.uf])
CITY_OFFSET = np.cumsum([0] + [len(CITIES[s.uf]) for s in STATES])[:-1]
STATE_UFS: tuple[str, ...] = tuple(s.uf for s in STATES)
STATE_LAT = np.array([s.lat for s in STATES])
STATE_LNG = np.array([s.lng for s in STATES])
STATE_EST_DAYS = np.array([s.est_days for s in STATES], dtype=float)


def _accented(city: str) -> str:
    """Return the accented spelling of a city name (often the same name)."""
    for plain, accented in ACCENTS:
        city = city.replace(plain, accented)
    return city


def _home_weights(home: str) -> np.ndarray:
    """Return state weights for a customer type's home region."""
    pct = np.array([s.customer_pct for s in STATES])
    remote = np.array([s.region in REMOTE_REGIONS for s in STATES])
    if home == "core":
        return np.where(remote, 0.0, pct)
    if home == "remote":
        return np.where(remote, pct**0.7, 0.0)
    return pct


def _build_zip_prefixes(rng: np.random.Generator, n_orders: int) -> Table:
    """Draw the zip prefixes in use, with state, city, centroid and popularity.

    Each state gets prefixes inside its real CEP range; the capital takes the
    lowest part of the range. Some prefixes get no geolocation row.
    """
    target = max(GEO_MIN_PREFIXES, round(GEO_PREFIXES_PER_ORDER * n_orders))
    share = _normalise(np.array([s.customer_pct for s in STATES]) ** 0.8)
    zips, states, cities = [], [], []
    for code, state in enumerate(STATES):
        size = state.zip_hi - state.zip_lo + 1
        k = int(min(size, max(4, round(target * share[code]))))
        local = np.sort(rng.choice(size, size=k, replace=False))
        rel = (local / size - CAPITAL_ZIP_SHARE) / (1 - CAPITAL_ZIP_SHARE)
        n_cities = len(CITIES[state.uf])
        city = np.where(rel < 0, 0, 1 + (rel * (n_cities - 1)).astype(np.int64))
        zips.append(state.zip_lo + local)
        states.append(np.full(k, code))
        cities.append(CITY_OFFSET[code] + np.minimum(city, n_cities - 1))
    state_code = np.concatenate(states)
    n = len(state_code)
    geo_rows = 1 + rng.poisson(_lognormal(rng, GEO_MEAN_ROWS_PER_PREFIX, 0.7, n))
    missing = _pick_subset(
        rng, np.arange(n), max(1, round(GEO_MISSING_PREFIX_SHARE * n))
    )
    geo_rows[missing] = 0
    return {
        "zip": np.concatenate(zips),
        "state": state_code,
        "city": np.concatenate(cities),
        "lat": STATE_LAT[state_code] + np.clip(rng.normal(0, 0.35, n), -0.6, 0.6),
        "lng": STATE_LNG[state_code] + np.clip(rng.normal(0, 0.35, n), -0.6, 0.6),
        "popularity": rng.lognormal(0.0, 1.0, n),
        "geo_rows": geo_rows,
    }


def _pick_zips(
    rng: np.random.Generator, state: np.ndarray, prefixes: Table
) -> np.ndarray:
    """Choose a zip-prefix index in each given state, by prefix popularity."""
    out = np.empty(len(state), dtype=np.int64)
    for code in range(len(STATES)):
        rows = np.flatnonzero(state == code)
        if len(rows) == 0:
            continue
        pool = np.flatnonzero(prefixes["state"] == code)
        weights = _normalise(prefixes["popularity"][pool])
        out[rows] = rng.choice(pool, size=len(rows), p=weights)
    return out


def _build_geolocation(rng: np.random.Generator, prefixes: Table) -> Table:
    """Build geolocation rows: many jittered points per prefix, loosely sorted.

    A few rows far into the file get a ``"city, state, brasil"`` name (a
    quoted field with commas) and some rows use accented city names.
    """
    prefix = np.repeat(np.arange(len(prefixes["zip"])), prefixes["geo_rows"])
    n = len(prefix)
    order = np.argsort(prefixes["zip"][prefix] + rng.uniform(0, 40, n), kind="stable")
    prefix = prefix[order]
    variant = (rng.random(n) < ACCENTED_GEO_SHARE).astype(np.int64)
    n_comma = max(MIN_COMMA_CITY_ROWS, n // COMMA_CITY_EVERY)
    variant[_pick_subset(rng, np.arange(n // 2, n), n_comma)] = 2
    return {
        "zip": prefixes["zip"][prefix],
        "lat": prefixes["lat"][prefix] + rng.normal(0, 0.012, n),
        "lng": prefixes["lng"][prefix] + rng.normal(0, 0.012, n),
        "city": GEO_CITY_CODES[variant, prefixes["city"][prefix]],
        "state": prefixes["state"][prefix],
    }


def _geolocation_city_labels() -> tuple[list[str], np.ndarray]:
    """Return the geolocation city labels and a (variant, city) -> label map.

    Variants: 0 plain name, 1 accented name, 2 ``"city, state, brasil"``.
    """
    state_of_city = np.repeat(
        np.arange(len(STATES)), [len(CITIES[s.uf]) for s in STATES]
    )
    variants = (
        list(CITY_NAMES),
        [_accented(c) for c in CITY_NAMES],
        [
            f"{city}, {STATES[s].name}, brasil"
            for city, s in zip(CITY_NAMES, state_of_city, strict=True)
        ],
    )
    labels = list(dict.fromkeys(name for names in variants for name in names))
    position = {label: code for code, label in enumerate(labels)}
    codes = np.array([[position[name] for name in names] for names in variants])
    return labels, codes


GEO_CITY_LABELS, GEO_CITY_CODES = _geolocation_city_labels()


# --------------------------------------------------------------------------
# Sellers and products
# --------------------------------------------------------------------------


def _build_sellers(rng: np.random.Generator, n_orders: int, prefixes: Table) -> Table:
    """Draw the seller universe: state, zip prefix and long-tailed popularity."""
    n = max(30, round(SELLERS_PER_ORDER * n_orders))
    state = _pick(rng, n, np.array([s.sellers for s in STATES], dtype=float))
    return {
        "state": state,
        "zip": _pick_zips(rng, state, prefixes),
        "popularity": rng.lognormal(0.0, 1.2, n),
        "quoted": rng.random(n) < RAW_QUOTED_ID_SHARE,
    }


def _tier_categories(tier: PriceTier) -> tuple[np.ndarray, np.ndarray]:
    """Return the category codes a tier may use and their weights."""
    is_big = np.array([c in BIG_TICKET_CATEGORIES for c in CATEGORY_NAMES])
    weights = np.array(list(CATEGORY_WEIGHTS.values()), dtype=float)
    if tier.big_ticket_only:
        allowed = is_big
    elif tier.name == "cheap":
        allowed = ~is_big
    else:
        allowed = np.ones(len(CATEGORY_NAMES), dtype=bool)
    codes = np.flatnonzero(allowed)
    return codes, weights[codes]


def _price_cents(rng: np.random.Generator, price: np.ndarray) -> np.ndarray:
    """Round prices to cents with retail endings (.90, .99, .00 or random)."""
    n = len(price)
    ending = rng.choice(np.array([90, 99, 0, -1]), size=n, p=[0.5, 0.2, 0.15, 0.15])
    cents = np.where(ending >= 0, ending, rng.integers(0, 100, n))
    return np.maximum(np.floor(price).astype(np.int64) * 100 + cents, 85)


# Products with a fixed role, so each quirk appears even in small samples:
# index -> (tier, category or None, dimensions missing).
FORCED_PRODUCTS: dict[int, tuple[str, str | None, bool]] = {
    0: ("big_ticket", "pc_gamer", False),
    1: ("general", "portateis_cozinha_e_preparadores_de_alimentos", False),
    2: ("general", None, False),
    3: ("general", "bebes", True),
}


def _build_products(rng: np.random.Generator, n_orders: int, sellers: Table) -> Table:
    """Draw the product universe: tier, category, price, size and seller."""
    n = max(200, round(PRODUCTS_PER_ORDER * n_orders))
    tier = _pick(rng, n, np.array([t.product_share for t in TIERS]))
    tier[: 5 * len(TIERS)] = np.tile(np.arange(len(TIERS)), 5)  # no empty tier
    for index, (tier_name, _, _) in FORCED_PRODUCTS.items():
        tier[index] = TIER[tier_name]
    category = np.empty(n, dtype=np.int64)
    price = np.empty(n)
    weight = np.empty(n)
    for code, spec in enumerate(TIERS):
        rows = np.flatnonzero(tier == code)
        cats, cat_weights = _tier_categories(spec)
        category[rows] = cats[_pick(rng, len(rows), cat_weights)]
        low, high = spec.price_range
        price[rows] = np.clip(
            _lognormal(rng, spec.median_price, spec.price_sigma, len(rows)), low, high
        )
        weight[rows] = _lognormal(rng, spec.median_weight_g, 0.9, len(rows))
    no_category = (tier <= TIER["general"]) & (rng.random(n) < NULL_CATEGORY_SHARE)
    category[no_category] = NULL_INT
    weight = np.clip(np.round(weight), 50, 40_000).astype(np.int64)
    side = np.cbrt(weight * rng.uniform(2.0, 8.0, n))
    no_dimensions = np.zeros(n, dtype=bool)
    for index, (_, cat, missing_dims) in FORCED_PRODUCTS.items():
        category[index] = NULL_INT if cat is None else CATEGORY_NAMES.index(cat)
        no_dimensions[index] = missing_dims
    has_text = category >= 0
    return {
        "tier": tier,
        "category": category,
        "price": _price_cents(rng, price),
        "weight": weight,
        "name_len": np.where(has_text, rng.integers(20, 77, n), NULL_INT),
        "desc_len": np.where(
            has_text,
            np.clip(_lognormal(rng, 600, 0.8, n), 4, 3992).astype(np.int64),
            NULL_INT,
        ),
        "photos": np.where(has_text, np.minimum(rng.geometric(0.55, n), 20), NULL_INT),
        "length": np.clip(np.round(side * rng.uniform(1.0, 1.6, n)), 16, 105),
        "height": np.clip(np.round(side * rng.uniform(0.3, 1.0, n)), 2, 105),
        "width": np.clip(np.round(side * rng.uniform(0.6, 1.2, n)), 6, 118),
        "no_dimensions": no_dimensions,
        "seller": _pick(rng, n, sellers["popularity"]),
        "popularity": rng.lognormal(0.0, 1.0, n),
        "quoted": rng.random(n) < RAW_QUOTED_ID_SHARE,
    }


# --------------------------------------------------------------------------
# People, orders and their timeline
# --------------------------------------------------------------------------


def _build_people(rng: np.random.Generator, n_orders: int, prefixes: Table) -> Table:
    """Draw people (customer_unique_id): planted type, orders, state, zip.

    People are drawn until their orders add up to exactly ``n_orders``.
    """
    kind = _pick(rng, n_orders, np.array([t.share for t in CUSTOMER_TYPES]))
    counts = np.ones(n_orders, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        if ctype.max_orders > 1:
            extra = rng.geometric(ctype.repeat_p, len(rows)) - 1
            counts[rows] = np.minimum(ctype.min_orders + extra, ctype.max_orders)
    cumulative = np.cumsum(counts)
    n_people = int(np.searchsorted(cumulative, n_orders)) + 1
    kind, counts = kind[:n_people], counts[:n_people]
    counts[-1] -= cumulative[n_people - 1] - n_orders
    state = np.empty(n_people, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        state[rows] = _pick(rng, len(rows), _home_weights(ctype.home))
    return {
        "type": kind,
        "orders": counts,
        "state": state,
        "zip": _pick_zips(rng, state, prefixes),
    }


def _assign_statuses(rng: np.random.Generator, n: int) -> np.ndarray:
    """Give every order a status with the real shares, each at least once."""
    status = np.full(n, ST[DELIVERED], dtype=np.int64)
    shuffled = rng.permutation(n)
    start = 0
    for name, share in STATUS_SHARES.items():
        k = max(1, round(share * n))
        status[shuffled[start : start + k]] = ST[name]
        start += k
    return status


def _build_orders(
    rng: np.random.Generator, people: Table, start: str, end: str
) -> Table:
    """Place each person's orders in time and give them a status.

    A few one-time buyers' orders are moved after ``end - 44 days`` and
    canceled, so that only canceled orders exist at the end of the period.
    """
    person = np.repeat(np.arange(len(people["orders"])), people["orders"])
    n = len(person)
    end_day = np.datetime64(end, "D")
    days, weights = _day_weights(
        np.datetime64(start, "D"), end_day - np.timedelta64(MAIN_GAP_DAYS, "D")
    )
    purchase = _sample_times(rng, n, days, weights)
    status = _assign_statuses(rng, n)
    one_timers = np.flatnonzero(
        (people["orders"][person] == 1) & (status == ST[DELIVERED])
    )
    tail = _pick_subset(rng, one_timers, max(1, round(TAIL_ORDER_SHARE * n)))
    tail_start = _epoch(str(end_day - np.timedelta64(TAIL_DAYS, "D")))
    tail_span = (TAIL_DAYS + 1) * SECONDS_PER_DAY
    purchase[tail] = tail_start + rng.integers(0, tail_span, len(tail))
    status[tail] = ST["canceled"]
    return {
        "person": person,
        "type": people["type"][person],
        "state": people["state"][person],
        "purchase": purchase,
        "status": status,
    }


def _plan_payments(rng: np.random.Generator, kind: np.ndarray) -> Table:
    """Choose each order's main payment type and credit-card instalments."""
    n = len(kind)
    method = np.empty(n, dtype=np.int64)
    installments = np.ones(n, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        method[rows] = _pick(rng, len(rows), np.array(ctype.payment_mix))
        card = rows[method[rows] == PAY["credit_card"]]
        values = np.array(list(ctype.installments))
        probs = np.array(list(ctype.installments.values()))
        installments[card] = values[_pick(rng, len(card), probs)]
    return {"method": method, "installments": installments}


def _type_array(attribute: str) -> np.ndarray:
    """Return one attribute of every customer type as an array."""
    return np.array([getattr(t, attribute) for t in CUSTOMER_TYPES])


def _add_timeline(
    rng: np.random.Generator, orders: Table, method: np.ndarray, end: str
) -> None:
    """Add approval, carrier, delivery and estimated dates to ``orders``.

    Delivered orders whose delivery would fall after the snapshot (``end``)
    become ``shipped``; dates are removed where the status implies it.
    """
    day = SECONDS_PER_DAY
    purchase, status, kind = orders["purchase"], orders["status"], orders["type"]
    n = len(purchase)
    delay = np.where(
        rng.random(n) < 0.75, _lognormal(rng, 900, 1.0, n), rng.uniform(3600, day, n)
    )
    boleto = method == PAY["boleto"]
    delay[boleto] = _lognormal(rng, 30 * 3600, 0.5, int(boleto.sum()))
    approved = purchase + delay.astype(np.int64)

    est_days = STATE_EST_DAYS[orders["state"]] * _type_array("est_factor")[kind]
    est_days = np.maximum(4, np.round(est_days + rng.normal(0, 3, n))).astype(np.int64)
    estimated = _floor_day(purchase) + est_days * day

    span = _type_array("on_time_span")[kind]
    on_time = purchase + (rng.uniform(span[:, 0], span[:, 1]) * est_days * day)
    disappointed = kind == TYPE_NAMES.index("disappointed")
    late_days = np.where(disappointed, rng.integers(3, 31, n), rng.integers(1, 21, n))
    late = estimated + late_days * day + rng.integers(0, day, n)
    is_late = rng.random(n) < _type_array("late_p")[kind]
    delivered = np.where(is_late, late, on_time.astype(np.int64))
    delivered = np.maximum(delivered, approved + day + rng.integers(0, day, n))
    carrier_delay = _lognormal(rng, 1.8 * day, 0.7, n)
    carrier = approved + np.minimum(carrier_delay, 0.6 * (delivered - approved)).astype(
        np.int64
    )

    snapshot = _epoch(end) + day - 1
    status[(status == ST[DELIVERED]) & (delivered > snapshot)] = ST["shipped"]
    is_delivered = status == ST[DELIVERED]
    delivered_rows = np.flatnonzero(is_delivered)
    no_approval = (status == ST["created"]) | (
        (status == ST["canceled"]) & (rng.random(n) < CANCELED_WITHOUT_APPROVAL)
    )
    no_approval[
        _pick_subset(rng, delivered_rows, round(DELIVERED_WITHOUT_APPROVAL * n))
    ] = True
    no_delivery = ~is_delivered
    no_delivery[
        _pick_subset(
            rng, delivered_rows, max(2, round(DELIVERED_WITHOUT_CUSTOMER_DATE * n))
        )
    ] = True
    orders["approved"] = np.where(no_approval, NULL_TS, approved)
    orders["carrier"] = np.where(
        is_delivered | (status == ST["shipped"]), carrier, NULL_TS
    )
    orders["delivered"] = np.where(no_delivery, NULL_TS, delivered)
    orders["estimated"] = estimated
    orders["late"] = (orders["delivered"] >= 0) & (orders["delivered"] > estimated)


# --------------------------------------------------------------------------
# Order items
# --------------------------------------------------------------------------


def _build_items(
    rng: np.random.Generator,
    orders: Table,
    products: Table,
    sellers: Table,
) -> Table:
    """Build order items: products by the buyer's tier, seller, price, freight.

    Items of unavailable and created orders (and of a quarter of the canceled
    ones) are generated for the order value but flagged as not written.
    """
    kind, status = orders["type"], orders["status"]
    n_orders = len(kind)
    n_items = np.minimum(
        rng.geometric(1 - _type_array("extra_item_p")[kind]), MAX_ITEMS
    )
    order_tier = np.empty(n_orders, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        order_tier[rows] = _pick(rng, len(rows), np.array(ctype.tiers))
    order = np.repeat(np.arange(n_orders), n_items)
    position = _positions(n_items)
    n = len(order)
    product = np.empty(n, dtype=np.int64)
    item_tier = order_tier[order]
    for code in range(len(TIERS)):
        rows = np.flatnonzero(item_tier == code)
        pool = np.flatnonzero(products["tier"] == code)
        product[rows] = rng.choice(
            pool, size=len(rows), p=_normalise(products["popularity"][pool])
        )
    again = (position > 0) & (rng.random(n) < SAME_PRODUCT_AGAIN)
    product = product[np.maximum.accumulate(np.where(again, 0, np.arange(n)))]

    first_row = np.cumsum(n_items) - n_items
    delivered = np.flatnonzero(status == ST[DELIVERED])
    forced = _pick_subset(rng, delivered, len(FORCED_PRODUCTS))
    product[first_row[forced]] = list(FORCED_PRODUCTS)[: len(forced)]

    has_items = ~np.isin(status, [ST["unavailable"], ST["created"]])
    has_items &= ~(
        (status == ST["canceled"]) & (rng.random(n_orders) < CANCELED_WITHOUT_ITEMS)
    )

    seller = products["seller"][product]
    seller_state = sellers["state"][seller]
    buyer_state = orders["state"][order]
    distance = np.hypot(
        STATE_LAT[seller_state] - STATE_LAT[buyer_state],
        STATE_LNG[seller_state] - STATE_LNG[buyer_state],
    )
    freight = (9.0 + 4.0 * np.sqrt(products["weight"][product] / 1000.0)) * (
        1.0 + distance / 12.0
    )
    freight *= _type_array("freight_factor")[orders["type"][order]]
    freight *= rng.lognormal(0.0, 0.25, n)
    freight_cents = np.round(freight * 100).astype(np.int64)
    freight_cents[rng.random(n) < FREE_FREIGHT_SHARE] = 0

    base = np.where(orders["approved"] >= 0, orders["approved"], orders["purchase"])
    shipping_limit = base[order] + rng.integers(3, 9, n) * SECONDS_PER_DAY
    return {
        "order": order,
        "item": position + 1,
        "product": product,
        "seller": seller,
        "shipping_limit": shipping_limit,
        "price": products["price"][product],
        "freight": freight_cents,
        "written": has_items[order],
    }


# --------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------


def _build_payments(
    rng: np.random.Generator, orders: Table, plan: Table, totals: np.ndarray
) -> Table:
    """Build payment rows whose sum per order is items + freight (+ interest).

    Some orders split the amount between their main payment and vouchers
    (``payment_sequential`` 1..n), voucher-only orders may use several
    vouchers, a few canceled orders have a ``not_defined`` payment of 0, a few
    vouchers are 0 and exactly one delivered order has no payment at all.
    """
    status = orders["status"]
    n = len(totals)
    method = plan["method"].copy()
    installments = plan["installments"].copy()
    no_payment = _pick_subset(rng, np.flatnonzero(status == ST[DELIVERED]), 1)
    not_defined = _pick_subset(
        rng,
        np.flatnonzero(status == ST["canceled"]),
        max(1, round(NOT_DEFINED_SHARE * n)),
    )
    method[not_defined] = PAY["not_defined"]
    installments[not_defined] = 1
    special = np.zeros(n, dtype=bool)
    special[no_payment] = special[not_defined] = True

    amount = totals.copy()
    interest = (
        (method == PAY["credit_card"])
        & (installments > 1)
        & (rng.random(n) < INTEREST_SHARE)
    )
    amount[interest] += np.round(
        totals[interest] * 0.01 * (installments[interest] - 1)
    ).astype(np.int64)
    amount[not_defined] = 0

    n_vouchers = np.zeros(n, dtype=np.int64)
    voucher_total = np.zeros(n, dtype=np.int64)
    voucher_only = np.flatnonzero(method == PAY["voucher"])
    n_vouchers[voucher_only] = np.minimum(
        rng.geometric(0.7, len(voucher_only)), MAX_VOUCHERS
    )
    voucher_total[voucher_only] = amount[voucher_only]
    eligible = np.flatnonzero(~special & (method != PAY["voucher"]))
    split = _pick_subset(
        rng, eligible, max(3, round(VOUCHER_SPLIT_SHARE * len(eligible)))
    )
    n_vouchers[split] = np.minimum(rng.geometric(0.6, len(split)), MAX_VOUCHERS)
    voucher_total[split] = (amount[split] * rng.uniform(0.05, 0.6, len(split))).astype(
        np.int64
    )

    has_main = method != PAY["voucher"]
    n_rows = has_main.astype(np.int64) + n_vouchers
    n_rows[no_payment] = 0
    order = np.repeat(np.arange(n), n_rows)
    sequential = _positions(n_rows) + 1
    first_row = np.cumsum(n_rows) - n_rows
    is_voucher = ~has_main[order] | (sequential > 1)

    weight = rng.uniform(0.2, 1.0, len(order)) * is_voucher
    weight_sum = np.bincount(order, weight, minlength=n)[order]
    share = np.where(is_voucher, weight / np.where(weight_sum > 0, weight_sum, 1), 0.0)
    value = np.floor(voucher_total[order] * share).astype(np.int64)
    remainder = voucher_total - np.bincount(order, value, minlength=n).astype(np.int64)
    last_row = first_row + n_rows - 1
    with_vouchers = np.flatnonzero((n_vouchers > 0) & (n_rows > 0))
    value[last_row[with_vouchers]] += remainder[with_vouchers]
    value[~is_voucher] = (amount - voucher_total)[order[~is_voucher]]

    split_vouchers = np.flatnonzero(is_voucher & has_main[order])
    zero = _pick_subset(rng, split_vouchers, max(1, round(ZERO_VOUCHER_SHARE * n)))
    np.add.at(value, first_row[order[zero]], value[zero])
    value[zero] = 0

    kind = np.where(is_voucher, PAY["voucher"], method[order])
    shuffled = rng.permutation(len(order))
    return {
        "order": order[shuffled],
        "sequential": sequential[shuffled],
        "type": kind[shuffled],
        "installments": np.where(kind == PAY["credit_card"], installments[order], 1)[
            shuffled
        ],
        "value": value[shuffled],
    }


# --------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------

MESSAGE_SENTIMENT = np.array([s for s, _ in REVIEW_MESSAGES])
MESSAGE_TEXTS: tuple[str, ...] = tuple(t for _, t in REVIEW_MESSAGES)
MESSAGE_MULTILINE = np.array(["\r\n" in t for t in MESSAGE_TEXTS])
MESSAGE_QUOTED = np.array(['"' in t for t in MESSAGE_TEXTS])
TITLE_SENTIMENT = np.array([s for s, _ in REVIEW_TITLES])
TITLE_TEXTS: tuple[str, ...] = tuple(t for _, t in REVIEW_TITLES)


def _sentiment(score: np.ndarray) -> np.ndarray:
    """Map review scores to 0 (1-2 stars), 1 (3 stars) or 2 (4-5 stars)."""
    return np.where(score <= 2, 0, np.where(score == 3, 1, 2))


def _pick_texts(
    rng: np.random.Generator,
    sentiment: np.ndarray,
    text_sentiment: np.ndarray,
    text_weight: np.ndarray,
) -> np.ndarray:
    """Pick a text code per row among the texts of the row's sentiment."""
    out = np.empty(len(sentiment), dtype=np.int64)
    for value in range(3):
        rows = np.flatnonzero(sentiment == value)
        pool = np.flatnonzero(text_sentiment == value)
        out[rows] = rng.choice(pool, size=len(rows), p=_normalise(text_weight[pool]))
    return out


def _review_scores(
    rng: np.random.Generator, orders: Table, order: np.ndarray
) -> np.ndarray:
    """Draw review scores: late deliveries mostly 1-2, on time mostly 4-5."""
    n_types = len(CUSTOMER_TYPES)
    profiles = [SCORES_NOT_DELIVERED, SCORES_IN_PROGRESS]
    profiles += [t.on_time_scores for t in CUSTOMER_TYPES]
    profiles += [t.late_scores for t in CUSTOMER_TYPES]
    status = orders["status"][order]
    kind = orders["type"][order]
    profile = np.where(orders["late"][order], 2 + n_types + kind, 2 + kind)
    in_progress = (status != ST[DELIVERED]) & ~np.isin(
        status, [ST["canceled"], ST["unavailable"]]
    )
    profile[in_progress] = 1
    profile[np.isin(status, [ST["canceled"], ST["unavailable"]])] = 0
    score = np.empty(len(order), dtype=np.int64)
    for code, probs in enumerate(profiles):
        rows = np.flatnonzero(profile == code)
        score[rows] = 1 + _pick(rng, len(rows), np.array(probs))
    return score


def _force_special_messages(
    rng: np.random.Generator, reviews: Table, candidates: np.ndarray
) -> None:
    """Make sure some comments have line breaks and some have quotes."""
    message = reviews["message"]
    used = np.zeros(len(message), dtype=bool)
    for flags in (MESSAGE_MULTILINE, MESSAGE_QUOTED):
        present = int(np.sum((message >= 0) & flags[np.maximum(message, 0)]))
        free = candidates[~used[candidates]]
        rows = _pick_subset(rng, free, max(0, MIN_SPECIAL_MESSAGES - present))
        used[rows] = True
        sentiment = _sentiment(reviews["score"][rows])
        message[rows] = _pick_texts(
            rng, sentiment, np.where(flags, MESSAGE_SENTIMENT, -1), flags.astype(float)
        )


def _build_reviews(rng: np.random.Generator, orders: Table) -> Table:
    """Build reviews: about one per order, with the real data's oddities.

    Some orders get two reviews and some review ids are shared by two orders
    (the review is copied onto a different order).
    """
    day = SECONDS_PER_DAY
    n_orders = len(orders["status"])
    reviewed = np.flatnonzero(rng.random(n_orders) >= NO_REVIEW_SHARE)
    second = _pick_subset(rng, reviewed, max(2, round(SECOND_REVIEW_SHARE * n_orders)))
    order = np.concatenate([reviewed, second])
    is_second = np.arange(len(order)) >= len(reviewed)
    n = len(order)

    score = _review_scores(rng, orders, order)
    delivered = orders["delivered"][order]
    estimated = orders["estimated"][order]
    after = np.minimum(rng.geometric(0.8, n) - 1, 10)
    created = (
        np.where(
            delivered >= 0,
            _floor_day(delivered) + day,
            estimated + rng.integers(-5, 3, n) * day,
        )
        + after * day
    )
    created[is_second] += rng.integers(1, 30, int(is_second.sum())) * day
    answered = created + np.maximum(_lognormal(rng, 40 * 3600, 0.9, n), 600).astype(
        np.int64
    )

    sentiment = _sentiment(score)
    message_weight = np.where(
        MESSAGE_MULTILINE | MESSAGE_QUOTED, SPECIAL_MESSAGE_WEIGHT, 1.0
    )
    message = _pick_texts(rng, sentiment, MESSAGE_SENTIMENT, message_weight)
    message[rng.random(n) >= MESSAGE_SHARE_BY_SCORE[score - 1]] = NULL_INT
    title = _pick_texts(rng, sentiment, TITLE_SENTIMENT, np.ones(len(TITLE_TEXTS)))
    title[rng.random(n) >= TITLE_SHARE] = NULL_INT
    reviews = {
        "key": np.arange(n),
        "order": order,
        "score": score,
        "title": title,
        "message": message,
        "created": created,
        "answered": answered,
    }

    single = np.flatnonzero(~is_second & ~np.isin(order, second))
    k = max(2, round(SHARED_REVIEW_SHARE * n_orders))
    chosen = _pick_subset(rng, single, 2 * k)
    donors, takers = chosen[: len(chosen) // 2], chosen[len(chosen) // 2 :]
    for column in ("key", "score", "title", "message", "created", "answered"):
        reviews[column][takers[: len(donors)]] = reviews[column][donors]
    untouched = np.setdiff1d(np.arange(n), chosen)
    _force_special_messages(rng, reviews, untouched)

    shuffled = rng.permutation(n)
    return {column: values[shuffled] for column, values in reviews.items()}


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _connect(salt: int) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB with the formatting macros used by COPY."""
    con = duckdb.connect(config={"preserve_insertion_order": True})
    con.execute(f"CREATE MACRO hid(kind, i) AS md5('{salt}:' || kind || ':' || i)")
    con.execute(
        "CREATE MACRO ts(x) AS CASE WHEN x >= 0 THEN "
        "strftime(make_timestamp(x * 1000000), '%Y-%m-%d %H:%M:%S') END"
    )
    con.execute("CREATE MACRO money(c) AS printf('%d.%02d', c // 100, c % 100)")
    con.execute("CREATE MACRO zip5(z) AS lpad(CAST(z AS VARCHAR), 5, '0')")
    con.execute("CREATE MACRO nn(x) AS CASE WHEN x >= 0 THEN x END")
    con.execute(
        "CREATE MACRO raw_id(kind, i, quoted) AS "
        "CASE WHEN quoted THEN '\"' || hid(kind, i) || '\"' ELSE hid(kind, i) END"
    )
    return con


def _copy(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    select: str,
    path: Path,
    options: str = CSV_OPTIONS,
) -> int:
    """COPY ``select`` (reading the frame as ``src``) to a CSV file."""
    con.register("src", frame)
    try:
        target = str(path).replace("'", "''")
        result = con.execute(f"COPY ({select}) TO '{target}' ({options})").fetchone()
    finally:
        con.unregister("src")
    return int(result[0]) if result else 0


def _write_orders(con: duckdb.DuckDBPyConnection, orders: Table, out: Path) -> int:
    """Write olist_orders_dataset.csv (rows in random order)."""
    frame = pd.DataFrame(
        {
            "oid": np.arange(len(orders["status"])),
            "status": _categorical(orders["status"], STATUSES),
            "purchase": orders["purchase"],
            "approved": orders["approved"],
            "carrier": orders["carrier"],
            "delivered": orders["delivered"],
            "estimated": orders["estimated"],
        }
    ).iloc[orders["row_order"]]
    select = (
        "SELECT hid('o', oid) AS order_id, hid('c', oid) AS customer_id, "
        "CAST(status AS VARCHAR) AS order_status, "
        "ts(purchase) AS order_purchase_timestamp, ts(approved) AS order_approved_at, "
        "ts(carrier) AS order_delivered_carrier_date, "
        "ts(delivered) AS order_delivered_customer_date, "
        "ts(estimated) AS order_estimated_delivery_date FROM src"
    )
    return _copy(con, frame, select, out / ORDERS_FILE)


def _write_customers(
    con: duckdb.DuckDBPyConnection,
    orders: Table,
    people: Table,
    prefixes: Table,
    out: Path,
) -> int:
    """Write olist_customers_dataset.csv: one row per order (customer_id)."""
    zip_index = people["zip"][orders["person"]]
    frame = pd.DataFrame(
        {
            "oid": np.arange(len(zip_index)),
            "person": orders["person"],
            "zip": prefixes["zip"][zip_index],
            "city": _categorical(prefixes["city"][zip_index], CITY_NAMES),
            "state": _categorical(orders["state"], STATE_UFS),
        }
    ).iloc[orders["customer_row_order"]]
    select = (
        "SELECT hid('c', oid) AS customer_id, hid('u', person) AS customer_unique_id, "
        "zip5(zip) AS customer_zip_code_prefix, "
        "CAST(city AS VARCHAR) AS customer_city, "
        "CAST(state AS VARCHAR) AS customer_state FROM src"
    )
    return _copy(con, frame, select, out / CUSTOMERS_FILE)


def _write_items(con: duckdb.DuckDBPyConnection, items: Table, out: Path) -> int:
    """Write olist_order_items_dataset.csv, sorted by order_id like the real file."""
    keep = items["written"]
    frame = pd.DataFrame({k: v[keep] for k, v in items.items() if k != "written"})
    select = (
        "SELECT hid('o', \"order\") AS order_id, item AS order_item_id, "
        "hid('p', product) AS product_id, hid('s', seller) AS seller_id, "
        "ts(shipping_limit) AS shipping_limit_date, money(price) AS price, "
        "money(freight) AS freight_value FROM src ORDER BY order_id, order_item_id"
    )
    return _copy(con, frame, select, out / ITEMS_FILE)


def _write_payments(con: duckdb.DuckDBPyConnection, payments: Table, out: Path) -> int:
    """Write olist_order_payments_dataset.csv."""
    frame = pd.DataFrame(
        {
            "order": payments["order"],
            "sequential": payments["sequential"],
            "type": _categorical(payments["type"], PAYMENT_TYPES),
            "installments": payments["installments"],
            "value": payments["value"],
        }
    )
    select = (
        "SELECT hid('o', \"order\") AS order_id, sequential AS payment_sequential, "
        "CAST(type AS VARCHAR) AS payment_type, installments AS payment_installments, "
        "money(value) AS payment_value FROM src"
    )
    return _copy(con, frame, select, out / PAYMENTS_FILE)


def _write_reviews(con: duckdb.DuckDBPyConnection, reviews: Table, out: Path) -> int:
    """Write olist_order_reviews_dataset.csv (multi-line, quoted comments)."""
    frame = pd.DataFrame(
        {
            "key": reviews["key"],
            "order": reviews["order"],
            "score": reviews["score"],
            "title": _categorical(reviews["title"], TITLE_TEXTS),
            "message": _categorical(reviews["message"], MESSAGE_TEXTS),
            "created": reviews["created"],
            "answered": reviews["answered"],
        }
    )
    select = (
        "SELECT hid('r', key) AS review_id, hid('o', \"order\") AS order_id, "
        "score AS review_score, CAST(title AS VARCHAR) AS review_comment_title, "
        "CAST(message AS VARCHAR) AS review_comment_message, "
        "ts(created) AS review_creation_date, "
        "ts(answered) AS review_answer_timestamp FROM src"
    )
    return _copy(con, frame, select, out / REVIEWS_FILE)


def _raw_alias(column: str) -> str:
    """Return a SQL alias whose header is the quoted column name."""
    return f'"""{column}"""'


def _write_products(
    con: duckdb.DuckDBPyConnection, products: Table, sold: np.ndarray, out: Path
) -> int:
    """Write olist_products_dataset.csv with quoted headers and some quoted ids."""
    no_dims = products["no_dimensions"][sold]
    frame = pd.DataFrame(
        {
            "pid": sold,
            "quoted": products["quoted"][sold],
            "category": _categorical(products["category"][sold], CATEGORY_NAMES),
            "name_len": products["name_len"][sold],
            "desc_len": products["desc_len"][sold],
            "photos": products["photos"][sold],
        }
        | {
            col: np.where(no_dims, NULL_INT, products[col][sold]).astype(np.int64)
            for col in ("weight", "length", "height", "width")
        }
    )
    sources = (
        "raw_id('p', pid, quoted)",
        "CAST(category AS VARCHAR)",
        "nn(name_len)",
        "nn(desc_len)",
        "nn(photos)",
        "nn(weight)",
        "nn(length)",
        "nn(height)",
        "nn(width)",
    )
    columns = ", ".join(
        f"{expr} AS {_raw_alias(name)}"
        for expr, name in zip(sources, PRODUCT_COLUMNS, strict=True)
    )
    select = f"SELECT {columns} FROM src"
    return _copy(con, frame, select, out / PRODUCTS_FILE, RAW_CSV_OPTIONS)


def _write_sellers(
    con: duckdb.DuckDBPyConnection,
    sellers: Table,
    active: np.ndarray,
    prefixes: Table,
    out: Path,
) -> int:
    """Write olist_sellers_dataset.csv: quoted headers and zips, some quoted ids."""
    zip_index = sellers["zip"][active]
    frame = pd.DataFrame(
        {
            "sid": active,
            "quoted": sellers["quoted"][active],
            "zip": prefixes["zip"][zip_index],
            "city": _categorical(prefixes["city"][zip_index], CITY_NAMES),
            "state": _categorical(sellers["state"][active], STATE_UFS),
        }
    )
    sources = (
        "raw_id('s', sid, quoted)",
        "'\"' || zip5(zip) || '\"'",
        "CAST(city AS VARCHAR)",
        "CAST(state AS VARCHAR)",
    )
    columns = ", ".join(
        f"{expr} AS {_raw_alias(name)}"
        for expr, name in zip(sources, SELLER_COLUMNS, strict=True)
    )
    return _copy(
        con, frame, f"SELECT {columns} FROM src", out / SELLERS_FILE, RAW_CSV_OPTIONS
    )


def _write_geolocation(con: duckdb.DuckDBPyConnection, geo: Table, out: Path) -> int:
    """Write olist_geolocation_dataset.csv."""
    frame = pd.DataFrame(
        {
            "zip": geo["zip"],
            "lat": geo["lat"],
            "lng": geo["lng"],
            "city": _categorical(geo["city"], GEO_CITY_LABELS),
            "state": _categorical(geo["state"], STATE_UFS),
        }
    )
    select = (
        "SELECT zip5(zip) AS geolocation_zip_code_prefix, lat AS geolocation_lat, "
        "lng AS geolocation_lng, CAST(city AS VARCHAR) AS geolocation_city, "
        "CAST(state AS VARCHAR) AS geolocation_state FROM src"
    )
    return _copy(con, frame, select, out / GEOLOCATION_FILE)


def _write_translation(out: Path) -> int:
    """Write the translation table: UTF-8 BOM, CRLF, no final line break."""
    lines = ["product_category_name,product_category_name_english"]
    lines += [f"{pt},{en}" for pt, en in TRANSLATION]
    (out / TRANSLATION_FILE).write_bytes(
        ("\ufeff" + "\r\n".join(lines)).encode("utf-8")
    )
    return len(TRANSLATION)


def _write_planted(con: duckdb.DuckDBPyConnection, people: Table, out: Path) -> int:
    """Write planted_customer_types.csv: the planted type of every person."""
    frame = pd.DataFrame(
        {
            "person": np.arange(len(people["type"])),
            "type": _categorical(people["type"], TYPE_NAMES),
        }
    )
    select = (
        "SELECT hid('u', person) AS customer_unique_id, "
        "CAST(type AS VARCHAR) AS planted_type FROM src"
    )
    return _copy(con, frame, select, out / PLANTED_FILE)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def validate_arguments(n_orders: int, seed: int, start: str, end: str) -> None:
    """Check generator arguments.

    Args:
        n_orders: Number of orders to generate.
        seed: Seed of the random generator.
        start: First purchase day (ISO date).
        end: Last purchase day (ISO date).

    Raises:
        ValueError: If an argument is out of range, with a readable message.
    """
    if n_orders < MIN_ORDERS:
        raise ValueError(
            f"the number of orders must be at least {MIN_ORDERS} (got {n_orders})"
        )
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer (got {seed})")
    try:
        first, last = np.datetime64(start, "D"), np.datetime64(end, "D")
    except ValueError as exc:
        raise ValueError(f"start and end must be ISO dates: {exc}") from exc
    if last - first < np.timedelta64(MAIN_GAP_DAYS + 60, "D"):
        raise ValueError(
            f"end ({end}) must be at least {MAIN_GAP_DAYS + 60} days after "
            f"start ({start})"
        )


def generate(
    out_dir: Path,
    n_orders: int,
    seed: int,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
) -> dict[str, int]:
    """Generate the nine Olist CSV files and the planted-type side file.

    Args:
        out_dir: Folder to write into (created if needed).
        n_orders: Number of orders (at least 100).
        seed: Seed; the same ``(n_orders, seed)`` gives byte-identical files.
        start: First purchase day (ISO date).
        end: Last purchase day (ISO date); after ``end - 44 days`` only
            canceled orders are placed.

    Returns:
        Rows written per file name (header excluded), including
        ``planted_customer_types.csv``.

    Raises:
        ValueError: If the arguments are out of range.
    """
    validate_arguments(n_orders, seed, start, end)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    salt = int(rng.integers(0, 2**62))

    prefixes = _build_zip_prefixes(rng, n_orders)
    sellers = _build_sellers(rng, n_orders, prefixes)
    products = _build_products(rng, n_orders, sellers)
    people = _build_people(rng, n_orders, prefixes)
    orders = _build_orders(rng, people, start, end)
    plan = _plan_payments(rng, orders["type"])
    _add_timeline(rng, orders, plan["method"], end)
    items = _build_items(rng, orders, products, sellers)
    totals = np.bincount(
        items["order"], items["price"] + items["freight"], minlength=n_orders
    )
    payments = _build_payments(rng, orders, plan, np.round(totals).astype(np.int64))
    reviews = _build_reviews(rng, orders)
    geo = _build_geolocation(rng, prefixes)
    orders["row_order"] = rng.permutation(n_orders)
    orders["customer_row_order"] = rng.permutation(n_orders)
    sold = rng.permutation(np.unique(items["product"][items["written"]]))
    active = rng.permutation(np.unique(products["seller"][sold]))
    _log(f"built {n_orders:,} orders in {time.perf_counter() - began:.1f}s")

    con = _connect(salt)
    writers: dict[str, Callable[[], int]] = {
        CUSTOMERS_FILE: lambda: _write_customers(con, orders, people, prefixes, out),
        GEOLOCATION_FILE: lambda: _write_geolocation(con, geo, out),
        ITEMS_FILE: lambda: _write_items(con, items, out),
        PAYMENTS_FILE: lambda: _write_payments(con, payments, out),
        REVIEWS_FILE: lambda: _write_reviews(con, reviews, out),
        ORDERS_FILE: lambda: _write_orders(con, orders, out),
        PRODUCTS_FILE: lambda: _write_products(con, products, sold, out),
        SELLERS_FILE: lambda: _write_sellers(con, sellers, active, prefixes, out),
        TRANSLATION_FILE: lambda: _write_translation(out),
        PLANTED_FILE: lambda: _write_planted(con, people, out),
    }
    counts: dict[str, int] = {}
    try:
        for name, write in writers.items():
            t0 = time.perf_counter()
            counts[name] = write()
            _log(f"{name}: {counts[name]:,} rows in {time.perf_counter() - t0:.2f}s")
    finally:
        con.close()
    _log(f"done: {out} in {time.perf_counter() - began:.1f}s")
    return counts


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="olist-generate",
        description="Write a deterministic synthetic sample of the nine Olist CSVs.",
    )
    parser.add_argument(
        "--orders",
        type=int,
        default=DEFAULT_ORDERS,
        help=f"number of orders, at least {MIN_ORDERS} (default {DEFAULT_ORDERS})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder (default {DEFAULT_OUT})",
    )
    parser.add_argument("--start", default=DEFAULT_START, help="first purchase day")
    parser.add_argument("--end", default=DEFAULT_END, help="last purchase day")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the generator from the command line.

    Args:
        argv: Command-line arguments without the program name (``None`` reads
            ``sys.argv``).

    Returns:
        Exit code: 0 on success, 2 on invalid arguments.
    """
    args = _parse_args(argv)
    if args.orders < MIN_ORDERS:
        print(
            f"olist-generate: error: --orders must be at least {MIN_ORDERS} "
            f"(got {args.orders})",
            file=sys.stderr,
        )
        return 2
    try:
        validate_arguments(args.orders, args.seed, args.start, args.end)
    except ValueError as exc:
        print(f"olist-generate: error: {exc}", file=sys.stderr)
        return 2
    generate(args.out, args.orders, args.seed, args.start, args.end)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
