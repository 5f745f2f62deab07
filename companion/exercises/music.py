"""Chapter 12's auto-graded exercise: reference and random inputs (registered in
:mod:`companion.exercises`)."""
from __future__ import annotations

import numpy as np
import torch

from companion.applications.charlm import tempered_probabilities
from companion.exercises.types import Inputs


def temperature_sample_reference(logits, temperature, uniform):
    """Inverse-transform sampling from :func:`companion.applications.charlm.tempered_probabilities`:
    the first index whose cumulative probability exceeds each row's uniform draw."""
    probabilities = tempered_probabilities(torch.from_numpy(np.asarray(logits)),
                                           float(temperature)).numpy()
    cumulative = np.cumsum(probabilities, axis=1)
    chosen = (cumulative <= np.asarray(uniform)[:, None]).sum(axis=1)
    return np.minimum(chosen, probabilities.shape[1] - 1).astype(np.int64)


def temperature_sample_inputs(B: int, V: int, temperature: float, scale: float = 2.0):
    """Random cases: logits ``(B, V)``, the temperature (a 0-d array) and uniform draws ``(B,)``,
    kept at least 1e-6 from every cumulative boundary so that rounding cannot flip a draw."""
    def make(rng: np.random.Generator) -> Inputs:
        logits = rng.normal(size=(B, V)) * scale
        cumulative = np.cumsum(tempered_probabilities(torch.from_numpy(logits), temperature).numpy(),
                               axis=1)
        uniform = rng.uniform(size=B)
        for b in range(B):
            while np.min(np.abs(cumulative[b] - uniform[b])) < 1e-6:
                uniform[b] = rng.uniform()
        return {"logits": logits, "temperature": np.array(temperature), "uniform": uniform}
    return make
