"""companion.lstm against torch.nn.LSTM with copied weights, autograd's gradcheck, and its own
readable cell (chapter 3, the gate equations)."""
import pytest
import torch
from torch import nn

from companion import lstm_native
from companion.matmul import use_onednn
from companion.lstm import LSTM, LSTMCell, LSTMFunction

SHAPES = [  # (B, T, I, H)
    (1, 1, 1, 1),
    (1, 6, 3, 4),
    (4, 1, 5, 2),
    (5, 17, 8, 16),
    (3, 30, 2, 32),
    (1, 12, 24, 128),  # H = 128 and up: large products (companion.matmul), rows layout
    (5, 12, 24, 128),
]


@pytest.fixture(params=[(True, False), (False, False), (False, True)],
                ids=["C++ recurrence", "PyTorch ops, torch.mm", "PyTorch ops, oneDNN"])
def products(request):
    """Each comparison with torch.nn three times: the recurrence in C++ (where it is built) with
    its products on torch.mm, and the PyTorch path with large products on torch.mm and on oneDNN."""
    native, onednn = request.param
    if native and not lstm_native.load():
        pytest.skip("the C++ recurrence cannot be built here")
    with use_onednn(onednn), lstm_native.use_native(native):
        yield request.param


def _pair(input_size, hidden_size, dtype=torch.float32, seed=0, bias=True):
    torch.manual_seed(seed)
    reference = nn.LSTM(input_size, hidden_size, batch_first=True, bias=bias).to(dtype)
    return reference, LSTM.from_torch(reference)


def _weighted_loss(outputs, h, c, seed):
    """A loss that weighs every output and both final states differently."""
    g = torch.Generator().manual_seed(seed)
    w_out = torch.randn(outputs.shape, generator=g, dtype=outputs.dtype)
    w_h = torch.randn(h.shape, generator=g, dtype=h.dtype)
    w_c = torch.randn(c.shape, generator=g, dtype=c.dtype)
    return (outputs * w_out).sum() + (h * w_h).sum() + (c * w_c).sum()


