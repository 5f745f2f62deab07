"""Forecasting: time-ordered splits, origins, baselines and the change scaler."""
import numpy as np
import pytest
import torch

from companion.applications import forecast as fc
from companion.data.co2 import co2_monthly


@pytest.fixture(scope="module")
def co2():
    return co2_monthly()


def test_splits_are_in_time_order(co2):
    months, _ = co2
    parts = fc.year_splits(months, 1992, 1996)
    assert parts["train"].stop == parts["val"].start and parts["val"].stop == parts["test"].start
    assert str(months[parts["test"].start]) == "1996-01"
    with pytest.raises(ValueError):
        fc.year_splits(months, 1996, 1992)


def test_origins_keep_targets_inside_the_part():
    part = slice(100, 160)
    origins = fc.origins_within(part, window=36, horizon=12)
    assert origins[0] == 99 and origins[-1] + 12 == 159
    assert fc.origins_within(slice(0, 60), window=36)[0] == 36


def test_baselines_on_a_series_with_known_answers():
    t = np.arange(60, dtype=float)
    season = np.tile(np.arange(12.0), 5)
    series = 2 * t + season
    origins = np.array([30, 40])
    np.testing.assert_array_equal(fc.naive_forecast(series, origins, 3), series[origins][:, None].repeat(3, 1))
    seasonal = fc.seasonal_naive_forecast(series, origins, 12)
    truth = series[origins[:, None] + np.arange(1, 13)]
    np.testing.assert_allclose(truth - seasonal, 24.0)  # a year's rise, exactly
    # the drift baseline adds last year's rise, which is exact for a linear trend plus a cycle
    np.testing.assert_allclose(fc.seasonal_drift_forecast(series, origins, 12), truth)
    assert fc.mean_absolute_error(seasonal, series, origins) == pytest.approx(24.0)
    with pytest.raises(ValueError, match="at most the season"):
        fc.seasonal_naive_forecast(series, origins, 13)


def test_change_scaler_round_trips_the_true_changes(co2):
    months, ppm = co2
    scaler = fc.ChangeScaler(ppm, slice(0, 300))
    origins = np.array([100, 200, 350])
    scaled = scaler.targets(ppm, origins).numpy()
    levels = scaler.to_levels(ppm, origins, scaled)
    np.testing.assert_allclose(levels, ppm[origins[:, None] + np.arange(1, 13)], atol=1e-4)
    x = scaler.windows(ppm, months, origins, 24)
    assert x.shape == (3, 24, 3) and x.dtype == torch.float32
    np.testing.assert_allclose((x[..., 1] ** 2 + x[..., 2] ** 2).numpy(), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="origins must be >= window"):
        scaler.windows(ppm, months, np.array([10]), 24)


def test_forecaster_shapes():
    model = fc.Forecaster(3, 8, horizon=5)
    assert model(torch.zeros(4, 20, 3)).shape == (4, 5)
