"""Chapter 10's auto-graded exercises: references and random inputs (registered in
:mod:`companion.exercises`)."""
from __future__ import annotations

import numpy as np
import torch

from companion.exercises.types import Inputs
from companion.rnn import RNN
from companion.tbptt import train_stateful

TBPTT_K = 4  # the exercise's chunk length


def variational_mask_reference(uniform, p):
    """The mask of :func:`companion.dropout.variational_mask` from its uniform draws."""
    return ((uniform >= p) / (1.0 - p))[:, None, :]


def variational_mask_inputs(B: int, F: int, p: float):
    """Random cases: ``uniform`` ``(B, F)`` draws and the probability ``p`` (a 0-d array)."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"uniform": rng.uniform(size=(B, F)), "p": np.array(p)}
    return make


def truncated_gradient_reference(x, h0, W_xh, W_hh, b, readout):
    """Stateful truncated BPTT by :func:`companion.tbptt.train_stateful`: the chunk gradients of
    ``W_hh`` summed (plain SGD with learning rate -1 from zero leaves exactly that sum)."""
    B, T, I = x.shape
    layer = RNN(I, W_hh.shape[0]).double()
    with torch.no_grad():
        layer.cell.W_xh.copy_(W_xh)
        layer.cell.b.copy_(b)
        layer.cell.W_hh.copy_(W_hh)
    layer.cell.W_xh.requires_grad_(False)
    layer.cell.b.requires_grad_(False)
    total = torch.zeros_like(W_hh)

    class Accumulate(torch.optim.Optimizer):  # adds each chunk's gradient, leaves the weights
        def __init__(self, params):
            super().__init__(params, {})

        def step(self, closure=None):
            total.add_(layer.cell.W_hh.grad)

    chunks = [(x[:, s:s + TBPTT_K], readout[:, s:s + TBPTT_K]) for s in range(0, T, TBPTT_K)]
    _, h_T = train_stateful(layer, chunks, Accumulate([layer.cell.W_hh]),
                            lambda outputs, weights: (outputs * weights).sum(), state=h0,
                            clip_norm=None)
    return total, h_T


def truncated_gradient_inputs(B: int, T: int, I: int, H: int):
    """Random cases: a sequence ``(B, T, I)``, a start state, an RNN's weights and a readout."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"x": rng.normal(size=(B, T, I)), "h0": rng.uniform(-1, 1, size=(B, H)),
                "W_xh": rng.normal(size=(I, H)) / np.sqrt(I),
                "W_hh": rng.normal(size=(H, H)) * 0.9 / np.sqrt(H),
                "b": rng.normal(size=H) * 0.1, "readout": rng.normal(size=(B, T, H))}
    return make
