"""Synthetic videos for "which way is it moving?" (chapter :ref:`cnn-vs-rnn`), generated offline.

Every video shows a small bright square on a noisy background moving one pixel per frame in one
of four directions, wrapping around the edges; the label is the direction. Each frame alone shows
only where the square is, and that is uniformly random whatever the direction, so one frame cannot
tell the direction: a model must compare frames.
"""
from __future__ import annotations

import numpy as np
import torch

DIRECTIONS = ("up", "down", "left", "right")
_STEPS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


def moving_square_videos(n: int, seed: int, frames: int = 8, size: int = 12, square: int = 2,
                         noise: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Videos of a square moving one pixel per frame; the label is its direction.

    The square wraps around the edges (the frame is a torus) and starts anywhere, so in every
    single frame its position is uniform whatever the direction: only a comparison of frames
    tells the label.

    Args:
        n: number of videos.
        seed: seed of the generator.
        frames: ``T``, frames per video.
        size: frames are ``size x size`` pixels.
        square: side of the square in pixels.
        noise: standard deviation of the Gaussian background noise.

    Returns:
        ``(videos, labels)``: float32 ``(n, frames, size, size)`` and int64 ``(n,)`` indices into
        :data:`DIRECTIONS`.
    """
    if n < 1 or frames < 1 or not 1 <= square < size:
        raise ValueError(f"need n >= 1, frames >= 1 and 1 <= square < size, got n={n}, "
                         f"frames={frames}, square={square}, size={size}")
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(DIRECTIONS), size=n)
    starts = rng.integers(0, size, size=(n, 2))
    videos = rng.normal(0.0, noise, size=(n, frames, size, size))
    offsets = np.arange(square)
    for i, label in enumerate(labels):
        dy, dx = _STEPS[DIRECTIONS[label]]
        for t in range(frames):
            rows = (starts[i, 0] + dy * t + offsets) % size
            cols = (starts[i, 1] + dx * t + offsets) % size
            videos[i, t, rows[:, None], cols[None, :]] += 1.0
    return torch.from_numpy(videos).float(), torch.from_numpy(labels).long()
