"""companion.gru against torch.nn.GRU with copied weights, autograd's gradcheck, and its own
readable cell (chapter 4, the gate equations)."""
import pytest
import torch
from torch import nn

from companion.matmul import use_onednn
from companion.gru import GATES, GRU, GRUCell, GRUFunction

SHAPES = [  # (B, T, I, H)
    (1, 1, 1, 1),
    (1, 6, 3, 4),
    (4, 1, 5, 2),
    (5, 17, 8, 16),
    (3, 30, 2, 32),
    (1, 12, 24, 128),  # H = 128 and up: large products (companion.matmul), rows layout
    (5, 12, 24, 128),
]


@pytest.fixture(params=[False, True], ids=["torch.mm", "oneDNN"])
def products(request):
    """Each comparison with torch.nn twice: large products on torch.mm, and on oneDNN."""
    with use_onednn(request.param):
        yield request.param


def _pair(input_size, hidden_size, dtype=torch.float32, seed=0, bias=True):
    torch.manual_seed(seed)
    reference = nn.GRU(input_size, hidden_size, batch_first=True, bias=bias).to(dtype)
    return reference, GRU.from_torch(reference)


def _weighted_loss(outputs, h, seed):
    """A loss that weighs every output and the final state differently."""
    g = torch.Generator().manual_seed(seed)
    w_out = torch.randn(outputs.shape, generator=g, dtype=outputs.dtype)
    w_h = torch.randn(h.shape, generator=g, dtype=h.dtype)
    return (outputs * w_out).sum() + (h * w_h).sum()


