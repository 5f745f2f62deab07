"""Forecasting a real series: monthly CO2 at Mauna Loa, a GRU, and the baselines it must beat.

The data are the weekly flask measurements of Keeling & Whorf (2004) that ship inside
``statsmodels`` (public domain), averaged per month from January 1965 (the first year without
missing months) to December 2001. Everything is split in time order, scaling statistics come
from the training years only, and every forecast is *multi-step*: from a forecast origin, the
next :data:`HORIZON` months at once.

The GRU does not forecast levels. The test years lie above every training value (CO2 keeps
rising), and a network fitted to scaled training levels would have to extrapolate; it reads and
predicts month-on-month *changes* instead, which stay in range, and the forecast level is the
last observed value plus the predicted changes, summed.
"""
from __future__ import annotations

import numpy as np
import torch

from companion.gru import GRU
from companion.rnn_types import ManyToOne

#: Months forecast from each origin.
HORIZON = 12
#: Months in one seasonal cycle.
SEASON = 12


def year_splits(months: np.ndarray, val_from: int, test_from: int) -> dict[str, slice]:
    """Index ranges of the training, validation and test months, in time order.

    ``val_from`` and ``test_from`` are the first years of validation and test.
    """
    years = months.astype("datetime64[Y]").astype(int) + 1970
    val_start, test_start = int(np.argmax(years >= val_from)), int(np.argmax(years >= test_from))
    if not 0 < val_start < test_start < len(months):
        raise ValueError(f"need data before {val_from}, and {val_from} < {test_from} within the series")
    return {"train": slice(0, val_start), "val": slice(val_start, test_start),
            "test": slice(test_start, len(months))}


def origins_within(part: slice, window: int, horizon: int = HORIZON) -> np.ndarray:
    """Forecast origins whose ``horizon`` targets all lie in ``part`` and whose input window of
    ``window`` months ends at the origin (the window may reach back before ``part``).

    An origin ``o`` is the index of the last observed month; targets are ``o+1 .. o+horizon``.
    The window's changes need the month before it too, so ``o >= window``.
    """
    first = max(part.start - 1, window)
    return np.arange(first, part.stop - horizon)


def naive_forecast(series: np.ndarray, origins: np.ndarray, horizon: int = HORIZON) -> np.ndarray:
    """The last observed value, repeated: shape ``(len(origins), horizon)``."""
    return np.repeat(series[origins][:, None], horizon, axis=1)


def seasonal_naive_forecast(series: np.ndarray, origins: np.ndarray, horizon: int = HORIZON,
                            season: int = SEASON) -> np.ndarray:
    """The value one season before each target (``horizon <= season``): ``(len(origins), horizon)``."""
    if horizon > season:
        raise ValueError(f"horizon ({horizon}) must be at most the season ({season})")
    steps = np.arange(1, horizon + 1)
    return series[origins[:, None] + steps - season]


def seasonal_drift_forecast(series: np.ndarray, origins: np.ndarray, horizon: int = HORIZON,
                            season: int = SEASON) -> np.ndarray:
    """Seasonal naive plus the last year's rise: ``y[t - season] + (y[o] - y[o - season])``."""
    rise = series[origins] - series[origins - season]
    return seasonal_naive_forecast(series, origins, horizon, season) + rise[:, None]


class ChangeScaler:
    """Standardises month-on-month changes with the mean and spread of the training months."""

    def __init__(self, series: np.ndarray, train: slice):
        changes = np.diff(series[train])
        self.mean, self.std = float(changes.mean()), float(changes.std())

    def windows(self, series: np.ndarray, months: np.ndarray, origins: np.ndarray, window: int
                ) -> torch.Tensor:
        """Inputs for :class:`Forecaster`: ``(N, window, 3)`` float32, per month its scaled change
        and the month of the year as a point on the unit circle (sin, cos)."""
        if origins.min() < window:
            raise ValueError(f"origins must be >= window = {window} (one more month for the change)")
        steps = origins[:, None] + np.arange(-window + 1, 1)
        changes = (series[steps] - series[steps - 1] - self.mean) / self.std
        angle = 2 * np.pi * (months[steps].astype(int) % 12) / 12
        features = np.stack([changes, np.sin(angle), np.cos(angle)], axis=-1)
        return torch.from_numpy(features).float()

    def targets(self, series: np.ndarray, origins: np.ndarray, horizon: int = HORIZON
                ) -> torch.Tensor:
        """The scaled changes of the ``horizon`` months after each origin, ``(N, horizon)``."""
        steps = origins[:, None] + np.arange(1, horizon + 1)
        return torch.from_numpy((series[steps] - series[steps - 1] - self.mean) / self.std).float()

    def to_levels(self, series: np.ndarray, origins: np.ndarray, scaled_changes) -> np.ndarray:
        """Forecast levels: the value at each origin plus the unscaled changes, summed."""
        changes = np.asarray(scaled_changes, dtype=np.float64) * self.std + self.mean
        return series[origins][:, None] + np.cumsum(changes, axis=1)


class Forecaster(ManyToOne):
    """Direct multi-step forecaster: chapter 1's many-to-one model with the companion GRU. The GRU
    reads the window, a linear layer maps its last hidden state to all ``horizon`` scaled changes
    at once: ``(B, T, input_size)`` windows -> ``(B, horizon)``.

    Args:
        input_size: features per month (3 from :meth:`ChangeScaler.windows`).
        hidden_size: ``H``, GRU units.
        horizon: months forecast.
    """

    def __init__(self, input_size: int = 3, hidden_size: int = 32, horizon: int = HORIZON):
        super().__init__(input_size, hidden_size, horizon, layer=GRU)


def mean_absolute_error(forecast: np.ndarray, series: np.ndarray, origins: np.ndarray) -> float:
    """MAE (in the series' units) of ``(len(origins), horizon)`` forecasts against the truth."""
    steps = origins[:, None] + np.arange(1, forecast.shape[1] + 1)
    return float(np.mean(np.abs(forecast - series[steps])))
