"""The one small training loop every chapter uses.

:func:`fit` runs a fixed number of optimiser steps, optionally clips the gradient norm, and
returns a :class:`History` of the loss and the gradient norm at every step, which
:func:`companion.plots.plot_history` draws. It is seeded, so two runs give the same numbers.

The progress bar (tqdm) is on when you run a chapter yourself and off when the environment
variable ``CI`` is set or ``COMPANION_PROGRESS=0`` (``make book`` and ``make test`` set it), so
the built book shows no progress-bar debris. ``fit(..., progress=True)`` forces it on.

:func:`forward_truncated` runs a layer with truncated backpropagation through time.
Chapter :ref:`bptt` introduces all three.
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from companion.padding import State, detach_state
from companion.progress import show_progress_default

Batch = Sequence[torch.Tensor]


@dataclass
class History:
    """What :func:`fit` measured, one entry per optimiser step.

    Attributes:
        loss: the training loss of each step's batch.
        grad_norm: the global gradient norm of each step, *before* clipping.
        diverged: True if the loss became NaN or infinite (training stops there).
        stopped_early: True if the ``stop`` condition given to :func:`fit` ended training.
        seconds: wall-clock time of the whole run.
    """

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    diverged: bool = False
    stopped_early: bool = False
    seconds: float = 0.0


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's random generators, so a chapter runs the same twice."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def batches_from(tensors: Batch, batch_size: int, seed: int) -> Callable[[int], Batch]:
    """Turn a fixed training set into a function ``step -> batch`` for :func:`fit`.

    Each pass over the data (epoch) uses a new seeded shuffle; the last incomplete batch of a
    pass is dropped so every batch has ``batch_size`` rows.

    Args:
        tensors: tensors sharing their first dimension ``N`` (e.g. ``(x, y)``).
        batch_size: rows per batch, at most ``N``.
        seed: seed of the shuffles.

    Returns:
        A function giving the batch for optimiser step ``step`` (0, 1, 2, ...).
    """
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError(f"all tensors must have the same first dimension, got {[len(t) for t in tensors]}")
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must lie in 1..N = 1..{n}, got {batch_size}")
    per_epoch = n // batch_size
    orders: dict[int, torch.Tensor] = {}

    def batch(step: int) -> Batch:
        epoch, position = divmod(step, per_epoch)
        if epoch not in orders:
            orders.clear()
            orders[epoch] = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
        rows = orders[epoch][position * batch_size:(position + 1) * batch_size]
        return tuple(t[rows] for t in tensors)

    return batch


def fit(model: nn.Module, loss_fn: Callable[[nn.Module, Batch], torch.Tensor],
        batches: Callable[[int], Batch], steps: int, lr: float = 1e-3,
        clip_norm: float | None = None, optimizer: str = "adam", seed: int = 0,
        progress: bool | None = None,
        stop: Callable[[int, nn.Module], bool] | None = None) -> History:
    """Train ``model`` for ``steps`` optimiser steps and record what happened.

    Args:
        model: the module to train (its parameters are updated in place).
        loss_fn: ``loss_fn(model, batch)`` returns the scalar loss of a batch.
        batches: ``batches(step)`` returns the batch for a step, e.g. from :func:`batches_from`
            or a generator such as ``lambda step: adding_problem(64, 100, seed=step)``.
        steps: number of optimiser steps.
        lr: learning rate.
        clip_norm: if given, rescale the gradient so its global norm is at most this
            (``torch.nn.utils.clip_grad_norm_``) before each step.
        optimizer: ``"adam"`` or ``"sgd"`` (plain gradient descent).
        seed: seeds torch before training, for anything random inside the loop.
        progress: show a tqdm bar; ``None`` means :func:`show_progress_default`.
        stop: if given, called as ``stop(steps_done, model)`` after every step (with the model
            in eval mode); returning True ends training early and sets ``history.stopped_early``.

    Returns:
        A :class:`History`, with one entry per step taken. If the loss becomes NaN or infinite,
        training stops and ``history.diverged`` is True.
    """
    optimisers = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    if optimizer not in optimisers:
        raise ValueError(f"optimizer must be one of {sorted(optimisers)}, got {optimizer!r}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    torch.manual_seed(seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    opt = optimisers[optimizer](parameters, lr=lr)
    history = History()
    show = show_progress_default() if progress is None else progress
    start = time.perf_counter()
    model.train()
    with tqdm(range(steps), disable=not show, mininterval=0.5, leave=False) as bar:
        for step in bar:
            loss = loss_fn(model, batches(step))
            if not math.isfinite(loss.item()):
                history.loss.append(loss.item())
                history.diverged = True
                break
            opt.zero_grad()
            loss.backward()
            # max_norm=inf measures the norm without changing the gradient
            norm = nn.utils.clip_grad_norm_(parameters, clip_norm if clip_norm else math.inf)
            opt.step()
            history.loss.append(loss.item())
            history.grad_norm.append(norm.item())
            if show and step % 20 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}")
            if stop is not None:
                model.eval()
                with torch.no_grad():
                    history.stopped_early = bool(stop(step + 1, model))
                model.train()
                if history.stopped_early:
                    break
    model.eval()
    history.seconds = time.perf_counter() - start
    return history


def forward_truncated(layer: nn.Module, x: torch.Tensor, k: int,
                      state: State | None = None) -> tuple[torch.Tensor, State]:
    """Run a recurrent layer with truncated BPTT: gradients flow back at most ``k`` steps.

    The sequence is cut into chunks of ``k`` steps; the state passed from one chunk to the next
    is detached, so the forward values are exactly those of the full run, but no gradient
    crosses a chunk boundary. A dependency longer than ``k`` steps gets no gradient at all.
    It builds one graph and is followed by one backward, so it keeps every step's activations and
    saves no memory; :func:`companion.tbptt.train_stateful` is the form that does.

    Args:
        layer: a batch-first layer ``layer(x, state) -> (outputs, state)``: any companion layer
            (an LSTM's state ``(h, C)`` and a :class:`~companion.stack.Stacked` layer's tuple of
            states are detached part by part), or an ``nn.RNN``/``nn.LSTM``/``nn.GRU`` with
            ``batch_first=True``.
        x: inputs, shape ``(B, T, I)``.
        k: truncation length, ``k >= 1``.
        state: initial state in the layer's own structure, or ``None`` for zeros.

    Returns:
        ``(outputs, state)`` as the layer returns them, outputs ``(B, T, H)``.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    outputs = []
    for chunk in x.split(k, dim=1):
        out, state = layer(chunk, detach_state(state))
        outputs.append(out)
    return torch.cat(outputs, dim=1), state


