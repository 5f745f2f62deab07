"""Monthly share prices and indices, offline, from matplotlib's sample data; and random walks.

``matplotlib`` (its own licence, PSF-based) ships ``mpl-data/sample_data/Stocks.csv``: monthly
closing prices from January 1990 to June 2022 of eight US shares and two indices (the S&P 500 and
the NASDAQ Composite), taken from Yahoo Finance as the file's header says. Seven of the ten
columns have every month; the three that start later (Amazon, Dell, Google) are left out. The
file is read with :mod:`csv` through ``matplotlib.get_data_path()``.

- :func:`monthly_prices`: the months, the series' names and their prices;
- :func:`random_walks`: series whose log-price takes independent Gaussian steps, the null model
  of a market that cannot be forecast.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np

#: The columns with a price for every month, in the file's order.
COMPLETE = ("IBM", "AAPL", "MSFT", "XRX", "ADBE", "^GSPC", "^IXIC")


def data_file() -> Path:
    """The path of matplotlib's ``Stocks.csv``."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "Stocks.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: this matplotlib ships no Stocks.csv")
    return path


@lru_cache(maxsize=1)
def monthly_prices() -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """The first-of-month closing prices of the complete columns.

    Returns:
        ``(months, names, prices)``: ``(T,)`` ``datetime64[M]``, the :data:`COMPLETE` names, and
        float64 ``(len(names), T)`` prices; ``T`` is 390 (January 1990 to June 2022).
    """
    with open(data_file(), newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and not row[0].startswith("#")]
    header, body = rows[0], rows[1:]
    # The file also has rows that are all blank but the date, and one mid-month row at its end.
    monthly = [row for row in body if row[0].endswith("-01") and row[1] != ""]
    columns = [header.index(name) for name in COMPLETE]
    prices = np.array([[float(row[c]) for row in monthly] for c in columns])
    months = np.array([row[0][:7] for row in monthly], dtype="datetime64[M]")
    if not (np.diff(months) == np.timedelta64(1, "M")).all():
        raise RuntimeError("Stocks.csv does not have one row per month")
    return months, COMPLETE, prices


def random_walks(count: int, length: int, step_sd: float, seed: int = 0) -> np.ndarray:
    """Log-prices that move by independent ``N(0, step_sd**2)`` steps, from 0.

    Returns:
        float64 ``(count, length)``; the first column is 0.
    """
    if count < 1 or length < 2 or step_sd <= 0:
        raise ValueError(f"need count >= 1, length >= 2, step_sd > 0; got {count}, {length}, "
                         f"{step_sd}")
    steps = np.random.default_rng(seed).normal(0.0, step_sd, size=(count, length - 1))
    return np.concatenate([np.zeros((count, 1)), np.cumsum(steps, axis=1)], axis=1)
