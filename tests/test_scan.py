"""companion.scan: the parallel scans equal the loop (values and gradients, float64 and float32,
T = 1 to long T), minGRU and minLSTM agree in both modes and train, and indexing inside a loop is
quadratic where unbind is linear (chapter 9)."""
import pytest
import torch

from companion.scan import (MinGRU, MinLSTM, scan_log_space, scan_log_space_chunked, scan_parallel,
                            scan_sequential)


def _inputs(T, dtype, seed=0, B=3, H=4):
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(B, T, H, generator=g) * 0.9 + 0.05).to(dtype)
    b = torch.randn(B, T, H, generator=g).to(dtype)
    h0 = torch.randn(B, H, generator=g).to(dtype)
    return a, b, h0


@pytest.mark.parametrize("T", [1, 2, 17, 300])
def test_parallel_equals_sequential_in_float64_values_and_gradients(T):
    a, b, h0 = (t.requires_grad_() for t in _inputs(T, torch.float64))
    weights = torch.randn(a.shape, dtype=torch.float64)
    loop = scan_sequential(a, b, h0)
    parallel = scan_parallel(a, b, h0)
    torch.testing.assert_close(parallel, loop, atol=1e-11, rtol=1e-9)
    g_loop = torch.autograd.grad((loop * weights).sum(), (a, b, h0))
    g_par = torch.autograd.grad((parallel * weights).sum(), (a, b, h0))
    for x, y in zip(g_par, g_loop):
        torch.testing.assert_close(x, y, atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("T", [1, 63, 64, 65, 2000])
def test_chunked_log_space_scan_is_precise_in_float32(T):
    a, b, _ = _inputs(T, torch.float64, seed=1)
    log_a, log_b = torch.log(a), torch.log(b.abs() + 0.1)
    reference = scan_sequential(a, torch.exp(log_b))
    torch.testing.assert_close(scan_log_space(log_a, log_b), reference, atol=1e-11, rtol=1e-9)
    chunked = scan_log_space_chunked(log_a.float(), log_b.float(), chunk=64)
    assert (chunked.double() - reference).abs().max() <= 1e-4
    log_a, log_b = log_a.requires_grad_(), log_b.requires_grad_()
    g_chunked = torch.autograd.grad(scan_log_space_chunked(log_a, log_b, chunk=16).sum(), (log_a, log_b))
    g_loop = torch.autograd.grad(scan_sequential(log_a.exp(), log_b.exp()).sum(), (log_a, log_b))
    for x, y in zip(g_chunked, g_loop):
        torch.testing.assert_close(x, y, atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
@pytest.mark.parametrize("with_state", [False, True])
def test_min_rnns_agree_in_both_modes(cls, with_state):
    torch.manual_seed(2)
    layer = cls(3, 5).double()
    x = torch.randn(2, 200, 3, dtype=torch.float64)
    state = torch.randn(2, 5, dtype=torch.float64) if with_state else None
    parallel, h_T = layer(x, state)
    sequential, _ = layer(x, state, mode="sequential")
    assert parallel.shape == (2, 200, 5) and torch.equal(h_T, parallel[:, -1])
    torch.testing.assert_close(parallel, sequential, atol=1e-10, rtol=1e-8)
    g_par = torch.autograd.grad(parallel.pow(2).sum(), list(layer.parameters()))
    g_seq = torch.autograd.grad(sequential.pow(2).sum(), list(layer.parameters()))
    for x_, y_ in zip(g_par, g_seq):
        torch.testing.assert_close(x_, y_, atol=1e-8, rtol=1e-6)


def test_min_gru_float32_long_sequence_within_tolerance():
    torch.manual_seed(3)
    layer = MinGRU(8, 16)
    x = torch.randn(2, 4096, 8)
    with torch.no_grad():
        assert (layer(x)[0] - layer(x, mode="sequential")[0]).abs().max() <= 1e-4


@pytest.mark.slow
def test_min_gru_trains_on_a_small_task():
    """Output a moving average of the input's first channel, a linear recurrence it can represent."""
    from companion.rnn_types import ManyToMany
    from companion.train import fit, seed_everything
    seed_everything(0)
    model = ManyToMany(2, 16, 1, layer=MinGRU)
    g = torch.Generator().manual_seed(0)

    def batch(step):
        x = torch.randn(32, 30, 2, generator=g)
        y, targets = torch.zeros(32, 1), []
        for t in range(30):
            y = 0.8 * y + 0.2 * x[:, t, :1]
            targets.append(y)
        return x, torch.stack(targets, dim=1)

    loss = lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1])  # noqa: E731
    history = fit(model, loss, batch, steps=300, lr=1e-2, progress=False)
    assert sum(history.loss[-20:]) / 20 < 0.1 * sum(history.loss[:20]) / 20


def test_bad_input_raises_clear_value_error():
    a, b, h0 = _inputs(5, torch.float64)
    with pytest.raises(ValueError, match=r"shape \(B, T, H\)"):
        scan_sequential(a, b[:, :3])
    with pytest.raises(ValueError, match=r"h0 must have shape \(B, H\) = \(3, 4\)"):
        scan_parallel(a, b, h0[:2])
    with pytest.raises(ValueError, match="a_t > 0"):
        scan_parallel(-a, b)
    layer = MinGRU(3, 4)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, I\)"):
        layer(torch.randn(2, 5))
    with pytest.raises(ValueError, match="mode"):
        layer(torch.randn(2, 5, 3), mode="fast")