def train_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float,
                     batch_size: int = 32, clip_norm: float | None = 1.0,
                     seed: int = 0) -> History:
    """Train a classifier ``model(x) -> logits (B, C)`` with cross-entropy on a fixed training set.

    Batches come from :func:`batches_from` (a new seeded shuffle every epoch), so a small
    training set is seen many times over in the same number of steps: that is what lets a
    model overfit it. Chapter :ref:`gru`.

    Args:
        model: e.g. ``ManyToOne(I, H, C, layer=GRU)`` for sequences ``(N, T, I)``.
        x: training inputs, first dimension ``N``.
        y: class labels ``(N,)``, int64.
        steps: optimiser steps (Adam).
        lr: learning rate.
        batch_size: rows per step (at most ``N``).
        clip_norm: gradient-norm clipping threshold, or ``None``.
        seed: seeds the shuffles and torch.

    Returns:
        The :class:`History` of :func:`fit`.
    """
    def batch_loss(model: nn.Module, batch: Batch) -> torch.Tensor:
        inputs, labels = batch
        return nn.functional.cross_entropy(model(inputs), labels)

    return fit(model, batch_loss, batches_from((x, y), min(batch_size, len(y)), seed), steps,
               lr=lr, clip_norm=clip_norm, seed=seed)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction of rows whose largest logit is the label, ``model(x)`` of shape ``(N, C)``."""
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()
