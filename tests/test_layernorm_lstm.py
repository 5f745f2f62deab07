"""companion.layernorm_lstm: the equations of Ba et al. (2016), written once more with
torch.nn.functional.layer_norm; autograd's gradcheck; padding; and the invariance that layer
normalisation exists for."""
import pytest
import torch
from torch.nn import functional as F

from companion.layernorm_lstm import LayerNormLSTM, LayerNormLSTMCell


def _reference_step(cell, x_t, h, C, eps=1e-5):
    """The paper's equations from F.layer_norm, independent of the cell's code path."""
    H = cell.hidden_size
    norm_h = F.layer_norm(h @ cell.W_h, (4 * H,), cell.norm_h.weight, None, eps)
    norm_x = F.layer_norm(x_t @ cell.W_x, (4 * H,), cell.norm_x.weight, None, eps)
    a = norm_h + norm_x + cell.b
    a_i, a_f, a_C, a_o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    C = torch.sigmoid(a_f) * C + torch.sigmoid(a_i) * torch.tanh(a_C)
    C_normed = F.layer_norm(C, (H,), cell.norm_C.weight, cell.norm_C.bias, eps)
    return torch.sigmoid(a_o) * torch.tanh(C_normed), C


def _randomised(layer, seed=0):
    """Gains and shifts away from 1 and 0, so a missing one would show."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for norm in (layer.cell.norm_x, layer.cell.norm_h, layer.cell.norm_C):
            norm.weight.copy_(0.5 + torch.rand(norm.weight.shape, generator=g))
        layer.cell.norm_C.bias.copy_(torch.randn(layer.cell.norm_C.bias.shape, generator=g))
    return layer


@pytest.mark.parametrize("B,T,I,H", [(1, 1, 1, 2), (3, 9, 4, 5), (2, 20, 6, 16)])
def test_layer_equals_the_papers_equations_step_by_step(B, T, I, H):
    torch.manual_seed(B + T)
    layer = _randomised(LayerNormLSTM(I, H))
    x = torch.randn(B, T, I)
    h, C = torch.randn(B, H), torch.randn(B, H)
    outputs, (h_T, C_T) = layer(x, (h, C))
    for t in range(T):
        h, C = _reference_step(layer.cell, x[:, t], h, C)
        torch.testing.assert_close(outputs[:, t], h, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(h_T, h, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(C_T, C, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(layer.cell(x[:, 0], (h, C))[0],
                               _reference_step(layer.cell, x[:, 0], h, C)[0])


def test_gradients_pass_gradcheck_in_float64():
    torch.manual_seed(1)
    layer = _randomised(LayerNormLSTM(3, 4)).double()
    x = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    C0 = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, h0, C0: layer(x, (h0, C0))[0].sum()
                                    + layer(x, (h0, C0))[1][1].sum(), (x, h0, C0))
    outputs, _ = layer(x, (h0, C0))
    outputs.square().sum().backward()
    for name, parameter in layer.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_scaling_the_recurrent_or_input_weights_changes_nothing():
    torch.manual_seed(2)
    layer = LayerNormLSTM(3, 8).double()
    for norm in (layer.cell.norm_x, layer.cell.norm_h, layer.cell.norm_C):
        norm.eps = 1e-14  # so that only the invariance is tested, not the size of eps
    x = torch.randn(4, 15, 3, dtype=torch.float64)
    before, _ = layer(x)
    with torch.no_grad():
        layer.cell.W_h.mul_(7.0)
        layer.cell.W_x.mul_(0.1)
    after, _ = layer(x)
    torch.testing.assert_close(after, before, atol=1e-9, rtol=0)


def test_lengths_give_each_sequence_as_if_run_alone():
    torch.manual_seed(3)
    layer = _randomised(LayerNormLSTM(2, 6))
    x = torch.randn(3, 8, 2)
    lengths = torch.tensor([8, 3, 5])
    outputs, (h, C) = layer(x, lengths=lengths)
    for i, n in enumerate(lengths.tolist()):
        alone, (h_alone, C_alone) = layer(x[i:i + 1, :n])
        torch.testing.assert_close(outputs[i:i + 1, :n], alone, atol=1e-6, rtol=0)
        torch.testing.assert_close(h[i:i + 1], h_alone, atol=1e-6, rtol=0)
        torch.testing.assert_close(C[i:i + 1], C_alone, atol=1e-6, rtol=0)
        assert (outputs[i, n:] == 0).all()


def test_bad_input_names_the_expected_shape():
    layer = LayerNormLSTM(3, 4)
    with pytest.raises(ValueError, match=r"\(B, T, I\)"):
        layer(torch.randn(2, 5))
    with pytest.raises(ValueError, match=r"tuple \(h_0, C_0\)"):
        layer(torch.randn(2, 5, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="h_0"):
        layer(torch.randn(2, 5, 3), (torch.zeros(2, 5), torch.zeros(2, 4)))
    with pytest.raises(ValueError, match="input_size and hidden_size"):
        LayerNormLSTMCell(0, 4)
