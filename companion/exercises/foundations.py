"""References and random inputs for the whole-model and debugging exercises of chapters 1 to 9
(registered in :mod:`companion.exercises`): a many-to-one classifier over padded sequences, BPTT
under a softmax read-out, one LSTM step's backward pass and a masked softmax. (Chapter 9's
log-depth scan is judged by the same reference and cases as its loop-free scan.)
"""
from __future__ import annotations

import numpy as np
import torch

from companion.bptt import rnn_forward
from companion.exercises.types import Inputs
from companion.lstm import LSTMCell
from companion.step_backward import lstm_cell_backward

LSTM_EXERCISE_GATES = ("f", "i", "C", "o")  # column blocks of the exercises' W, as in the seeds


def _rnn_weights(rng: np.random.Generator, I: int, H: int) -> Inputs:
    return {"W_xh": rng.normal(size=(I, H)) / np.sqrt(I), "W_hh": rng.normal(size=(H, H)) / np.sqrt(H),
            "b": rng.normal(size=H) * 0.1}


# ----- chapter 1: a many-to-one classifier over a padded batch ------------------------------------

def many_to_one_logits_reference(x, lengths, W_xh, W_hh, b, W_hy, b_y):
    """Run the RNN over the padded batch, read each sequence's state at its own last real step."""
    B, _, _ = x.shape
    hs, _ = rnn_forward(x, np.zeros((B, W_hh.shape[0])), W_xh, W_hh, b)
    last = hs[np.arange(B), lengths.astype(np.int64) - 1]
    return last @ W_hy + b_y


def many_to_one_inputs(B: int, T: int, I: int, H: int, O: int, full: bool = False):
    """Random cases: padded inputs whose padding holds noise, so reading it changes the answer."""
    def make(rng: np.random.Generator) -> Inputs:
        lengths = np.full(B, T) if full else rng.integers(1, T + 1, size=B)
        lengths[0] = T
        x = rng.normal(size=(B, T, I))
        return {"x": x, "lengths": lengths.astype(np.float64), **_rnn_weights(rng, I, H),
                "W_hy": rng.normal(size=(H, O)) / np.sqrt(H), "b_y": rng.normal(size=O)}
    return make


# ----- chapter 2: BPTT under a softmax read-out ------------------------------------------------------

def softmax_bptt_reference(x, h0, W_xh, W_hh, b, W_hy, b_y, targets):
    """Gradients of the mean cross-entropy of a many-to-many RNN classifier, by autograd."""
    params = [torch.tensor(a, requires_grad=True) for a in (W_xh, W_hh, b, W_hy, b_y)]
    W_xh_t, W_hh_t, b_t, W_hy_t, b_y_t = params
    h = torch.from_numpy(h0)
    logits = []
    for t in range(x.shape[1]):
        h = torch.tanh(torch.from_numpy(x[:, t]) @ W_xh_t + h @ W_hh_t + b_t)
        logits.append(h @ W_hy_t + b_y_t)
    logits = torch.stack(logits, dim=1)                   # (B, T, V)
    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1),
                                             torch.from_numpy(targets.astype(np.int64)).flatten())
    grads = torch.autograd.grad(loss, params)
    return {name: grad.numpy() for name, grad in zip(("W_xh", "W_hh", "b", "W_hy", "b_y"), grads)}


def softmax_bptt_inputs(B: int, T: int, I: int, H: int, V: int, scale: float = 1.0):
    """Random cases: sequences, a start state, weights and one target class per step."""
    def make(rng: np.random.Generator) -> Inputs:
        weights = _rnn_weights(rng, I, H)
        weights["W_hh"] *= scale
        return {"x": rng.normal(size=(B, T, I)), "h0": rng.uniform(-1, 1, size=(B, H)), **weights,
                "W_hy": rng.normal(size=(H, V)) / np.sqrt(H), "b_y": rng.normal(size=V) * 0.1,
                "targets": rng.integers(0, V, size=(B, T)).astype(np.float64)}
    return make


# ----- chapter 3: one LSTM step, backwards ---------------------------------------------------------

def lstm_step_backward_reference(dh, dC, x_t, h_prev, C_prev, W, b):
    """The companion's readable backward, on a cell holding the exercise's weight blocks."""
    H = h_prev.shape[1]
    cell = LSTMCell(x_t.shape[1], H).double()
    with torch.no_grad():
        for k, gate in enumerate(LSTM_EXERCISE_GATES):
            getattr(cell, f"W_{gate}").copy_(torch.from_numpy(W[:, k * H:(k + 1) * H]))
            getattr(cell, f"b_{gate}").copy_(torch.from_numpy(b[k * H:(k + 1) * H]))
    grads = lstm_cell_backward(*(torch.from_numpy(a) for a in (dh, dC, x_t, h_prev, C_prev)), cell)
    return {"x_t": grads["x_t"].numpy(), "h_prev": grads["h_prev"].numpy(),
            "C_prev": grads["C_prev"].numpy(),
            "W": torch.cat([grads[f"W_{gate}"] for gate in LSTM_EXERCISE_GATES], dim=1).numpy(),
            "b": torch.cat([grads[f"b_{gate}"] for gate in LSTM_EXERCISE_GATES]).numpy()}


def lstm_step_backward_inputs(B: int, I: int, H: int, scale: float = 1.0):
    """Random cases: upstream gradients, one step's inputs and the weights ``(H + I, 4H)``."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"dh": rng.normal(size=(B, H)), "dC": rng.normal(size=(B, H)),
                "x_t": rng.normal(size=(B, I)), "h_prev": rng.uniform(-1, 1, size=(B, H)),
                "C_prev": rng.normal(size=(B, H)) * scale,
                "W": rng.normal(size=(H + I, 4 * H)) * scale / np.sqrt(H + I),
                "b": rng.normal(size=4 * H) * 0.5}
    return make


# ----- chapter 5: a softmax over real positions only -------------------------------------------------

def masked_softmax_reference(scores, mask):
    """Softmax over the positions where ``mask`` is true; exactly 0 elsewhere."""
    scores = torch.from_numpy(scores).masked_fill(~torch.from_numpy(mask), float("-inf"))
    return torch.softmax(scores, dim=-1).numpy()


def masked_softmax_inputs(B: int, S: int, full: bool = False, scale: float = 1.0):
    """Random cases: scores ``(B, S)`` and a mask of real positions (at least one per row)."""
    def make(rng: np.random.Generator) -> Inputs:
        lengths = np.full(B, S) if full else rng.integers(1, S + 1, size=B)
        return {"scores": rng.normal(size=(B, S)) * scale,
                "mask": np.arange(S)[None, :] < lengths[:, None]}
    return make
