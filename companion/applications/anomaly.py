"""Anomalies as surprises: a GRU forecaster's one-step residuals, a threshold set on normal data.

Chapter :ref:`applications`. A forecaster trained on normal data only predicts each next value;
where the series stops behaving as it did in training, the forecast misses and the squared
residual jumps. The detector smooths the residuals over about one period, and flags the steps
whose smoothed residual exceeds the largest one seen on held-out *normal* data: no anomaly is
needed to set it. The baseline a signal-processing engineer would try first scores each value
by how many standard deviations it lies from the mean of the window before it (a rolling
z-score), thresholded the same way.

Scores are compared with the labels step by step (:func:`precision_recall_f1`), and, as the UCR
anomaly archive scores its one-anomaly series, by whether the highest score falls on (or near)
the labelled run (:func:`hits_anomaly`).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from companion.gru import GRU
from companion.rnn_types import ManyToMany


def next_value_model(hidden_size: int = 32) -> ManyToMany:
    """A GRU that reads a series ``(B, T, 1)`` and predicts each next value, ``(B, T, 1)``."""
    return ManyToMany(1, hidden_size, 1, layer=GRU)


def chunk_batches(series: np.ndarray, length: int, batch_size: int, seed: int = 0
                  ) -> Callable[[int], tuple[torch.Tensor, torch.Tensor]]:
    """Random windows of a series for :func:`companion.train.fit`: ``batch(step)`` returns inputs
    ``(B, length, 1)`` and the values one step later ``(B, length, 1)``, float32."""
    if len(series) <= length + 1:
        raise ValueError(f"the series ({len(series)} steps) must be longer than length + 1 = "
                         f"{length + 1}")
    values = torch.as_tensor(np.asarray(series), dtype=torch.float32)
    rng = np.random.default_rng(seed)

    def batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
        starts = rng.integers(0, len(values) - length - 1, size=batch_size)
        windows = values[starts[:, None] + np.arange(length + 1)]  # (B, length + 1)
        return windows[:, :-1, None], windows[:, 1:, None]
    return batch


def next_value_loss(warm_up: int) -> Callable:
    """Mean squared error of the next-value forecasts, skipping the first ``warm_up`` steps of
    each window (from a zero state the GRU has not yet seen a full period)."""
    def loss(model: ManyToMany, batch) -> torch.Tensor:
        inputs, targets = batch
        return ((model(inputs)[:, warm_up:] - targets[:, warm_up:]) ** 2).mean()
    return loss


@torch.no_grad()
def squared_residuals(model: ManyToMany, series: np.ndarray, warm_up: int) -> np.ndarray:
    """``(T,)`` squared one-step errors of ``model`` run over the whole series from a zero state;
    the first ``warm_up`` steps (and step 0, which has no forecast) are set to 0."""
    model.eval()
    values = torch.as_tensor(np.asarray(series), dtype=torch.float32)[None, :, None]
    forecast = model(values[:, :-1])[0, :, 0].double().numpy()
    residuals = np.zeros(len(series))
    residuals[1:] = (np.asarray(series)[1:] - forecast) ** 2
    residuals[:warm_up] = 0.0
    return residuals


def moving_average(scores: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average of width ``width`` (zeros beyond the ends), same length."""
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    return np.convolve(scores, np.ones(width) / width, mode="same")


def rolling_zscore(series: np.ndarray, window: int) -> np.ndarray:
    """``|x_t - mean| / std`` over the ``window`` values before ``t``; 0 for the first ``window``."""
    series = np.asarray(series, dtype=np.float64)
    if not 2 <= window < len(series):
        raise ValueError(f"window must be in [2, {len(series)}), got {window}")
    past = np.lib.stride_tricks.sliding_window_view(series[:-1], window)  # (T - window, window)
    scores = np.zeros(len(series))
    scores[window:] = np.abs(series[window:] - past.mean(1)) / (past.std(1) + 1e-8)
    return scores


def precision_recall_f1(flags: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """Step-wise precision, recall and F1 of boolean ``flags`` against 0/1 ``labels`` (both
    ``(T,)``); precision is 0 when nothing is flagged."""
    flags, labels = np.asarray(flags, dtype=bool), np.asarray(labels) > 0
    if flags.shape != labels.shape:
        raise ValueError(f"flags {flags.shape} and labels {labels.shape} must have the same shape")
    true_positives = int((flags & labels).sum())
    precision = true_positives / max(int(flags.sum()), 1)
    recall = true_positives / max(int(labels.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def hits_anomaly(scores: np.ndarray, labels: np.ndarray, slack: int = 100) -> bool:
    """The UCR archive's scoring: does the highest score lie within ``slack`` steps of a
    labelled step?"""
    top = int(np.argmax(scores))
    labelled = np.flatnonzero(np.asarray(labels) > 0)
    if len(labelled) == 0:
        raise ValueError("labels mark no anomaly")
    return bool(np.min(np.abs(labelled - top)) <= slack)
