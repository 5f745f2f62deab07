"""companion.applications.market: returns, windows and errors against direct computations."""
import numpy as np
import pytest

from companion.applications import market


def test_log_returns_and_their_windows():
    prices = np.array([[1.0, 2.0, 4.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0, np.e]])
    returns = market.log_returns(prices)
    np.testing.assert_allclose(returns, [[np.log(2), np.log(2), -np.log(2), 0], [0, 0, 0, 1]])
    inputs, targets = market.return_windows(returns, window=2, start=0, stop=4, scale=2.0)
    assert inputs.shape == (4, 2, 1) and targets.shape == (4,)  # months 2 and 3, two series
    np.testing.assert_allclose(inputs[0, :, 0].numpy(), returns[0, :2] / 2, rtol=1e-6)
    np.testing.assert_allclose(targets.numpy(), [returns[0, 2] / 2, 0, 0, 0.5], rtol=1e-6)
    with pytest.raises(ValueError, match="positive"):
        market.log_returns(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="start < stop"):
        market.return_windows(returns, 2, 3, 3, 1.0)


def test_rmse():
    assert market.rmse([3.0, -4.0]) == pytest.approx(np.sqrt(12.5))
