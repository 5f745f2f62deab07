"""Irregular sampling: the data's time structure and the models' inputs."""
import numpy as np
import pytest
import torch

from companion.applications.irregular import DecayingEstimator, FrequencyEstimator, model_inputs
from companion.data.sines import FREQUENCY_RANGE, sampled_sines


def test_regular_and_irregular_samples():
    regular = sampled_sines(50, 30, irregular=False, seed=0, noise=0.0)
    irregular = sampled_sines(50, 30, irregular=True, seed=0, noise=0.0)
    assert regular["values"].shape == regular["gaps"].shape == (50, 30)
    assert torch.allclose(regular["gaps"][:, 1:], torch.tensor(0.5))
    assert (irregular["gaps"][:, 0] == 0).all() and irregular["gaps"][:, 1:].std() > 0.3
    assert torch.allclose(irregular["times"], irregular["gaps"].cumsum(1), atol=1e-5)
    f = irregular["frequency"]
    assert FREQUENCY_RANGE[0] <= f.min() and f.max() <= FREQUENCY_RANGE[1]
    # the values are the sine at the sample times: recover the phase from the first sample
    t, v = irregular["times"].double(), irregular["values"].double()
    phase = torch.asin(v[:, 0])
    candidates = [torch.sin(f.double()[:, None] * t + p[:, None]) for p in (phase, np.pi - phase)]
    error = torch.minimum(*(torch.abs(c - v).max(1).values for c in candidates))
    assert error.max() < 1e-5


def test_model_inputs_and_estimator_shapes():
    data = sampled_sines(4, 10, irregular=True, seed=1)
    assert model_inputs(data, with_gaps=False).shape == (4, 10, 1)
    with_gaps = model_inputs(data, with_gaps=True)
    assert with_gaps.shape == (4, 10, 2) and torch.equal(with_gaps[..., 1], data["gaps"])
    assert FrequencyEstimator(2)(with_gaps).shape == (4,)


def test_decay_forgets_everything_before_a_very_long_gap():
    torch.manual_seed(0)
    model = DecayingEstimator(hidden_size=6).eval()
    first, second = torch.randn(3, 5), torch.randn(3, 4)
    gaps_second = torch.rand(3, 4)
    together_gaps = torch.cat([torch.rand(3, 5), gaps_second], dim=1)
    together_gaps[:, 5] = 1e6  # the state is exp(-1e6) * h: nothing survives
    with torch.no_grad():
        together = model(torch.cat([first, second], dim=1), together_gaps)
        alone = model(second, torch.cat([torch.zeros(3, 1), gaps_second[:, 1:]], dim=1))
    assert torch.allclose(together, alone, atol=1e-6)
    with torch.no_grad():  # no gap, no decay: the plain cell
        plain = model(first, torch.zeros(3, 5))
        h = torch.zeros(3, 6)
        for t in range(5):
            h = model.cell(first[:, t:t + 1], h)
    assert torch.allclose(plain, model.head(h)[:, 0], atol=1e-6)
    with pytest.raises(ValueError, match=r"shape \(B, T\)"):
        model(first, torch.zeros(3, 4))