@pytest.mark.parametrize("B,T,I,H", SHAPES)
@pytest.mark.parametrize("with_state", [False, True])
def test_outputs_and_gradients_match_torch(B, T, I, H, with_state, products):
    reference, ours = _pair(I, H, seed=B * 100 + T)
    x = torch.randn(B, T, I)
    x_ref, x_ours = x.clone().requires_grad_(), x.clone().requires_grad_()
    if with_state:
        h0 = torch.randn(B, H)
        h0_ref, h0_ours = h0.clone().requires_grad_(), h0.clone().requires_grad_()
        out_ref, h_ref = reference(x_ref, h0_ref[None])
        out_ours, h_ours = ours(x_ours, h0_ours)
    else:
        out_ref, h_ref = reference(x_ref)
        out_ours, h_ours = ours(x_ours)
    assert out_ours.shape == (B, T, H) and h_ours.shape == (B, H)
    torch.testing.assert_close(out_ours, out_ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_ours, h_ref[0], atol=1e-5, rtol=0)

    _weighted_loss(out_ref, h_ref[0], seed=T).backward()
    _weighted_loss(out_ours, h_ours, seed=T).backward()
    close = dict(atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(x_ours.grad, x_ref.grad, **close)
    if with_state:
        torch.testing.assert_close(h0_ours.grad, h0_ref.grad, **close)
    # Map PyTorch's stacked (r, z, n) weight gradients onto the cell's per-gate ones.
    cell = ours.cell
    rows = {gate: slice(k * H, (k + 1) * H) for k, gate in enumerate(GATES)}
    for gate, block in rows.items():
        torch.testing.assert_close(getattr(cell, f"W_x{gate}").grad,
                                   reference.weight_ih_l0.grad[block].T, **close)
        torch.testing.assert_close(getattr(cell, f"W_h{gate}").grad,
                                   reference.weight_hh_l0.grad[block].T, **close)
    # r and z: one bias gets the gradient of both of PyTorch's; n: each its own
    for name, torch_bias in (("b_r", reference.bias_ih_l0.grad[rows["r"]]),
                             ("b_z", reference.bias_hh_l0.grad[rows["z"]]),
                             ("b_xn", reference.bias_ih_l0.grad[rows["n"]]),
                             ("b_hn", reference.bias_hh_l0.grad[rows["n"]])):
        torch.testing.assert_close(getattr(cell, name).grad, torch_bias, **close)


def test_hand_derived_backward_passes_gradcheck_in_float64():
    torch.manual_seed(0)
    T, B, I, H = 5, 3, 4, 6
    inputs = [torch.randn(T, B, I), torch.randn(B, H), torch.randn(I, 3 * H) * 0.5,
              torch.randn(H, 3 * H) * 0.5, torch.randn(3 * H) * 0.5, torch.randn(H) * 0.5]
    inputs = [t.double().requires_grad_() for t in inputs]
    assert torch.autograd.gradcheck(GRUFunction.apply, inputs, eps=1e-6, atol=1e-7)


def test_gradcheck_with_only_the_last_state_used():
    torch.manual_seed(1)
    layer = GRU(3, 4).double()
    x = torch.randn(2, 7, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: layer(x)[1], (x,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("B,T,I,H", [(1, 1, 2, 3), (3, 9, 4, 5)])
def test_layer_equals_its_readable_cell(B, T, I, H):
    torch.manual_seed(2)
    layer = GRU(I, H).double()
    x = torch.randn(B, T, I, dtype=torch.float64)
    h0 = torch.randn(B, H, dtype=torch.float64)
    out, h_T = layer(x, h0)
    h, steps = h0, []
    for x_t in x.unbind(dim=1):
        h = layer.cell(x_t, h)
        steps.append(h)
    by_cell = torch.stack(steps, dim=1)
    torch.testing.assert_close(out, by_cell, atol=1e-12, rtol=0)
    torch.testing.assert_close(h_T, h, atol=1e-12, rtol=0)
    grads_layer = torch.autograd.grad((out ** 2).sum() + h_T.sum(), list(layer.parameters()))
    grads_cell = torch.autograd.grad((by_cell ** 2).sum() + h.sum(), list(layer.parameters()))
    for a, b in zip(grads_layer, grads_cell):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


def test_cell_follows_the_equations_by_hand():
    """One step with H = I = 1 from the scalar formulas, PyTorch's convention."""
    cell = GRUCell(1, 1).double()
    values = {"W_xr": 0.3, "W_hr": -0.4, "b_r": 0.1, "W_xz": 0.5, "W_hz": 0.2, "b_z": -0.2,
              "W_xn": -0.6, "W_hn": 0.7, "b_xn": 0.05, "b_hn": -0.15}
    with torch.no_grad():
        for name, value in values.items():
            getattr(cell, name).fill_(value)
    x, h_prev = 1.2, -0.5
    sig = lambda v: 1 / (1 + torch.exp(-torch.tensor(v, dtype=torch.float64)))  # noqa: E731
    r = sig(0.3 * x - 0.4 * h_prev + 0.1)
    z = sig(0.5 * x + 0.2 * h_prev - 0.2)
    n = torch.tanh(-0.6 * x + 0.05 + r * (0.7 * h_prev - 0.15))
    expected = (1 - z) * n + z * h_prev
    step = cell.step(torch.tensor([[x]], dtype=torch.float64),
                     torch.tensor([[h_prev]], dtype=torch.float64))
    torch.testing.assert_close(step.h[0, 0], expected)
    torch.testing.assert_close(step.r[0, 0], r)
    torch.testing.assert_close(step.z[0, 0], z)
    torch.testing.assert_close(step.n[0, 0], n)


def test_update_gate_near_one_copies_the_state():
    """z = 1 keeps h_{t-1} exactly (PyTorch's convention); z = 0 replaces it by the candidate."""
    layer = GRU(2, 3).double()
    x = torch.randn(4, 10, 2, dtype=torch.float64)
    h0 = torch.randn(4, 3, dtype=torch.float64)
    with torch.no_grad():
        layer.cell.W_xz.zero_()
        layer.cell.W_hz.zero_()
        layer.cell.b_z.fill_(60.0)  # sigmoid(60) == 1 in float64
    out, h_T = layer(x, h0)
    torch.testing.assert_close(h_T, h0, atol=1e-12, rtol=0)
    with torch.no_grad():
        layer.cell.b_z.fill_(-60.0)
    steps = layer.trace(x, h0)
    torch.testing.assert_close(steps[-1].h, steps[-1].n, atol=1e-12, rtol=0)


def test_from_torch_without_bias():
    reference, ours = _pair(3, 4, bias=False)
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(ours(x)[0], reference(x)[0], atol=1e-5, rtol=0)
    assert all(float(getattr(ours.cell, n).detach().abs().max()) == 0
               for n in ("b_r", "b_z", "b_xn", "b_hn"))


def test_float64_matches_torch_to_machine_precision():
    reference, ours = _pair(4, 6, dtype=torch.float64)
    x = torch.randn(3, 12, 4, dtype=torch.float64)
    torch.testing.assert_close(ours(x)[0], reference(x)[0], atol=1e-12, rtol=0)


def test_bad_input_raises_clear_value_error():
    layer = GRU(3, 4)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, I\) = \(batch, time, 3\), got \(5, 3\)"):
        layer(torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"got \(2, 5, 2\)"):
        layer(torch.randn(2, 5, 2))
    with pytest.raises(ValueError, match="dtype"):
        layer(torch.randn(2, 5, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"h_0 must have shape \(B, H\) = \(2, 4\), got \(1, 2, 4\)"):
        layer(torch.randn(2, 5, 3), torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"h_0 must be a torch.Tensor"):
        layer(torch.randn(2, 5, 3), (torch.zeros(2, 4),))
    with pytest.raises(ValueError, match="expects a torch.nn.GRU, got LSTM"):
        GRU.from_torch(nn.LSTM(3, 4))
    with pytest.raises(ValueError, match=">= 1"):
        GRUCell(3, 0)


def test_trace_records_the_gates_of_the_same_computation():
    torch.manual_seed(4)
    layer = GRU(3, 5)
    x = torch.randn(2, 6, 3)
    steps = layer.trace(x)
    out, h_T = layer(x)
    assert len(steps) == 6 and steps[0].z.shape == (2, 5)
    torch.testing.assert_close(torch.stack([s.h for s in steps], dim=1), out, atol=1e-6, rtol=0)
    torch.testing.assert_close(steps[-1].h, h_T, atol=1e-6, rtol=0)
    for s in steps:
        assert ((s.r > 0) & (s.r < 1) & (s.z > 0) & (s.z < 1)).all()
        assert (s.n.abs() < 1).all()


def test_parameter_count_is_three_quarters_of_the_lstms_weights():
    """The claim 'fewer parameters' in numbers: 3 blocks against the LSTM's 4, at equal H."""
    from companion.lstm import LSTM
    I, H = 7, 11
    weights = lambda m: sum(p.numel() for n, p in m.named_parameters() if ".W_" in n)  # noqa: E731
    assert weights(GRU(I, H)) * 4 == weights(LSTM(I, H)) * 3 == 12 * (I * H + H * H)
