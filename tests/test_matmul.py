"""companion.matmul against torch.mm, and the fast layers on its oneDNN path against PyTorch's own
layers with copied weights (the per-layer tests use small H, which stays on torch.mm)."""
import pytest
import torch
from torch import nn

from companion import matmul as mm
from companion.gru import GRU
from companion.lstm import LSTM

needs_onednn = pytest.mark.skipif(not mm.onednn_available(), reason="this PyTorch has no oneDNN")


def test_small_float64_and_disabled_products_stay_on_torch_mm():
    big = torch.randn(256, 256)
    assert mm.takes_onednn(big) == mm.onednn_available()
    assert not mm.takes_onednn(torch.randn(32, 128))          # below MIN_ONEDNN_WEIGHT
    assert not mm.takes_onednn(big.double())
    with mm.use_onednn(False):
        assert not mm.takes_onednn(big)
    assert mm.takes_onednn(big) == mm.onednn_available()     # restored after the block


@pytest.mark.parametrize("K,N", [(32, 128), (256, 1024)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_repeated_product_is_x_times_weight(K, N, dtype):
    torch.manual_seed(0)
    weight, x, other = torch.randn(K, N, dtype=dtype), torch.randn(64, K, dtype=dtype), torch.randn(64, N, dtype=dtype)
    product = mm.RepeatedProduct(weight, rows=64)
    tolerance = dict(atol=1e-4, rtol=1e-5) if dtype == torch.float32 else dict(atol=1e-12, rtol=0)
    torch.testing.assert_close(product(x), x @ weight, **tolerance)
    torch.testing.assert_close(product.add(other, x), other + x @ weight, **tolerance)
    # a transposed view as the weight, as the backward passes use it
    torch.testing.assert_close(mm.RepeatedProduct(weight.t(), rows=64)(x[:, :1].expand(64, N).contiguous()),
                               x[:, :1].expand(64, N) @ weight.t(), **tolerance)


def test_repeated_product_refuses_a_weight_that_is_not_a_matrix():
    with pytest.raises(ValueError, match=r"shape \(K, N\)"):
        mm.RepeatedProduct(torch.randn(4), rows=2)


@pytest.mark.parametrize("transpose_a", [False, True])
def test_matmul_with_transposed_views_and_bias(transpose_a):
    torch.manual_seed(1)
    a = torch.randn(300, 200).t() if transpose_a else torch.randn(200, 300)
    b = torch.randn(1000, 300).t()  # (300, 1000), a transposed view, as in the weight gradients
    bias = torch.randn(1000)
    torch.testing.assert_close(mm.matmul(a, b), a @ b, atol=1e-3, rtol=1e-5)
    torch.testing.assert_close(mm.matmul(a, b, bias=bias), a @ b + bias, atol=1e-3, rtol=1e-5)


def _check_layer(torch_cls, companion_cls, H, B, use_state_grad):
    torch.manual_seed(H + B)
    reference = torch_cls(24, H, batch_first=True)
    ours = companion_cls.from_torch(reference)
    x = torch.randn(B, 12, 24)
    x_ref, x_ours = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_ref, state_ref = reference(x_ref)
    out_ours, state_ours = ours(x_ours)
    torch.testing.assert_close(out_ours, out_ref, atol=1e-5, rtol=0)
    weights = torch.randn(out_ref.shape)
    loss_ref = (out_ref * weights).sum()
    loss_ours = (out_ours * weights).sum()
    if use_state_grad:  # gradients entering through the final state as well
        h_ref = state_ref[0] if isinstance(state_ref, tuple) else state_ref
        h_ours = state_ours[0] if isinstance(state_ours, tuple) else state_ours
        loss_ref = loss_ref + h_ref.sum() * 3
        loss_ours = loss_ours + h_ours.sum() * 3
    loss_ref.backward()
    loss_ours.backward()
    torch.testing.assert_close(x_ours.grad, x_ref.grad, atol=1e-4, rtol=1e-4)
    ours_total = sum(p.grad.abs().sum() for p in ours.parameters() if p.grad is not None)
    ref_total = sum(p.grad.abs().sum() for p in reference.parameters())
    assert ours_total > 0 and ref_total > 0


@needs_onednn
@pytest.mark.parametrize("torch_cls,companion_cls", [(nn.LSTM, LSTM), (nn.GRU, GRU)])
@pytest.mark.parametrize("B", [1, 5])
@pytest.mark.parametrize("enabled", [True, False])
def test_layers_on_the_onednn_path_match_torch(torch_cls, companion_cls, B, enabled):
    """H = 128 puts the recurrent weight over MIN_ONEDNN_WEIGHT, so products go to oneDNN."""
    assert mm.takes_onednn(torch.empty(128, 3 * 128))
    with mm.use_onednn(enabled):
        _check_layer(torch_cls, companion_cls, H=128, B=B, use_state_grad=B == 5)


@needs_onednn
def test_the_onednn_path_gives_the_weight_gradients_of_the_torch_mm_path():
    torch.manual_seed(3)
    layer = LSTM(16, 128)
    x = torch.randn(4, 9, 16)
    grads = []
    for enabled in (True, False):
        layer.zero_grad()
        with mm.use_onednn(enabled):
            outputs, (h, c) = layer(x)
            (outputs.square().sum() + c.sum()).backward()
        grads.append([p.grad.clone() for p in layer.parameters()])
    for with_onednn, with_mm in zip(*grads):
        torch.testing.assert_close(with_onednn, with_mm, atol=1e-4, rtol=1e-4)
