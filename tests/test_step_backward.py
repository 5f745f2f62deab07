"""companion.step_backward: the readable per-step gradients equal autograd's, one step and a whole
sequence (where they must also equal the fast layers' hand-written backward)."""
import pytest
import torch

from companion.gru import GRU, GRUCell
from companion.lstm import LSTM, LSTMCell
from companion.step_backward import gru_cell_backward, lstm_cell_backward


def _close(ours, theirs):
    assert ours.shape == theirs.shape
    assert torch.allclose(ours, theirs, rtol=1e-10, atol=1e-12), (ours - theirs).abs().max()


@pytest.mark.parametrize("B,I,H", [(3, 4, 5), (1, 2, 3), (6, 7, 2)])
def test_one_lstm_step_matches_autograd(B, I, H):
    torch.manual_seed(B + I + H)
    cell = LSTMCell(I, H).double()
    x, h_prev, C_prev = (torch.randn(B, n, dtype=torch.float64, requires_grad=True) for n in (I, H, H))
    dh, dC = torch.randn(B, H, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    h, C = cell(x, (h_prev, C_prev))
    names = ["x_t", "h_prev", "C_prev"] + [name for name, _ in cell.named_parameters()]
    wanted = torch.autograd.grad((h * dh).sum() + (C * dC).sum(),
                                 [x, h_prev, C_prev] + list(cell.parameters()))
    ours = lstm_cell_backward(dh, dC, x.detach(), h_prev.detach(), C_prev.detach(), cell)
    assert sorted(ours) == sorted(names)
    for name, expected in zip(names, wanted):
        _close(ours[name], expected)


@pytest.mark.parametrize("B,I,H", [(3, 4, 5), (1, 2, 3), (6, 7, 2)])
def test_one_gru_step_matches_autograd(B, I, H):
    torch.manual_seed(B * I * H)
    cell = GRUCell(I, H).double()
    with torch.no_grad():  # large weights, so the reset gate matters
        for parameter in cell.parameters():
            parameter.mul_(3)
    x, h_prev = (torch.randn(B, n, dtype=torch.float64, requires_grad=True) for n in (I, H))
    dh = torch.randn(B, H, dtype=torch.float64)
    names = ["x_t", "h_prev"] + [name for name, _ in cell.named_parameters()]
    wanted = torch.autograd.grad((cell(x, h_prev) * dh).sum(), [x, h_prev] + list(cell.parameters()))
    ours = gru_cell_backward(dh, x.detach(), h_prev.detach(), cell)
    assert sorted(ours) == sorted(names)
    for name, expected in zip(names, wanted):
        _close(ours[name], expected)


def _sequence_case(layer_class, seed=0, B=3, T=7, I=4, H=5):
    torch.manual_seed(seed)
    layer = layer_class(I, H).double()
    x = torch.randn(B, T, I, dtype=torch.float64, requires_grad=True)
    g = torch.randn(B, T, H, dtype=torch.float64)
    outputs = layer(x)[0]
    wanted = torch.autograd.grad((outputs * g).sum(), [x] + list(layer.cell.parameters()))
    return layer, x.detach(), g, wanted


def test_lstm_steps_chained_in_reverse_give_the_layers_gradients():
    layer, x, g, wanted = _sequence_case(LSTM)
    cell, (B, T, _), H = layer.cell, x.shape, layer.cell.hidden_size
    states = [(torch.zeros(B, H, dtype=torch.float64),) * 2]
    with torch.no_grad():
        for t in range(T):
            states.append(cell(x[:, t], states[-1]))
    totals = {name: torch.zeros_like(p) for name, p in cell.named_parameters()}
    dx = torch.zeros_like(x)
    dh_next = dC_next = torch.zeros(B, H, dtype=torch.float64)
    for t in reversed(range(T)):
        grads = lstm_cell_backward(g[:, t] + dh_next, dC_next, x[:, t], *states[t], cell)
        for name in totals:
            totals[name] += grads[name]
        dx[:, t], dh_next, dC_next = grads["x_t"], grads["h_prev"], grads["C_prev"]
    _close(dx, wanted[0])
    for (name, _), expected in zip(cell.named_parameters(), wanted[1:]):
        _close(totals[name], expected)


def test_gru_steps_chained_in_reverse_give_the_layers_gradients():
    layer, x, g, wanted = _sequence_case(GRU, seed=1)
    cell, (B, T, _), H = layer.cell, x.shape, layer.cell.hidden_size
    states = [torch.zeros(B, H, dtype=torch.float64)]
    with torch.no_grad():
        for t in range(T):
            states.append(cell(x[:, t], states[-1]))
    totals = {name: torch.zeros_like(p) for name, p in cell.named_parameters()}
    dx = torch.zeros_like(x)
    dh_next = torch.zeros(B, H, dtype=torch.float64)
    for t in reversed(range(T)):
        grads = gru_cell_backward(g[:, t] + dh_next, x[:, t], states[t], cell)
        for name in totals:
            totals[name] += grads[name]
        dx[:, t], dh_next = grads["x_t"], grads["h_prev"]
    _close(dx, wanted[0])
    for (name, _), expected in zip(cell.named_parameters(), wanted[1:]):
        _close(totals[name], expected)
