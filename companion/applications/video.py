"""Synthetic videos for "which way is it moving?", and a CNN + GRU model that answers.

The seeds' video example: recognising *running* needs a series of frames, not one. Here every
video shows a small bright square on a noisy background moving one pixel per frame in one of four
directions, wrapping around the edges; the label is the direction. Each frame alone shows only
where the square is, and that is uniformly random whatever the direction, so one frame cannot tell
the direction: a model must compare frames.

- :func:`companion.data.videos.moving_square_videos`: the data set, generated offline and seeded.
- :class:`FramesThenGRU`: a :class:`~companion.conv.SmallCNN2d` encodes each frame, a companion
  :class:`~companion.gru.GRU` reads the sequence of frame features. Chapter :ref:`cnn-vs-rnn`.
"""
from __future__ import annotations

import torch
from torch import nn

from companion.conv import SmallCNN2d
from companion.gru import GRU

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
