"""companion.budget: parameter counts against PyTorch's layers and the formula, and the equal-budget
GRU size checked by brute force (chapter 4)."""
import pytest
from torch import nn

from companion.budget import equal_budget_hidden, parameter_count, torch_parameter_count
from companion.gru import GRU
from companion.lstm import LSTM


@pytest.mark.parametrize("I,H", [(1, 1), (2, 32), (8, 32), (128, 256)])
def test_torch_counts_follow_the_formula(I, H):
    assert torch_parameter_count(nn.LSTM, I, H) == 4 * (I * H + H * H + 2 * H)
    assert torch_parameter_count(nn.GRU, I, H) == 3 * (I * H + H * H + 2 * H)
    # the companion merges the biases PyTorch keeps twice (the GRU keeps b_hn apart)
    assert parameter_count(LSTM(I, H)) == 4 * (I * H + H * H + H)
    assert parameter_count(GRU(I, H)) == 3 * (I * H + H * H + H) + H


@pytest.mark.parametrize("I,H", [(2, 32), (8, 32), (128, 64), (128, 256), (3, 1000)])
def test_equal_budget_hidden_is_the_closest_size(I, H):
    budget = torch_parameter_count(nn.LSTM, I, H)
    gru = lambda h: 3 * (I * h + h * h + 2 * h)  # noqa: E731
    best = min(range(1, 3 * H), key=lambda h: abs(gru(h) - budget))
    assert abs(gru(equal_budget_hidden(I, H)) - budget) == abs(gru(best) - budget)


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match=">= 1"):
        equal_budget_hidden(0, 4)
