"""Chapter 13's auto-graded exercise: reference and random inputs (registered in
:mod:`companion.exercises`)."""
from __future__ import annotations

import numpy as np
import torch

from companion.applications.sentiment import masked_mean
from companion.exercises.types import Inputs


def masked_mean_reference(outputs, lengths):
    """:func:`companion.applications.sentiment.masked_mean` on arrays."""
    return masked_mean(torch.from_numpy(np.asarray(outputs)),
                       torch.from_numpy(np.asarray(lengths, dtype=np.int64))).numpy()


def masked_mean_inputs(B: int, T: int, F: int, full: bool = False, garbage: float = 0.0):
    """Random cases: padded outputs ``(B, T, F)`` and lengths ``(B,)`` in ``1..T`` (all ``T`` if
    ``full``); the padded steps hold ``garbage`` times large numbers, as a real layer's may."""
    def make(rng: np.random.Generator) -> Inputs:
        lengths = np.full(B, T) if full else rng.integers(1, T + 1, size=B)
        lengths[0] = T  # the longest sets the padded length, as in a real batch
        outputs = rng.normal(size=(B, T, F))
        padded = np.arange(T)[None, :] >= lengths[:, None]
        outputs[padded] += garbage * rng.normal(size=(int(padded.sum()), F))
        return {"outputs": outputs, "lengths": lengths.astype(np.int64)}
    return make
