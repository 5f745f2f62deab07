"""Synthetic tasks that test memory over a known distance, generated offline and seeded:

- :func:`adding_problem` (Hochreiter & Schmidhuber 1997): add the two marked numbers of a long
  sequence. Baseline :data:`ADDING_BASELINE_MSE`.
- :func:`copy_task`: read a few symbols, wait, then write them back.
- :func:`echo_task`: output the input from a fixed number of steps ago.

Every generator takes a ``seed`` and returns float32 / int64 torch tensors, batch-first.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from companion.train import Batch, History, fit

#: Test MSE of always predicting 1, the mean target of :func:`adding_problem`. The target is
#: the sum of two independent U(0, 1) numbers, so this MSE is its variance, 2 * 1/12 = 1/6.
ADDING_BASELINE_MSE = 1.0 / 6.0


def _positive(**sizes: int) -> None:
    for name, value in sizes.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")


def adding_problem(n: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem: a sequence of random numbers, two of them marked; output their sum.

    Each sequence has two channels: a value drawn from U(0, 1) and a marker that is 1 at exactly
    two steps, one in the first half and one in the second half, and 0 elsewhere. The target is
    the sum of the two marked values. The first marker can be up to ``length - 1`` steps before
    the end, so a model must carry a number across that many steps.

    Always predicting 1 scores :data:`ADDING_BASELINE_MSE` = 1/6 ≈ 0.167; a model that has not
    learned to read the markers cannot do better on average.

    Args:
        n: number of sequences ``B``.
        length: sequence length ``T`` (at least 2).
        seed: seed of the generator; the same seed gives the same data.

    Returns:
        ``(x, y)``: inputs of shape ``(B, T, 2)`` and targets of shape ``(B, 1)``, float32.
    """
    _positive(n=n, length=length - 1)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values[rows, first] + values[rows, second])[:, None]
    return torch.from_numpy(x).float(), torch.from_numpy(y).float()


def copy_task(n: int, n_symbols: int, delay: int, seed: int,
              alphabet: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """The copy task: read ``n_symbols`` symbols, wait ``delay`` blank steps, then repeat them.

    Tokens are ``0`` blank, ``1`` the "go" signal, ``2..alphabet+1`` the symbols. The input is
    the symbols, ``delay`` blanks, "go", then ``n_symbols - 1`` blanks; the target is blank
    everywhere except the last ``n_symbols`` steps, which hold the symbols again. A model with
    no memory can at best output blanks and guess the symbols, a cross-entropy of
    ``n_symbols * log(alphabet) / T`` per step.

    Args:
        n: number of sequences ``B``.
        n_symbols: how many symbols to remember.
        delay: blank steps between reading and writing.
        seed: seed of the generator.
        alphabet: number of distinct symbols.

    Returns:
        ``(x, y)``: one-hot inputs ``(B, T, alphabet + 2)`` float32 and target tokens ``(B, T)``
        int64, with ``T = 2 * n_symbols + delay``.
    """
    _positive(n=n, n_symbols=n_symbols, delay=delay, alphabet=alphabet)
    rng = np.random.default_rng(seed)
    length = 2 * n_symbols + delay
    symbols = rng.integers(2, alphabet + 2, size=(n, n_symbols))
    tokens = np.zeros((n, length), dtype=np.int64)
    tokens[:, :n_symbols] = symbols
    tokens[:, n_symbols + delay] = 1
    targets = np.zeros((n, length), dtype=np.int64)
    targets[:, -n_symbols:] = symbols
    x = np.eye(alphabet + 2, dtype=np.float32)[tokens]
    return torch.from_numpy(x), torch.from_numpy(targets)


def echo_task(n: int, length: int, delay: int, seed: int,
              alphabet: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """The echo task: at every step, output the symbol seen ``delay`` steps earlier.

    The first ``delay`` targets are ``-100`` (PyTorch's ignore index): there is nothing to echo
    yet. Guessing scores an accuracy of ``1 / alphabet``.

    Args:
        n: number of sequences ``B``.
        length: sequence length ``T``.
        delay: how many steps back the target lies (``0 <= delay < length``).
        seed: seed of the generator.
        alphabet: number of distinct symbols.

    Returns:
        ``(x, y)``: one-hot inputs ``(B, T, alphabet)`` float32 and targets ``(B, T)`` int64.
    """
    _positive(n=n, length=length, alphabet=alphabet)
    if not 0 <= delay < length:
        raise ValueError(f"delay must lie in 0..length-1 = 0..{length - 1}, got {delay}")
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, alphabet, size=(n, length))
    targets = np.full((n, length), -100, dtype=np.int64)
    targets[:, delay:] = tokens[:, :length - delay]
    x = np.eye(alphabet, dtype=np.float32)[tokens]
    return torch.from_numpy(x), torch.from_numpy(targets)


def train_on_adding(model: nn.Module, length: int, steps: int, lr: float, seed: int = 0,
                    batch_size: int = 64, clip_norm: float | None = 1.0,
                    test_size: int = 2000, stop_below: float | None = None,
                    check_every: int = 25) -> tuple[History, float]:
    """The course's yardstick: train a many-to-one model on the adding problem, report test MSE.

    Every batch is fresh data (``adding_problem(batch_size, length, seed=1000 + step)``, offset by
    ``seed``), optimised with Adam; the test set is always ``adding_problem(test_size, length,
    seed=0)``, so models from different chapters are scored on the same sequences. The baseline to
    beat is :data:`companion.data.memory_tasks.ADDING_BASELINE_MSE` = 1/6. Chapters :ref:`bptt` and :ref:`lstm`.

    Args:
        model: maps ``(B, length, 2)`` to ``(B, 1)``, e.g. ``ManyToOne(2, H, 1, layer=LSTM)``.
        length: sequence length ``T``.
        steps: optimiser steps.
        lr: Adam's learning rate.
        seed: seeds the training batches (the model's initial weights are the caller's).
        batch_size: sequences per step.
        clip_norm: gradient-norm clipping threshold, or ``None``.
        test_size: number of test sequences.
        stop_below: if given, stop as soon as the MSE on 500 validation sequences
            (``adding_problem(500, length, seed=1)``, apart from the test set) is at most this;
            then ``len(history.loss)`` is the number of steps the model needed.
        check_every: steps between two validation checks when ``stop_below`` is given.

    Returns:
        ``(history, test_mse)``.
    """
    def batch_mse(model: nn.Module, batch: Batch) -> torch.Tensor:
        x, y = batch
        return nn.functional.mse_loss(model(x), y)

    stop = None
    if stop_below is not None:
        x_val, y_val = adding_problem(500, length, seed=1)

        def stop(steps_done: int, model: nn.Module) -> bool:
            return (steps_done % check_every == 0
                    and nn.functional.mse_loss(model(x_val), y_val).item() <= stop_below)

    offset = 1000 + 100_000 * seed
    history = fit(model, batch_mse,
                  lambda step: adding_problem(batch_size, length, seed=offset + step),
                  steps, lr=lr, clip_norm=clip_norm, seed=seed, stop=stop)
    x_test, y_test = adding_problem(test_size, length, seed=0)
    with torch.no_grad():
        test_mse = nn.functional.mse_loss(model(x_test), y_test).item()
    return history, test_mse
