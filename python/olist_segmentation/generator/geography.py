"""Geography: zip prefixes per state, where people and sellers live, geolocation.

Each state gets five-digit zip prefixes inside its real CEP range (the capital
takes the lowest part), and the geolocation table has many jittered rows per
prefix; about 1% of the prefixes have none, as in the real data.
"""

from __future__ import annotations

import numpy as np

from olist_segmentation.generator.draws import Table, lognormal, normalise, pick_subset
from olist_segmentation.generator.parameters import (
    ACCENTED_GEO_SHARE,
    ACCENTS,
    CAPITAL_ZIP_SHARE,
    CITIES,
    COMMA_CITY_EVERY,
    GEO_MEAN_ROWS_PER_PREFIX,
    GEO_MIN_PREFIXES,
    GEO_MISSING_PREFIX_SHARE,
    GEO_PREFIXES_PER_ORDER,
    MIN_COMMA_CITY_ROWS,
    REMOTE_REGIONS,
    STATES,
)

CITY_NAMES: tuple[str, ...] = tuple(c for s in STATES for c in CITIES[s.uf])
CITY_OFFSET = np.cumsum([0] + [len(CITIES[s.uf]) for s in STATES])[:-1]
STATE_UFS: tuple[str, ...] = tuple(s.uf for s in STATES)
STATE_LAT = np.array([s.lat for s in STATES])
STATE_LNG = np.array([s.lng for s in STATES])
STATE_EST_DAYS = np.array([s.est_days for s in STATES], dtype=float)


def accented(city: str) -> str:
    """Return the accented spelling of a city name (often the same name)."""
    for plain, spelled in ACCENTS:
        city = city.replace(plain, spelled)
    return city


def home_weights(home: str) -> np.ndarray:
    """Return state weights for a customer type's home region."""
    pct = np.array([s.customer_pct for s in STATES])
    remote = np.array([s.region in REMOTE_REGIONS for s in STATES])
    if home == "core":
        return np.where(remote, 0.0, pct)
    if home == "remote":
        return np.where(remote, pct**0.7, 0.0)
    return pct


def build_zip_prefixes(rng: np.random.Generator, n_orders: int) -> Table:
    """Draw the zip prefixes in use, with state, city, centroid and popularity.

    Each state gets prefixes inside its real CEP range; the capital takes the
    lowest part of the range. Some prefixes get no geolocation row.
    """
    target = max(GEO_MIN_PREFIXES, round(GEO_PREFIXES_PER_ORDER * n_orders))
    share = normalise(np.array([s.customer_pct for s in STATES]) ** 0.8)
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
    geo_rows = 1 + rng.poisson(lognormal(rng, GEO_MEAN_ROWS_PER_PREFIX, 0.7, n))
    missing = pick_subset(
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


def pick_zips(
    rng: np.random.Generator, state: np.ndarray, prefixes: Table
) -> np.ndarray:
    """Choose a zip-prefix index in each given state, by prefix popularity."""
    out = np.empty(len(state), dtype=np.int64)
    for code in range(len(STATES)):
        rows = np.flatnonzero(state == code)
        if len(rows) == 0:
            continue
        pool = np.flatnonzero(prefixes["state"] == code)
        weights = normalise(prefixes["popularity"][pool])
        out[rows] = rng.choice(pool, size=len(rows), p=weights)
    return out


def _geolocation_city_labels() -> tuple[list[str], np.ndarray]:
    """Return the geolocation city labels and a (variant, city) -> label map.

    Variants: 0 plain name, 1 accented name, 2 ``"city, state, brasil"``.
    """
    state_of_city = np.repeat(
        np.arange(len(STATES)), [len(CITIES[s.uf]) for s in STATES]
    )
    variants = (
        list(CITY_NAMES),
        [accented(c) for c in CITY_NAMES],
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


def build_geolocation(rng: np.random.Generator, prefixes: Table) -> Table:
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
    variant[pick_subset(rng, np.arange(n // 2, n), n_comma)] = 2
    return {
        "zip": prefixes["zip"][prefix],
        "lat": prefixes["lat"][prefix] + rng.normal(0, 0.012, n),
        "lng": prefixes["lng"][prefix] + rng.normal(0, 0.012, n),
        "city": GEO_CITY_CODES[variant, prefixes["city"][prefix]],
        "state": prefixes["state"][prefix],
    }
