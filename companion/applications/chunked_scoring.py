"""Scoring a long text with a language model in bounded memory: the batch read in time chunks.

:func:`companion.applications.charlm.log2_probabilities` reads the whole text at once, as
``streams`` regions side by side, so its memory grows with the text (a 2 x 512 GRU on a
100 000-character play needs over 2 GB). :func:`log2_probabilities_in_chunks` lays the text out
in exactly the same regions, then reads them ``chunk`` steps at a time and carries the recurrent
state from one chunk to the next: the same numbers, with memory set by ``chunk``. Chapter
:ref:`text` scores its pre-trained model this way so that it fits a Binder session.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn import functional as F


@torch.no_grad()
def log2_probabilities_in_chunks(model, ids: np.ndarray, streams: int = 16, warmup: int = 64,
                                 chunk: int = 512) -> np.ndarray:
    """``log2 p(ids[t] | ids[:t])`` for every ``t >= 1``, ``(N - 1,)``, equal to
    :func:`~companion.applications.charlm.log2_probabilities` with the same ``streams`` and
    ``warmup``.

    Args:
        model: a :class:`~companion.applications.charlm.CharLM` (``model(ids, state)`` gives
            ``(logits, state)``).
        ids: the text's symbol ids, ``(N,)``.
        streams, warmup: the layout, as in ``log2_probabilities``.
        chunk: steps read per forward pass; memory grows with ``streams * chunk``.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.int64)
    targets = len(ids) - 1
    per_stream = math.ceil(targets / streams)
    rows, masks = [], []
    for start in range(0, targets, per_stream):
        end = min(start + per_stream, targets)
        first = max(start - warmup, 0)
        window = ids[first:end + 1]
        rows.append(F.pad(window, (0, per_stream + warmup + 1 - len(window))))
        scored = torch.zeros(per_stream + warmup, dtype=torch.bool)
        scored[start - first:end - first] = True
        masks.append(scored)
    batch, scored = torch.stack(rows), torch.stack(masks)  # (S, L + 1), (S, L)
    model.eval()
    state, pieces = None, []
    for begin in range(0, batch.shape[1] - 1, chunk):
        inputs = batch[:, begin:begin + chunk]
        logits, state = model(inputs, state)
        following = batch[:, begin + 1:begin + 1 + inputs.shape[1]]
        pieces.append(F.log_softmax(logits, dim=-1).gather(-1, following[..., None])[..., 0])
    log_p = torch.cat(pieces, dim=1)
    return (log_p[scored] / math.log(2)).numpy().astype(np.float64)