@pytest.mark.parametrize("B,T,I,H", SHAPES)
@pytest.mark.parametrize("with_state", [False, True])
def test_outputs_and_gradients_match_torch(B, T, I, H, with_state, products):
    reference, ours = _pair(I, H, seed=B * 100 + T)
    x = torch.randn(B, T, I)
    x_ref, x_ours = x.clone().requires_grad_(), x.clone().requires_grad_()
    if with_state:
        h0, c0 = torch.randn(B, H), torch.randn(B, H)
        s_ref = [h0.clone().requires_grad_(), c0.clone().requires_grad_()]
        s_ours = [h0.clone().requires_grad_(), c0.clone().requires_grad_()]
        out_ref, (h_ref, c_ref) = reference(x_ref, (s_ref[0][None], s_ref[1][None]))
        out_ours, (h_ours, c_ours) = ours(x_ours, tuple(s_ours))
    else:
        out_ref, (h_ref, c_ref) = reference(x_ref)
        out_ours, (h_ours, c_ours) = ours(x_ours)
    assert out_ours.shape == (B, T, H) and h_ours.shape == c_ours.shape == (B, H)
    torch.testing.assert_close(out_ours, out_ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_ours, h_ref[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(c_ours, c_ref[0], atol=1e-5, rtol=0)

    _weighted_loss(out_ref, h_ref[0], c_ref[0], seed=T).backward()
    _weighted_loss(out_ours, h_ours, c_ours, seed=T).backward()
    torch.testing.assert_close(x_ours.grad, x_ref.grad, atol=1e-4, rtol=1e-4)
    if with_state:
        for ours_state, ref_state in zip(s_ours, s_ref):
            torch.testing.assert_close(ours_state.grad, ref_state.grad, atol=1e-4, rtol=1e-4)
    # Map PyTorch's stacked (i, f, g, o) weight gradients onto the cell's per-gate ones.
    cell = ours.cell
    for gate, k in {"i": 0, "f": 1, "C": 2, "o": 3}.items():
        rows = slice(k * H, (k + 1) * H)
        expected_W = torch.cat([reference.weight_hh_l0.grad[rows].T,
                                reference.weight_ih_l0.grad[rows].T])
        torch.testing.assert_close(getattr(cell, f"W_{gate}").grad, expected_W, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(getattr(cell, f"b_{gate}").grad, reference.bias_ih_l0.grad[rows],
                                   atol=1e-4, rtol=1e-4)


def test_hand_derived_backward_passes_gradcheck_in_float64():
    torch.manual_seed(0)
    T, B, I, H = 5, 3, 4, 6
    inputs = [torch.randn(T, B, I), torch.randn(B, H), torch.randn(B, H),
              torch.randn(I, 4 * H) * 0.5, torch.randn(H, 4 * H) * 0.5, torch.randn(4 * H) * 0.5]
    inputs = [t.double().requires_grad_() for t in inputs]
    assert torch.autograd.gradcheck(LSTMFunction.apply, inputs, eps=1e-6, atol=1e-7)


def test_gradcheck_with_only_some_outputs_used():
    """Gradients must also be right when the loss reads only the final cell state."""
    torch.manual_seed(1)
    layer = LSTM(3, 4).double()
    x = torch.randn(2, 7, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: layer(x)[1][1], (x,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("B,T,I,H", [(1, 1, 2, 3), (3, 9, 4, 5)])
def test_layer_equals_its_readable_cell(B, T, I, H):
    torch.manual_seed(2)
    layer = LSTM(I, H).double()
    x = torch.randn(B, T, I, dtype=torch.float64)
    out, (h_T, c_T) = layer(x)
    h = c = torch.zeros(B, H, dtype=torch.float64)
    steps = []
    for t in range(T):
        h, c = layer.cell(x[:, t], (h, c))
        steps.append(h)
    by_cell = torch.stack(steps, dim=1)
    torch.testing.assert_close(out, by_cell, atol=1e-12, rtol=0)
    torch.testing.assert_close(c_T, c, atol=1e-12, rtol=0)
    # and the same gradients for every cell parameter
    grads_layer = torch.autograd.grad((out ** 2).sum() + c_T.sum(), list(layer.parameters()))
    grads_cell = torch.autograd.grad((by_cell ** 2).sum() + c.sum(), list(layer.parameters()))
    for a, b in zip(grads_layer, grads_cell):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


def test_cell_follows_the_seed_equations_by_hand():
    """One step computed from the equations with explicit per-gate formulas, H = 1."""
    cell = LSTMCell(1, 1).double()
    with torch.no_grad():
        for k, gate in enumerate("ifoC"):
            getattr(cell, f"W_{gate}").copy_(torch.tensor([[0.1 * (k + 1)], [0.2]]))  # [w_h; w_x]
            getattr(cell, f"b_{gate}").fill_(0.05 * k)
    h_prev, c_prev, x = 0.3, -0.7, 1.5
    sig = lambda v: 1 / (1 + torch.exp(torch.tensor(-v, dtype=torch.float64)))  # noqa: E731
    pre = {g: 0.1 * (k + 1) * h_prev + 0.2 * x + 0.05 * k for k, g in enumerate("ifoC")}
    c_expected = sig(pre["f"]) * c_prev + sig(pre["i"]) * torch.tanh(torch.tensor(pre["C"], dtype=torch.float64))
    h_expected = sig(pre["o"]) * torch.tanh(c_expected)
    h, c = cell(torch.tensor([[x]], dtype=torch.float64),
                (torch.tensor([[h_prev]], dtype=torch.float64), torch.tensor([[c_prev]], dtype=torch.float64)))
    torch.testing.assert_close(c[0, 0], c_expected)
    torch.testing.assert_close(h[0, 0], h_expected)


def test_from_torch_without_bias():
    reference, ours = _pair(3, 4, bias=False)
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(ours(x)[0], reference(x)[0], atol=1e-5, rtol=0)
    assert all(float(getattr(ours.cell, f"b_{g}").detach().abs().max()) == 0 for g in "ifoC")


def test_bad_input_raises_clear_value_error():
    layer = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, I\) = \(batch, time, 3\), got \(5, 3\)"):
        layer(torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"got \(2, 5, 2\)"):
        layer(torch.randn(2, 5, 2))
    with pytest.raises(ValueError, match="dtype"):
        layer(torch.randn(2, 5, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"state must be a tuple \(h_0, C_0\)"):
        layer(torch.randn(2, 5, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"C_0 must have shape \(B, H\) = \(2, 4\), got \(1, 2, 4\)"):
        layer(torch.randn(2, 5, 3), (torch.zeros(2, 4), torch.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match="torch.nn.LSTM"):
        LSTM.from_torch(nn.GRU(3, 4))
    with pytest.raises(ValueError, match="proj_size=0"):
        LSTM.from_torch(nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(ValueError, match=">= 1"):
        LSTMCell(0, 4)


def test_trace_records_the_gates_of_the_same_computation():
    torch.manual_seed(4)
    layer = LSTM(3, 5)
    x = torch.randn(2, 6, 3)
    steps = layer.trace(x)
    out, (h_T, c_T) = layer(x)
    assert len(steps) == 6 and steps[0].f.shape == (2, 5)
    torch.testing.assert_close(torch.stack([s.h for s in steps], dim=1), out, atol=1e-6, rtol=0)
    torch.testing.assert_close(steps[-1].C, c_T, atol=1e-6, rtol=0)
    for s in steps:  # the gates are sigmoids, the candidate a tanh
        assert ((s.f > 0) & (s.f < 1) & (s.i > 0) & (s.i < 1) & (s.o > 0) & (s.o < 1)).all()
        assert (s.C_tilde.abs() < 1).all()
        torch.testing.assert_close(s.h, s.o * torch.tanh(s.C))
