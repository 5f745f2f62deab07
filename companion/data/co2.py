"""Monthly CO2 at Mauna Loa (chapter :ref:`time-series`), offline from ``statsmodels``.

The weekly flask measurements of Keeling & Whorf (2004) that ship inside ``statsmodels`` (public
domain), averaged per month from January 1965 (the first year without missing months) to
December 2001.
"""
from __future__ import annotations

import numpy as np

FIRST_YEAR = 1965


def co2_monthly() -> tuple[np.ndarray, np.ndarray]:
    """Monthly mean CO2 (ppm) from January 1965 to December 2001.

    Returns:
        ``(months, ppm)``: ``months`` as ``numpy.datetime64[M]``, shape ``(444,)``, and the
        values, float64, same shape, with no gaps.
    """
    import statsmodels.api as sm  # imported here: only this data set needs it

    weekly = sm.datasets.co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean()
    monthly = monthly[monthly.index.year >= FIRST_YEAR]
    if monthly.isna().any():
        raise RuntimeError("the monthly CO2 series has gaps; the bundled data changed")
    return monthly.index.values.astype("datetime64[M]"), monthly.to_numpy(dtype=np.float64)
