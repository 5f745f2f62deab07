"""Forecasting where a vehicle will be: a GRU over its recent track against constant velocity.

Chapter :ref:`applications`. A track's past is turned into the vehicle's own frame (origin at its
last observed position, x axis along its recent heading), so that one model serves every
position and direction; the GRU reads the past steps' displacements and predicts the next
``horizon`` positions at once. The baseline that tracking systems start from assumes the
vehicle keeps its current velocity, estimated from the last ``k`` observed steps.

Errors are the average displacement over the forecast steps (ADE) and the displacement at the
last one (FDE), in metres.
"""
from __future__ import annotations

import numpy as np
import torch


def to_heading_frame(tracks: np.ndarray, past: int, heading_steps: int = 3) -> np.ndarray:
    """Tracks ``(N, T, 2)`` translated to their position at step ``past - 1`` and rotated so that
    the displacement over the ``heading_steps`` steps before it points along +x."""
    if tracks.ndim != 3 or tracks.shape[-1] != 2:
        raise ValueError(f"tracks must have shape (N, T, 2), got {tracks.shape}")
    if not 1 <= heading_steps < past <= tracks.shape[1]:
        raise ValueError(f"need 1 <= heading_steps < past <= T, got {heading_steps}, {past}, "
                         f"{tracks.shape[1]}")
    last = tracks[:, past - 1]
    heading = last - tracks[:, past - 1 - heading_steps]
    angle = np.arctan2(heading[:, 1], heading[:, 0])
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)  # by -angle
    return np.einsum("nij,ntj->nti", rotation, tracks - last[:, None])


def model_inputs(frame_tracks: np.ndarray, past: int, scale: float) -> torch.Tensor:
    """The past steps' displacements in the heading frame, ``(N, past - 1, 2)`` float32, scaled."""
    return torch.from_numpy(np.diff(frame_tracks[:, :past], axis=1) / scale).float()


def constant_velocity_forecast(frame_tracks: np.ndarray, past: int, horizon: int, k: int
                               ) -> np.ndarray:
    """Positions ``(N, horizon, 2)`` if each vehicle kept its mean velocity over the last ``k``
    observed steps."""
    if not 1 <= k < past:
        raise ValueError(f"need 1 <= k < past = {past}, got {k}")
    velocity = (frame_tracks[:, past - 1] - frame_tracks[:, past - 1 - k]) / k  # metres per step
    return velocity[:, None, :] * np.arange(1, horizon + 1)[None, :, None]


def displacement_errors(forecast: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """``(ADE, FDE)``: the mean distance over all forecast steps, and at the last step only, of
    ``(N, horizon, 2)`` forecasts from the truth."""
    if forecast.shape != truth.shape:
        raise ValueError(f"forecast {forecast.shape} and truth {truth.shape} must match")
    distance = np.linalg.norm(forecast - truth, axis=-1)
    return float(distance.mean()), float(distance[:, -1].mean())
