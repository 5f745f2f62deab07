"""companion.exercises.deep_rnns: the references against independent computations."""
import numpy as np
import torch

from companion.dropout import variational_mask
from companion.exercises.deep_rnns import (TBPTT_K, truncated_gradient_inputs,
                                           truncated_gradient_reference,
                                           variational_mask_reference)


def test_mask_reference_is_the_companions_mask_from_the_same_draws():
    draws = torch.rand(6, 1, 9, generator=torch.Generator().manual_seed(0))
    expected = variational_mask(6, 9, 0.4, generator=torch.Generator().manual_seed(0))
    got = variational_mask_reference(draws[:, 0].numpy(), np.array(0.4))
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-6)


def _arguments(T, seed=0):
    inputs = truncated_gradient_inputs(2, T, 3, 4)(np.random.default_rng(seed))
    return {k: torch.tensor(v, dtype=torch.float64) for k, v in inputs.items()}


def _full_bptt(x, h0, W_xh, W_hh, b, readout, detach_every=None):
    W = W_hh.clone().requires_grad_(True)
    h, loss = h0, 0.0
    for t in range(x.shape[1]):
        if detach_every and t % detach_every == 0:
            h = h.detach()
        h = torch.tanh(x[:, t] @ W_xh + h @ W + b)
        loss = loss + (h * readout[:, t]).sum()
    (grad,) = torch.autograd.grad(loss, W)
    return grad, h


def test_one_chunk_is_full_bptt_and_longer_sequences_are_not():
    short = _arguments(TBPTT_K)
    grad, h_T = truncated_gradient_reference(**short)
    full, h_full = _full_bptt(**short)
    torch.testing.assert_close(grad, full, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(h_T, h_full.detach(), rtol=1e-10, atol=1e-12)

    long = _arguments(3 * TBPTT_K + 1, seed=1)
    grad, h_T = truncated_gradient_reference(**long)
    full, h_full = _full_bptt(**long)
    truncated, _ = _full_bptt(**long, detach_every=TBPTT_K)
    assert (grad - full).abs().max() > 1e-3           # the cut gradient is not full BPTT's
    torch.testing.assert_close(grad, truncated, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(h_T, h_full.detach(), rtol=1e-10, atol=1e-12)  # same forward
