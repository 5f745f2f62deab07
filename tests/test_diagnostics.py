"""companion.diagnostics: gradients by distance, against a hand computation and autograd."""
import numpy as np
import pytest
import torch

from companion.diagnostics import gradient_by_distance, gradient_norms_by_distance, trace
from companion.gru import GRU
from companion.lstm import LSTM
from companion.rnn import RNN


def test_norms_by_distance_on_a_known_chain():
    """h_t = 0.5 h_{t-1} + x_t and loss = sum(h_T): dL/dh_t = 0.5^(T-t) for every unit."""
    x = torch.ones(3, 5, 2)
    h, states = torch.zeros(3, 2, requires_grad=True), []
    for x_t in x.unbind(1):
        h = 0.5 * h + x_t
        states.append(h)
    norms = gradient_norms_by_distance(h.sum(), states)
    np.testing.assert_allclose(norms, np.sqrt(2) * 0.5 ** np.arange(5))


@pytest.mark.parametrize("make", [lambda: RNN(3, 4), lambda: LSTM(3, 4), lambda: GRU(3, 4)])
def test_gradient_by_distance_equals_autograd_on_the_layer_itself(make):
    torch.manual_seed(0)
    layer = make()
    x, readout = torch.randn(2, 6, 3), torch.randn(2, 4)
    norms, gate = gradient_by_distance(layer, x, readout)
    assert gate is None and norms.shape == (6,)
    # the last step's gradient is the readout itself: dL/dh_T = readout
    assert np.isclose(norms[0], readout.norm(dim=1).mean().item())
    steps = trace(layer, x)
    outputs, _ = layer(x)
    torch.testing.assert_close(torch.stack([s.h for s in steps], 1), outputs)


def test_the_lstm_cell_path_and_its_forget_gate():
    torch.manual_seed(1)
    layer = LSTM(3, 4)
    with torch.no_grad():
        layer.cell.b_f.fill_(20.0)  # forget gate ~1: the cell state carries the gradient intact
    norms, mean_forget = gradient_by_distance(layer, torch.randn(2, 6, 3), torch.randn(2, 4),
                                              memory="C", gate="f")
    assert mean_forget > 0.999
    assert norms[-1] > 0.5 * norms[1]  # barely decays along C
