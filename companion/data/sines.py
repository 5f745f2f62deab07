"""Sine waves sampled at regular or irregular times (chapter :ref:`time-series`), generated offline.

The task of :mod:`companion.applications.irregular`: estimate each wave's frequency from its
samples, where the time between samples is fixed or random (a Poisson process).
"""
from __future__ import annotations

import numpy as np
import torch

FREQUENCY_RANGE = (0.5, 2.0)


def sampled_sines(n: int, length: int, irregular: bool, seed: int, mean_gap: float = 0.5,
                  noise: float = 0.05) -> dict[str, torch.Tensor]:
    """Sine waves ``sin(w t + phase)`` sampled at ``length`` times each.

    Args:
        n: number of sequences.
        length: samples per sequence.
        irregular: gaps drawn from an exponential distribution with mean ``mean_gap`` (a
            Poisson process), or all equal to ``mean_gap``.
        seed: seed of the draw.
        mean_gap: average time between samples.
        noise: standard deviation of Gaussian noise added to each value.

    Returns:
        ``values`` ``(n, length)``, ``gaps`` ``(n, length)`` (time since the previous sample;
        the first is 0), ``times`` ``(n, length)`` and ``frequency`` ``(n,)``, all float32.
    """
    rng = np.random.default_rng(seed)
    frequency = rng.uniform(*FREQUENCY_RANGE, size=n)
    phase = rng.uniform(0, 2 * np.pi, size=n)
    if irregular:
        gaps = rng.exponential(mean_gap, size=(n, length))
    else:
        gaps = np.full((n, length), mean_gap)
    gaps[:, 0] = 0.0
    times = np.cumsum(gaps, axis=1)
    values = np.sin(frequency[:, None] * times + phase[:, None]) + noise * rng.normal(size=(n, length))
    as_tensor = lambda a: torch.from_numpy(a).float()  # noqa: E731
    return {"values": as_tensor(values), "gaps": as_tensor(gaps), "times": as_tensor(times),
            "frequency": as_tensor(frequency)}
