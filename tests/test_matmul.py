"""companion.matmul against torch.mm, and the fast layers on its oneDNN path against the same
layers on torch.mm (tests/test_lstm.py and tests/test_gru.py compare both paths with torch.nn)."""
import io

import pytest
import torch

from companion import matmul as mm
from companion.gru import GRU
from companion.lstm import LSTM

needs_onednn = pytest.mark.skipif(not mm.onednn_available(), reason="this PyTorch has no oneDNN")


def test_small_float64_and_disabled_products_stay_on_torch_mm():
    big = torch.randn(256, 256)
    by_vendor = mm.onednn_available() and mm.cpu_vendor() in mm.ONEDNN_VENDORS
    assert mm.takes_onednn(big) == by_vendor
    with mm.use_onednn(True):
        assert mm.takes_onednn(big) == mm.onednn_available()
        assert not mm.takes_onednn(torch.randn(32, 128))      # below MIN_ONEDNN_WEIGHT
        assert not mm.takes_onednn(big.double())
        with mm.use_onednn(False):
            assert not mm.takes_onednn(big)
        with mm.use_onednn(None):
            assert mm.takes_onednn(big) == by_vendor
        assert mm.takes_onednn(big) == mm.onednn_available()  # restored after the inner blocks
    assert mm.takes_onednn(big) == by_vendor                  # and after the outer one


def test_cpu_vendor_reads_the_kernels_name_for_the_maker():
    vendor = mm.cpu_vendor()
    assert vendor and vendor == vendor.strip()
    try:
        expected = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                        if line.startswith("vendor_id"))
    except (OSError, StopIteration):
        expected = "unknown"
    assert vendor == expected


@pytest.mark.parametrize("cpuinfo,expected", [
    ("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: avx2\n", "AuthenticAMD"),
    ("processor\t: 0\nvendor_id\t: GenuineIntel\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n", "GenuineIntel"),
    ("processor\t: 0\nCPU implementer\t: 0x41\n", "unknown"),  # an ARM kernel names no vendor_id
    (None, "unknown"),                                             # no /proc/cpuinfo at all
])
def test_cpu_vendor_on_known_cpuinfo_texts(monkeypatch, cpuinfo, expected):
    def fake_open(path, *args, **kwargs):
        assert path == "/proc/cpuinfo"
        if cpuinfo is None:
            raise FileNotFoundError(path)
        return io.StringIO(cpuinfo)
    monkeypatch.setattr(mm, "open", fake_open, raising=False)  # found before the builtin
    assert mm.cpu_vendor() == expected


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


@needs_onednn
@pytest.mark.parametrize("companion_cls", [LSTM, GRU])
@pytest.mark.parametrize("B", [1, 5])
def test_the_onednn_path_gives_the_outputs_and_gradients_of_the_torch_mm_path(companion_cls, B):
    """H = 128 puts the recurrent weight over MIN_ONEDNN_WEIGHT; tests/test_lstm.py and
    tests/test_gru.py check that shape against torch.nn both ways, this checks the two agree."""
    torch.manual_seed(3)
    layer = companion_cls(16, 128)
    with mm.use_onednn(True):
        assert mm.takes_onednn(torch.empty(128, 3 * 128))
    x = torch.randn(B, 9, 16)
    runs = []
    for enabled in (True, False):
        layer.zero_grad()
        x_run = x.clone().requires_grad_()
        with mm.use_onednn(enabled):
            outputs, state = layer(x_run)
            h = state[0] if isinstance(state, tuple) else state
            (outputs.square().sum() + 3 * h.sum()).backward()
        runs.append([outputs.detach(), x_run.grad] + [p.grad.clone() for p in layer.parameters()])
    for with_onednn, with_mm in zip(*runs):
        torch.testing.assert_close(with_onednn, with_mm, atol=1e-4, rtol=1e-4)
