"""companion.bptt: the numpy backward pass against torch autograd and finite differences
(chapter 2, the BPTT equations)."""
import numpy as np
import pytest
import torch
from torch import nn

from companion.bptt import (
    numerical_gradient,
    relative_error,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
)

SHAPES = [  # (B, T, I, H)
    (1, 1, 1, 1),
    (1, 1, 3, 4),
    (1, 6, 2, 3),
    (4, 1, 3, 2),
    (3, 7, 2, 5),
]
NAMES = ("x", "h0", "W_xh", "W_hh", "b")


def _problem(B, T, I, H, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    arrays = {
        "x": rng.normal(size=(B, T, I)),
        "h0": rng.normal(size=(B, H)) * scale,
        "W_xh": rng.normal(size=(I, H)) * scale,
        "W_hh": rng.normal(size=(H, H)) * scale,
        "b": rng.normal(size=H) * scale,
    }
    dhs = rng.normal(size=(B, T, H))  # the loss is sum(hs * dhs), so dL/dhs = dhs
    return arrays, dhs


def _torch_reference(arrays, dhs, nonlinearity):
    """hs and the gradients of sum(hs * dhs) from torch.nn.RNN with the same weights."""
    I, H = arrays["W_xh"].shape
    rnn = nn.RNN(I, H, batch_first=True, nonlinearity=nonlinearity, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(arrays["W_xh"].T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(arrays["W_hh"].T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(arrays["b"]))
        rnn.bias_hh_l0.zero_()
    x = torch.from_numpy(arrays["x"]).requires_grad_()
    h0 = torch.from_numpy(arrays["h0"]).requires_grad_()
    hs, _ = rnn(x, h0.unsqueeze(0))
    (hs * torch.from_numpy(dhs)).sum().backward()
    grads = {"x": x.grad, "h0": h0.grad, "W_xh": rnn.weight_ih_l0.grad.T,
             "W_hh": rnn.weight_hh_l0.grad.T, "b": rnn.bias_ih_l0.grad}
    return hs.detach().numpy(), {k: v.numpy() for k, v in grads.items()}


@pytest.mark.parametrize("B,T,I,H", SHAPES)
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_forward_and_backward_match_torch_autograd(B, T, I, H, nonlinearity):
    arrays, dhs = _problem(B, T, I, H, seed=B + 10 * T)
    hs, cache = rnn_forward(*(arrays[k] for k in NAMES), nonlinearity=nonlinearity)
    grads = rnn_backward(dhs, cache)
    hs_ref, grads_ref = _torch_reference(arrays, dhs, nonlinearity)
    assert hs.shape == (B, T, H)
    np.testing.assert_allclose(hs, hs_ref, atol=1e-12, rtol=0)
    for name in NAMES:
        assert grads[name].shape == arrays[name].shape, name
        assert relative_error(grads[name], grads_ref[name]) <= 1e-7, name


@pytest.mark.parametrize("B,T,I,H", SHAPES)
def test_backward_matches_finite_differences(B, T, I, H):
    arrays, dhs = _problem(B, T, I, H, seed=7 * B + T)
    _, cache = rnn_forward(*(arrays[k] for k in NAMES))
    grads = rnn_backward(dhs, cache)
    for name in NAMES:
        numeric = numerical_gradient(lambda: rnn_forward(*(arrays[k] for k in NAMES))[0],
                                     arrays[name], upstream=dhs)
        assert relative_error(grads[name], numeric) <= 1e-7, name


def test_total_hidden_gradient_matches_autograd_on_every_step():
    """grads['h'][:, t] is dL/dh_t through all paths: the direct one and every later step."""
    arrays, dhs = _problem(2, 6, 3, 4, seed=3)
    _, cache = rnn_forward(*(arrays[k] for k in NAMES))
    grads = rnn_backward(dhs, cache)
    t = {k: torch.from_numpy(v).requires_grad_() for k, v in arrays.items()}
    h, states = t["h0"], []
    for step in range(6):
        h = torch.tanh(t["x"][:, step] @ t["W_xh"] + h @ t["W_hh"] + t["b"])
        h.retain_grad()
        states.append(h)
    (torch.stack(states, 1) * torch.from_numpy(dhs)).sum().backward()
    for step, state in enumerate(states):
        np.testing.assert_allclose(grads["h"][:, step], state.grad.numpy(), atol=1e-12)
    # at the last step nothing comes from later, so the total is the direct gradient
    np.testing.assert_array_equal(grads["h"][:, -1], dhs[:, -1])


def test_weight_gradient_is_the_sum_of_per_step_contributions():
    arrays, dhs = _problem(2, 5, 3, 4, seed=11)
    _, cache = rnn_forward(*(arrays[k] for k in NAMES))
    grads = rnn_backward(dhs, cache)
    hs = cache["hs"]
    total = np.zeros_like(arrays["W_hh"])
    for step in range(5):
        h_prev = hs[:, step - 1] if step else arrays["h0"]
        contribution = rnn_step_backward(grads["h"][:, step], hs[:, step], h_prev,
                                         arrays["x"][:, step], arrays["W_xh"], arrays["W_hh"])
        total += contribution["W_hh"]
    np.testing.assert_allclose(total, grads["W_hh"], atol=1e-12)


def test_numerical_gradient_known_answer_and_restores_input():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda: np.sum(x ** 3), x)
    np.testing.assert_allclose(grad, 3 * before ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_relative_error_known_values():
    assert relative_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 3.0])) == pytest.approx(0.2)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.zeros(2), np.zeros(3))


def test_bad_input_raises_clear_value_error():
    arrays, dhs = _problem(2, 3, 4, 5)
    args = [arrays[k] for k in NAMES]
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(B, T, I\)"):
        rnn_forward(arrays["x"][0], *args[1:])
    with pytest.raises(ValueError, match=r"h0 must have shape \(B, H\) = \(2, 5\), got \(3, 5\)"):
        rnn_forward(args[0], np.zeros((3, 5)), *args[2:])
    with pytest.raises(ValueError, match=r"W_xh must have shape \(I, H\) = \(4, 5\)"):
        rnn_forward(*args[:2], np.zeros((3, 5)), *args[3:])
    with pytest.raises(ValueError, match="float64"):
        rnn_forward(args[0].astype(np.float32), *args[1:])
    with pytest.raises(ValueError, match="nonlinearity"):
        rnn_forward(*args, nonlinearity="sigmoid")
    _, cache = rnn_forward(*args)
    with pytest.raises(ValueError, match=r"dhs must have shape \(B, T, H\) = \(2, 3, 5\)"):
        rnn_backward(dhs[:, :2], cache)
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))


def test_per_step_factor_recovers_a_geometric_rate():
    from companion.bptt import per_step_factor

    assert per_step_factor(3.0 * 0.9 ** np.arange(50)) == pytest.approx(0.9)
    assert per_step_factor(1.1 ** np.arange(10)) == pytest.approx(1.1)
    with pytest.raises(ValueError, match="positive"):
        per_step_factor([1.0, 0.0, 2.0])
