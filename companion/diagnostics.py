"""Measuring what a recurrent network does with its gradients, on torch layers.

Chapters :ref:`bptt`, :ref:`lstm` and :ref:`gru` ask the same question of different layers: how
much of the loss's gradient reaches the state ``d`` steps back? :func:`gradient_by_distance`
runs the experiment on any layer, :func:`gradient_norms_by_distance` answers it from any list of
per-step states, and :func:`companion.bptt.per_step_factor` turns the answer into one number per
step.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn


def gradient_norms_by_distance(loss, states) -> np.ndarray:
    """How much gradient reaches each step: the batch-mean norm of ``dloss/dstate_t``.

    Args:
        loss: a scalar torch tensor computed from ``states``.
        states: one torch tensor per time step, each ``(B, H)`` (e.g. ``h_t`` or ``C_t`` from a
            layer's ``trace``), in time order.

    Returns:
        A float64 array of length ``T`` ordered by distance from the last step: entry ``d`` is
        the mean over the batch of ``||dloss/dstate_{T-d}||``. Feed it to :func:`per_step_factor`.
    """
    grads = torch.autograd.grad(loss, list(states))
    norms = torch.stack([g.norm(dim=1).mean() for g in grads]).flip(0)
    return norms.detach().double().numpy()


class HiddenStep(NamedTuple):
    """One step of a layer whose only state is ``h`` (``(B, H)``), as a trace records it."""

    h: torch.Tensor


def trace(layer: nn.Module, x: torch.Tensor) -> list:
    """Every step of ``layer`` over ``x`` ``(B, T, I)`` as separate tensors, from a zero state.

    The gated layers record their gates too (:meth:`companion.lstm.LSTM.trace`,
    :meth:`companion.gru.GRU.trace`); any other layer with a readable ``cell(x_t, h) -> h`` is
    run step by step into :class:`HiddenStep` s.
    """
    if hasattr(layer, "trace"):
        return layer.trace(x)
    h = x.new_zeros(x.shape[0], layer.hidden_size)
    steps = []
    for x_t in x.unbind(dim=1):
        h = layer.cell(x_t, h)
        steps.append(HiddenStep(h))
    return steps


def gradient_by_distance(layer: nn.Module, x: torch.Tensor, readout: torch.Tensor,
                         memory: str = "h", gate: str | None = None
                         ) -> tuple[np.ndarray, float | None]:
    """How much gradient of a loss on the last hidden state reaches each step's memory.

    The experiment of chapters :ref:`bptt`, :ref:`lstm` and :ref:`gru`: trace ``layer`` over
    ``x``, take the loss ``sum(h_T * readout)``, and measure ``||dloss/d memory_t||`` at every
    step.

    Args:
        layer: an untrained layer, e.g. :class:`~companion.lstm.LSTM`.
        x: inputs ``(B, T, I)``.
        readout: ``(B, H)``, the weights of the loss on ``h_T``.
        memory: which state of each step: ``"h"``, or ``"C"`` for an LSTM's cell state.
        gate: also return the mean of this gate over the batch and all steps (``"f"``, ``"z"``).

    Returns:
        ``(norms, mean_gate)``: :func:`gradient_norms_by_distance`'s array (entry ``d`` at
        distance ``d`` from the loss) and the gate's mean, or ``None`` without ``gate``.
    """
    steps = trace(layer, x)
    loss = (steps[-1].h * readout).sum()
    norms = gradient_norms_by_distance(loss, [getattr(step, memory) for step in steps])
    mean_gate = None
    if gate is not None:
        mean_gate = torch.stack([getattr(step, gate).detach().mean() for step in steps]).mean().item()
    return norms, mean_gate
