"""Synthetic videos for "which way is it moving?", and a CNN + GRU model that answers.

The seeds' video example: recognising *running* needs a series of frames, not one. Here every
video shows a small bright square on a noisy background moving one pixel per frame in one of four
directions, wrapping around the edges; the label is the direction. Each frame alone shows only
where the square is, and that is uniformly random whatever the direction, so one frame cannot tell
the direction: a model must compare frames.

- :func:`moving_square_videos`: the data set, generated offline and seeded.
- :class:`FramesThenGRU`: a :class:`~companion.conv.SmallCNN2d` encodes each frame, a companion
  :class:`~companion.gru.GRU` reads the sequence of frame features. Chapter :ref:`cnn-vs-rnn`.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from companion.conv import SmallCNN2d
from companion.gru import GRU

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


class FramesThenGRU(nn.Module):
    """Classify a video ``(B, T, H, W)``: a CNN per frame, a GRU over the frames, a linear head.

    Args:
        size: frames are ``size x size``.
        classes: number of labels.
        hidden_size: the GRU's ``H``.
    """

    def __init__(self, size: int, classes: int, hidden_size: int = 32):
        super().__init__()
        self.frame_encoder = SmallCNN2d(size, size, classes, channels=(8, 16))
        self.rnn = GRU(self.frame_encoder.feature_size, hidden_size)
        self.head = nn.Linear(hidden_size, classes)

    def forward(self, videos: torch.Tensor) -> torch.Tensor:
        """``(B, T, H, W)`` -> logits ``(B, classes)``."""
        if videos.dim() != 4:
            raise ValueError(f"videos must have shape (B, T, H, W), got {tuple(videos.shape)}")
        B, T = videos.shape[:2]
        features = self.frame_encoder.features(videos.flatten(0, 1)).view(B, T, -1)
        _, h_T = self.rnn(features)
        return self.head(h_T)
