"""companion.rnn against torch.nn.RNN with copied weights (chapter 1, equation rnn-step)."""
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.rnn import RNN, RNNCell

SHAPES = [  # (B, T, I, H)
    (1, 1, 1, 1),
    (1, 7, 3, 5),
    (4, 1, 6, 2),
    (5, 17, 8, 16),
    (3, 40, 2, 32),
]


def _pair(input_size, hidden_size, dtype=torch.float32, seed=0, bias=True):
    torch.manual_seed(seed)
    reference = nn.RNN(input_size, hidden_size, batch_first=True, bias=bias).to(dtype)
    return reference, RNN.from_torch(reference)


@pytest.mark.parametrize("B,T,I,H", SHAPES)
@pytest.mark.parametrize("with_state", [False, True])
def test_outputs_and_gradients_match_torch(B, T, I, H, with_state):
    reference, ours = _pair(I, H, seed=B * 100 + T)
    x = torch.randn(B, T, I)
    h0 = torch.randn(B, H) if with_state else None
    x_ref, x_ours = x.clone().requires_grad_(), x.clone().requires_grad_()
    h0_ref = h0.clone().requires_grad_() if with_state else None
    h0_ours = h0.clone().requires_grad_() if with_state else None

    out_ref, h_ref = reference(x_ref, None if h0_ref is None else h0_ref.unsqueeze(0))
    out_ours, h_ours = ours(x_ours, h0_ours)
    assert out_ours.shape == (B, T, H) and h_ours.shape == (B, H)
    torch.testing.assert_close(out_ours, out_ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_ours, h_ref[0], atol=1e-5, rtol=0)

    # A loss that weighs every output and the final state differently, so no gradient is trivial.
    weights = torch.randn(B, T, H)
    final_weights = torch.randn(B, H)
    ((out_ref * weights).sum() + (h_ref[0] * final_weights).sum()).backward()
    ((out_ours * weights).sum() + (h_ours * final_weights).sum()).backward()
    cell = ours.cell
    torch.testing.assert_close(x_ours.grad, x_ref.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(cell.W_xh.grad, reference.weight_ih_l0.grad.T, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(cell.W_hh.grad, reference.weight_hh_l0.grad.T, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(cell.b.grad, reference.bias_ih_l0.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(cell.b.grad, reference.bias_hh_l0.grad, atol=1e-5, rtol=1e-5)
    if with_state:
        torch.testing.assert_close(h0_ours.grad, h0_ref.grad, atol=1e-5, rtol=1e-5)


def test_relu_rnn_matches_torch_in_values_and_gradients():
    torch.manual_seed(3)
    reference = nn.RNN(3, 8, num_layers=2, nonlinearity="relu", batch_first=True)
    ours = RNN.from_torch(reference)
    assert all(layer.cell.nonlinearity == "relu" for layer in ours.layers)
    x = torch.randn(4, 12, 3)
    out_ref, _ = reference(x)
    out_ours, _ = ours(x)
    assert (out_ours == 0).any()  # the ReLU clipped something, so the test can tell tanh from it
    torch.testing.assert_close(out_ours, out_ref, atol=1e-5, rtol=0)
    out_ref.square().sum().backward()
    out_ours.square().sum().backward()
    torch.testing.assert_close(ours.layers[0].cell.W_hh.grad, reference.weight_hh_l0.grad.T,
                               atol=1e-4, rtol=1e-4)


def test_cell_rejects_an_unknown_nonlinearity():
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        RNNCell(2, 3, nonlinearity="sigmoid")


def test_float64_matches_torch_to_machine_precision():
    reference, ours = _pair(4, 6, dtype=torch.float64)
    assert ours.cell.W_hh.dtype == torch.float64
    x = torch.randn(3, 25, 4, dtype=torch.float64)
    torch.testing.assert_close(ours(x)[0], reference(x)[0], atol=1e-12, rtol=0)


def test_without_bias_matches_torch():
    reference, ours = _pair(3, 4, bias=False)
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(ours(x)[0], reference(x)[0], atol=1e-6, rtol=0)


def test_layer_equals_the_readable_cell_looped():
    torch.manual_seed(1)
    layer = RNN(5, 7)
    x, h = torch.randn(4, 9, 5), torch.randn(4, 7)
    outputs, last = layer(x, h)
    for t in range(9):
        h = layer.cell(x[:, t], h)
        torch.testing.assert_close(outputs[:, t], h, atol=1e-6, rtol=0)
    torch.testing.assert_close(last, h)


def test_cell_is_the_equation():
    torch.manual_seed(2)
    cell = RNNCell(3, 4)
    x_t, h_prev = torch.randn(2, 3), torch.randn(2, 4)
    expected = torch.tanh(x_t @ cell.W_xh + h_prev @ cell.W_hh + cell.b)
    torch.testing.assert_close(cell(x_t, h_prev), expected)
    assert cell.W_xh.shape == (3, 4) and cell.W_hh.shape == (4, 4) and cell.b.shape == (4,)


def test_initialisation_range_matches_torch():
    layer = RNN(10, 25)
    bound = 1 / 25 ** 0.5
    for p in layer.parameters():
        assert p.abs().max() <= bound and p.abs().max() > 0.5 * bound


def test_parameter_count_does_not_depend_on_sequence_length():
    layer = RNN(3, 8)
    count = sum(p.numel() for p in layer.parameters())
    assert count == 3 * 8 + 8 * 8 + 8
    for T in (1, 10, 500):  # running longer sequences adds no parameters
        layer(torch.randn(2, T, 3))
        assert sum(p.numel() for p in layer.parameters()) == count


def test_lengths_match_packed_torch_and_each_sequence_alone():
    reference, ours = _pair(3, 5, seed=3)
    lengths = torch.tensor([6, 2, 4, 1])
    x = torch.randn(4, 6, 3)
    for i, n in enumerate(lengths):
        x[i, n:] = 100.0  # padding garbage must not leak into the state
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out_packed, h_packed = reference(packed)
    out_ref, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=6)
    out_ours, h_ours = ours(x, lengths=lengths)
    torch.testing.assert_close(out_ours, out_ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_ours, h_packed[0], atol=1e-5, rtol=0)
    for i, n in enumerate(lengths.tolist()):
        _, alone = ours(x[i : i + 1, :n])
        torch.testing.assert_close(h_ours[i : i + 1], alone, atol=1e-6, rtol=0)


def test_from_torch_keeps_dtype_and_is_a_copy():
    reference, ours = _pair(2, 3)
    with torch.no_grad():
        reference.weight_hh_l0.add_(1.0)
    assert not torch.allclose(ours.cell.W_hh, reference.weight_hh_l0.T)


@pytest.mark.parametrize(
    "module, message",
    [
        (nn.GRU(2, 3, batch_first=True), "expects a torch.nn.RNN, got GRU"),
    ],
)
def test_from_torch_rejects_what_it_cannot_copy(module, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RNN.from_torch(module)


@pytest.mark.parametrize(
    "x, message",
    [
        (torch.randn(6, 3), r"x must have shape \(B, T, I\) = \(batch, time, 3\), got \(6, 3\) "
                            r"\(a single sequence\? add the batch axis"),
        (torch.randn(2, 6, 4), r"x must have shape \(B, T, I\) = \(batch, time, 3\), got \(2, 6, 4\)"),
        (torch.randn(2, 6, 3, 1), r"got \(2, 6, 3, 1\)"),
        (torch.randn(2, 0, 3), r"T >= 1, got \(2, 0, 3\)"),
        (torch.randn(0, 4, 3), r"B >= 1 and T >= 1, got \(0, 4, 3\)"),
        (torch.ones(2, 6, 3, dtype=torch.int64), r"floating-point tensor .* got torch.int64"),
        (torch.randn(2, 6, 3, dtype=torch.float64),
         r"dtype torch.float64 but the layer's parameters are torch.float32"),
        ([[[0.0, 1.0, 2.0]]], r"torch.Tensor of shape \(B, T, I\) = \(batch, time, 3\), got list"),
    ],
)
def test_bad_input_raises_a_clear_value_error(x, message):
    with pytest.raises(ValueError, match=message):
        RNN(3, 5)(x)


@pytest.mark.parametrize(
    "state, message",
    [
        (torch.randn(1, 2, 5), r"state must have shape \(B, H\) = \(2, 5\), got \(1, 2, 5\)"),
        (torch.randn(2, 4), r"state must have shape \(B, H\) = \(2, 5\), got \(2, 4\)"),
        (torch.randn(2, 5, dtype=torch.float64), r"state has dtype torch.float64"),
    ],
)
def test_bad_state_raises_a_clear_value_error(state, message):
    with pytest.raises(ValueError, match=message):
        RNN(3, 5)(torch.randn(2, 6, 3), state)


@pytest.mark.parametrize("sizes", [(0, 3), (3, 0), (-1, 2)])
def test_sizes_must_be_positive(sizes):
    with pytest.raises(ValueError, match="input_size and hidden_size must be >= 1"):
        RNN(*sizes)
