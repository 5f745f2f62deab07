"""companion.data.co2: the monthly Mauna Loa series, complete and in range."""
import numpy as np

from companion.data.co2 import FIRST_YEAR, co2_monthly


def test_co2_is_monthly_without_gaps_from_1965():
    months, ppm = co2_monthly()
    assert months.shape == ppm.shape == (444,)
    assert str(months[0]) == f"{FIRST_YEAR}-01" and str(months[-1]) == "2001-12"
    assert np.all(np.diff(months).astype(int) == 1)
    assert 315 < ppm.min() < ppm.max() < 375
