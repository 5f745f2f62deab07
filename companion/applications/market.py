"""Forecasting prices one month ahead: a GRU over past returns against "next month equals this one".

Chapter :ref:`applications`. Prices are modelled as log-prices, whose month-on-month changes
(log returns) are what a forecaster can hope to predict; a forecast of the next log-price is the
last one plus a predicted return. The naive forecast predicts a return of 0 (the price stays),
the drift forecast the mean return of the training months.
"""
from __future__ import annotations

import numpy as np
import torch


def log_returns(prices: np.ndarray) -> np.ndarray:
    """``log p[t] - log p[t - 1]`` along the last axis: ``(S, T)`` -> ``(S, T - 1)``."""
    prices = np.asarray(prices, dtype=np.float64)
    if (prices <= 0).any():
        raise ValueError("prices must be positive")
    return np.diff(np.log(prices), axis=-1)


def return_windows(returns: np.ndarray, window: int, start: int, stop: int, scale: float
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets for every series and every target month ``t`` in ``[start, stop)``.

    Args:
        returns: ``(S, T)`` log returns.
        window: months of past returns each forecast reads.
        start, stop: the target months (``start`` is raised to ``window`` if smaller).
        scale: returns are divided by it (the training months' standard deviation).

    Returns:
        ``(inputs, targets)``: float32 ``(N, window, 1)`` and ``(N,)`` with
        ``N = S * (stop - max(start, window))``, series after series.
    """
    if not 0 <= start < stop <= returns.shape[1] or window < 1:
        raise ValueError(f"need 0 <= start < stop <= {returns.shape[1]} and window >= 1, got "
                         f"{start}, {stop}, {window}")
    months = np.arange(max(start, window), stop)
    steps = months[:, None] + np.arange(-window, 0)  # (M, window)
    inputs = returns[:, steps].reshape(-1, window) / scale  # (S * M, window)
    targets = returns[:, months].reshape(-1) / scale
    return (torch.from_numpy(inputs).float()[..., None], torch.from_numpy(targets).float())


def rmse(errors) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean(np.square(np.asarray(errors, dtype=np.float64)))))
