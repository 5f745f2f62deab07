"""Where training starts: orthogonal and identity recurrent weights.

Chapter :ref:`bptt` showed why a plain RNN forgets: the gradient reaching back ``d`` steps is
multiplied by ``d`` Jacobians ``diag(f'(a_t)) W_hh^T``, and unless their product keeps its
size it vanishes or explodes. Two starting points aim at a product that keeps its size:

- **orthogonal** ``W_hh`` (Saxe et al. 2014): every singular value is 1, so ``W_hh`` alone
  neither shrinks nor grows any direction (the nonlinearity still can);
- **identity** ``W_hh`` with a ReLU (Le et al. 2015, the "IRNN"): with zero bias and small
  inputs, ``h_t = relu(h_{t-1} + x_t W_xh)`` starts out copying its state forward, so a
  gradient passes back through every step unchanged while the units are active.

The functions change a companion layer's parameters in place and return it. They know the
three layouts: ``RNN`` (``W_hh`` ``(H, H)``), ``GRU`` (``W_hr``, ``W_hz``, ``W_hn``, each
``(H, H)``) and ``LSTM`` (each gate's ``W`` is ``(H + I, H)`` with the ``h`` rows first).
Chapter :ref:`deep-rnns`.
"""
from __future__ import annotations

import torch
from torch import nn

from companion.gru import GRU
from companion.lstm import LSTM
from companion.rnn import RNN


def recurrent_blocks(layer: nn.Module) -> list[torch.Tensor]:
    """The ``(H, H)`` blocks of ``layer``'s parameters that multiply ``h_{t-1}`` (views).

    Args:
        layer: a companion ``RNN``, ``GRU`` or ``LSTM`` (one layer, one direction).

    Returns:
        a list of ``(H, H)`` tensors sharing memory with the parameters.
    """
    cell = getattr(layer, "cell", None)
    H = getattr(layer, "hidden_size", None)
    if isinstance(layer, RNN):
        return [cell.W_hh]
    if isinstance(layer, GRU):
        return [cell.W_hr, cell.W_hz, cell.W_hn]
    if isinstance(layer, LSTM):
        return [getattr(cell, f"W_{gate}")[:H] for gate in ("f", "i", "C", "o")]
    raise ValueError(f"expected a companion RNN, GRU or LSTM layer, got {type(layer).__name__}")


@torch.no_grad()
def orthogonal_recurrent_(layer: nn.Module, gain: float = 1.0,
                          generator: torch.Generator | None = None) -> nn.Module:
    """Make every recurrent block of ``layer`` a random orthogonal matrix times ``gain``.

    Each block is the ``Q`` of a QR decomposition of a Gaussian matrix, its signs fixed by
    ``R``'s diagonal so that ``Q`` is uniformly distributed (as ``torch.nn.init.orthogonal_``).
    Input weights and biases are left as they are.
    """
    for block in recurrent_blocks(layer):
        H = block.shape[0]
        q, r = torch.linalg.qr(torch.randn(H, H, generator=generator, dtype=torch.float64))
        q = q * torch.sign(torch.diagonal(r))
        block.copy_(gain * q)
    return layer


@torch.no_grad()
def identity_relu_(layer: RNN, scale: float = 1.0, input_std: float = 0.001,
                   generator: torch.Generator | None = None) -> RNN:
    """Le et al.'s IRNN start: ``W_hh = scale * I``, ``b = 0``, ``W_xh ~ N(0, input_std^2)``.

    Args:
        layer: a companion ``RNN`` built with ``nonlinearity="relu"``.
        scale: the diagonal of ``W_hh`` (1 in the paper; below 1 forgets a little each step).
        input_std: standard deviation of the input weights (the paper uses 0.001).
        generator: random numbers for ``W_xh``.

    Raises:
        ValueError: if ``layer`` is not a ReLU ``RNN`` (with tanh the identity start saturates).
    """
    if not isinstance(layer, RNN) or layer.cell.nonlinearity != "relu":
        raise ValueError("identity_relu_ expects a companion RNN with nonlinearity='relu'")
    cell = layer.cell
    cell.W_hh.copy_(scale * torch.eye(layer.hidden_size))
    cell.b.zero_()
    cell.W_xh.copy_(input_std * torch.randn(cell.W_xh.shape, generator=generator))
    return layer
