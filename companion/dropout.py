"""Dropout for sequences: a fresh mask at every step, or one mask for the whole sequence.

Ordinary dropout (``torch.nn.Dropout``) zeroes each number of a ``(B, T, F)`` tensor on its own,
so feature ``f`` of sequence ``b`` is dropped at some steps and kept at others. *Variational*
dropout (Gal & Ghahramani 2016) draws one mask per sequence and feature, shape ``(B, 1, F)``, and
uses it at every step: a dropped feature stays dropped for the whole sequence. Both scale what
they keep by ``1 / (1 - p)``, so the expected value is unchanged and evaluation needs no
rescaling; both do nothing in ``eval()`` mode. Chapter :ref:`deep-rnns`.

:class:`InputDropout` puts either kind in front of any sequence layer, so dropout *between*
layers of a :class:`~companion.stack.Stacked` is ``Stacked([layer_1, InputDropout(layer_2, p)])``.
"""
from __future__ import annotations

import torch
from torch import nn

from companion.layer import SequenceLayer


def _check_p(p: float) -> float:
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    return float(p)


def variational_mask(batch_size: int, features: int, p: float,
                     generator: torch.Generator | None = None,
                     dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """One dropout mask per sequence, to be broadcast over time.

    Args:
        batch_size: ``B``.
        features: ``F``.
        p: probability of dropping a feature, in ``[0, 1)``.
        generator: random numbers (``None``: the global generator).
        dtype: of the mask.

    Returns:
        a ``(B, 1, F)`` tensor whose entries are ``0`` (probability ``p``) or ``1 / (1 - p)``.
    """
    p = _check_p(p)
    keep = torch.rand(batch_size, 1, features, generator=generator) >= p
    return keep.to(dtype) / (1.0 - p)


class VariationalDropout(nn.Module):
    """Dropout with one mask per sequence for all of its steps (Gal & Ghahramani 2016).

    Args:
        p: probability of dropping a feature, in ``[0, 1)``.

    ``forward(x)`` takes ``(B, T, F)`` and returns the same shape: ``x * mask`` with a new
    ``(B, 1, F)`` mask on every call in training mode, ``x`` itself in evaluation mode.
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = _check_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3:
            raise ValueError(f"x must have shape (B, T, F), got {tuple(x.shape)}")
        if not self.training or self.p == 0.0:
            return x
        B, _, F = x.shape
        return x * variational_mask(B, F, self.p, dtype=x.dtype).to(x.device)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def sequence_dropout(p: float, variational: bool) -> nn.Module:
    """``VariationalDropout(p)`` if ``variational``, else ``torch.nn.Dropout(p)`` (a fresh mask
    at every step)."""
    return VariationalDropout(p) if variational else nn.Dropout(_check_p(p))


class InputDropout(SequenceLayer):
    """A sequence layer whose input goes through dropout first.

    Args:
        layer: any companion sequence layer.
        dropout: a module applied to ``x`` ``(B, T, I)`` before ``layer``, e.g.
            :class:`VariationalDropout` or ``torch.nn.Dropout``.

    Sizes, state and ``hidden`` are ``layer``'s own.
    """

    def __init__(self, layer: SequenceLayer, dropout: nn.Module):
        super().__init__(layer.input_size, layer.output_size)
        self.layer = layer
        self.dropout = dropout

    def forward(self, x: torch.Tensor, state=None, lengths=None):
        """``layer(dropout(x), state, lengths)``: outputs ``(B, T, O)`` and the layer's state."""
        return self.layer(self.dropout(x), state, lengths)

    def hidden(self, state):
        return self.layer.hidden(state)
