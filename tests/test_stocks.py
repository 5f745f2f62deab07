"""companion.data.stocks: matplotlib's Stocks.csv, one row per month; random walks."""
import csv

import numpy as np
import pytest

from companion.data import stocks


def test_monthly_prices_are_complete_and_match_the_file():
    months, names, prices = stocks.monthly_prices()
    assert names == stocks.COMPLETE and prices.shape == (7, 390)
    assert str(months[0]) == "1990-01" and str(months[-1]) == "2022-06"
    assert np.isfinite(prices).all() and (prices > 0).all()
    with open(stocks.data_file(), newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and not r[0].startswith("#")]
    header = rows[0]
    row = next(r for r in rows if r[0] == "2008-10-01")
    k = list(months.astype(str)).index("2008-10")
    assert prices[names.index("^GSPC"), k] == float(row[header.index("^GSPC")])


def test_random_walks_have_the_asked_step_spread():
    walks = stocks.random_walks(50, 2001, step_sd=0.05, seed=3)
    assert walks.shape == (50, 2001) and (walks[:, 0] == 0).all()
    assert abs(np.diff(walks, axis=1).std() - 0.05) < 0.002
    np.testing.assert_array_equal(walks, stocks.random_walks(50, 2001, 0.05, seed=3))
    with pytest.raises(ValueError, match="step_sd"):
        stocks.random_walks(2, 10, 0.0)
