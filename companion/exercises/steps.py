"""References and random inputs for the one-step exercises of chapters 1 to 9 and 11 (registered in
:mod:`companion.exercises`): each reference is built on the companion's own code, and each
``*_inputs`` returns a function that draws one case's arguments from a random generator.
"""
from __future__ import annotations

import numpy as np
import torch

from companion.applications.charlm import tempered_probabilities
from companion.applications.forecast import seasonal_naive_forecast
from companion.bptt import rnn_forward, rnn_step_backward
from companion.conv import CausalConv1d
from companion.ctc import BLANK, LOG_ZERO, alpha_step, collapse, extend_with_blanks
from companion.exercises.foundations import LSTM_EXERCISE_GATES
from companion.exercises.types import Inputs
from companion.gru import GATES as GRU_GATES
from companion.gru import GRUCell
from companion.lstm import LSTMCell
from companion.scan import scan_sequential
from companion.seq2seq import AdditiveAttention


# ----- chapter 1: one RNN step ------------------------------------------------------------------

def rnn_step_reference(x_t, h_prev, W_xh, W_hh, b):
    """One tanh RNN step, by :func:`companion.bptt.rnn_forward` over a sequence of one step."""
    hs, _ = rnn_forward(x_t[:, None, :], h_prev, W_xh, W_hh, b)
    return hs[:, 0]


def rnn_step_inputs(B: int, I: int, H: int, scale: float = 1.0):
    """Random cases: ``x_t`` ``(B, I)`` (times ``scale``), ``h_prev`` ``(B, H)`` and the weights."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"x_t": rng.normal(size=(B, I)) * scale, "h_prev": rng.uniform(-1, 1, size=(B, H)),
                "W_xh": rng.normal(size=(I, H)) / np.sqrt(I), "W_hh": rng.normal(size=(H, H)) / np.sqrt(H),
                "b": rng.normal(size=H) * 0.1}
    return make


# ----- chapter 2: one step of the backward pass -------------------------------------------------

def step_backward_reference(dh, h, h_prev, x_t, W_xh, W_hh):
    """One step of BPTT, by :func:`companion.bptt.rnn_step_backward`."""
    return rnn_step_backward(dh, h, h_prev, x_t, W_xh, W_hh)


def step_backward_inputs(B: int, I: int, H: int, scale: float = 1.0):
    """Random cases: an upstream gradient and one step's forward values and weights."""
    def make(rng: np.random.Generator) -> Inputs:
        step = rnn_step_inputs(B, I, H, scale)(rng)
        h = rnn_step_reference(**step)
        return {"dh": rng.normal(size=(B, H)), "h": h, "h_prev": step["h_prev"], "x_t": step["x_t"],
                "W_xh": step["W_xh"], "W_hh": step["W_hh"]}
    return make


# ----- chapter 3: one LSTM step -----------------------------------------------------------------

def lstm_step_reference(x_t, h_prev, C_prev, W, b):
    """One LSTM step by :class:`companion.lstm.LSTMCell`, given ``W`` ``(H + I, 4H)`` in blocks f, i, C~, o."""
    H = h_prev.shape[1]
    cell = LSTMCell(x_t.shape[1], H)
    parameters = {}
    for k, gate in enumerate(LSTM_EXERCISE_GATES):
        parameters[f"W_{gate}"] = W[:, k * H:(k + 1) * H]
        parameters[f"b_{gate}"] = b[k * H:(k + 1) * H]
    return torch.func.functional_call(cell, parameters, (x_t, (h_prev, C_prev)))


def lstm_step_inputs(B: int, I: int, H: int, scale: float = 1.0):
    """Random cases: one step's inputs and states, and ``W`` ``(H + I, 4H)`` and ``b`` ``(4H,)``."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"x_t": rng.normal(size=(B, I)), "h_prev": rng.uniform(-1, 1, size=(B, H)),
                "C_prev": rng.normal(size=(B, H)) * scale,
                "W": rng.normal(size=(H + I, 4 * H)) * scale / np.sqrt(H + I),
                "b": rng.normal(size=4 * H) * 0.5}
    return make


# ----- chapter 4: one GRU step, in PyTorch's layout -----------------------------------------------

def gru_step_reference(x_t, h_prev, W_x, W_h, b_x, b_h):
    """One GRU step by :class:`companion.gru.GRUCell`, given PyTorch's stacked layout (r, z, n)."""
    H = h_prev.shape[1]
    cell = GRUCell(x_t.shape[1], H)
    parameters = {}
    for k, gate in enumerate(GRU_GATES):  # column blocks r, z, n
        block = slice(k * H, (k + 1) * H)
        parameters[f"W_x{gate}"] = W_x[:, block]
        parameters[f"W_h{gate}"] = W_h[:, block]
    parameters["b_r"] = b_x[:H] + b_h[:H]
    parameters["b_z"] = b_x[H:2 * H] + b_h[H:2 * H]
    parameters["b_xn"], parameters["b_hn"] = b_x[2 * H:], b_h[2 * H:]
    return torch.func.functional_call(cell, parameters, (x_t, h_prev))


def gru_step_inputs(B: int, I: int, H: int, scale: float = 1.0):
    """Random cases: one step's input and state, and the stacked weights and biases."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"x_t": rng.normal(size=(B, I)), "h_prev": rng.uniform(-1, 1, size=(B, H)),
                "W_x": rng.normal(size=(I, 3 * H)) * scale / np.sqrt(I),
                "W_h": rng.normal(size=(H, 3 * H)) * scale / np.sqrt(H),
                "b_x": rng.normal(size=3 * H) * 0.5, "b_h": rng.normal(size=3 * H) * 0.5}
    return make


# ----- chapter 5: additive attention weights -------------------------------------------------------

def attention_weights_reference(query, keys, mask, W_q, W_k, b, v):
    """Additive attention's weights by :class:`companion.seq2seq.AdditiveAttention`."""
    attention = AdditiveAttention(W_q.shape[0], W_k.shape[0], W_q.shape[1])
    parameters = {"W_q.weight": W_q.T, "W_k.weight": W_k.T, "W_k.bias": b, "v.weight": v[None]}
    return torch.func.functional_call(attention, parameters, (query, keys, mask.bool()))[1]


def attention_inputs(B: int, S: int, Q: int, K: int, A: int, padded: bool = True):
    """Random cases: a query, keys ``(B, S, K)``, a padding mask and the attention's weights."""
    def make(rng: np.random.Generator) -> Inputs:
        lengths = rng.integers(1, S + 1, size=B) if padded else np.full(B, S)
        lengths[0] = S  # one full row, so S is the batch's longest
        return {"query": rng.normal(size=(B, Q)), "keys": rng.normal(size=(B, S, K)),
                "mask": np.arange(S)[None, :] < lengths[:, None],
                "W_q": rng.normal(size=(Q, A)) / np.sqrt(Q), "W_k": rng.normal(size=(K, A)) / np.sqrt(K),
                "b": rng.normal(size=A) * 0.1, "v": rng.normal(size=A)}
    return make


# ----- chapter 6: a causal dilated convolution ---------------------------------------------------

CAUSAL_CONV_DILATION = 2


def causal_conv_reference(x, w, b):
    """A causal dilated convolution by :class:`companion.conv.CausalConv1d` (tap ``k`` reads ``x[t - k d]``)."""
    K, C_in, C_out = w.shape
    layer = CausalConv1d(C_in, C_out, K, CAUSAL_CONV_DILATION).double()
    # torch's tap j multiplies x[t - (K - 1 - j) d]; the exercise's w[k] multiplies x[t - k d]
    weight = torch.from_numpy(np.ascontiguousarray(w[::-1].transpose(2, 1, 0)))
    parameters = {"conv.weight": weight, "conv.bias": torch.from_numpy(b)}
    with torch.no_grad():
        return torch.func.functional_call(layer, parameters, (torch.from_numpy(x),)).numpy()


def causal_conv_inputs(B: int, T: int, C_in: int, C_out: int, K: int):
    """Random cases: ``x`` ``(B, T, C_in)``, taps ``w`` ``(K, C_in, C_out)`` and a bias."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"x": rng.normal(size=(B, T, C_in)), "w": rng.normal(size=(K, C_in, C_out)),
                "b": rng.normal(size=C_out)}
    return make


# ----- chapter 9: a linear recurrence without a loop ----------------------------------------------

def linear_scan_reference(a, b):
    """``h_t = a_t h_{t-1} + b_t`` from ``h_0 = 0``, by :func:`companion.scan.scan_sequential`."""
    return scan_sequential(torch.from_numpy(a), torch.from_numpy(b)).numpy()


def linear_scan_inputs(B: int, T: int, H: int):
    """Random cases: decays in (0.5, 1) and inputs, both ``(B, T, H)``."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"a": rng.uniform(0.5, 1.0, size=(B, T, H)), "b": rng.normal(size=(B, T, H))}
    return make


# ----- chapter 7: the tempered softmax ----------------------------------------------------------

def temperature_softmax_reference(logits, temperature):
    """The tempered softmax of :func:`companion.applications.charlm.tempered_probabilities`."""
    return tempered_probabilities(torch.from_numpy(logits), float(temperature)).numpy()


def temperature_inputs(B: int, V: int, temperature: float, scale: float = 2.0):
    """Random cases: logits ``(B, V)`` (times ``scale``) and a temperature."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"logits": scale * rng.normal(size=(B, V)), "temperature": np.array(temperature)}
    return make


# ----- chapter 8: seasonal-naive forecasts -------------------------------------------------------

def seasonal_naive_reference(history, season, horizon):
    """Seasonal-naive forecasts from each row's end, by
    :func:`companion.applications.forecast.seasonal_naive_forecast`."""
    origins = np.full(len(history), history.shape[1] - 1)
    flat = history.reshape(-1)
    offsets = np.arange(len(history)) * history.shape[1]
    forecast = seasonal_naive_forecast(flat, origins + offsets, int(horizon), int(season))
    return forecast


def seasonal_naive_inputs(B: int, T: int, season: int, horizon: int):
    """Random cases: histories ``(B, T)``, a season and a horizon."""
    def make(rng: np.random.Generator) -> Inputs:
        return {"history": rng.normal(size=(B, T)), "season": np.array(season),
                "horizon": np.array(horizon)}
    return make


# ----- chapter 11: CTC's collapse rule and one step of its forward recursion ----------------------

def ctc_keep_reference(path):
    """Which frames of each CTC path survive :func:`companion.ctc.collapse`, as 0/1 floats."""
    kept = [np.isin(np.arange(path.shape[1]), _kept_frames(row)) for row in path.astype(np.int64)]
    return np.array(kept, dtype=np.float64)


def _kept_frames(row) -> list[int]:
    """The frames of ``row`` whose symbols make up ``collapse(row)``, found by collapsing the
    path one frame longer at a time."""
    frames, length = [], 0
    for t in range(len(row)):
        if len(collapse(row[:t + 1])) > length:
            frames.append(t)
            length += 1
    return frames


def ctc_keep_inputs(B: int, T: int, symbols: int, blank_share: float, repeat_share: float):
    """Random paths with blanks and runs of repeated symbols, as trained models produce them."""
    def make(rng: np.random.Generator) -> Inputs:
        path = rng.integers(1, symbols, size=(B, T))
        path[rng.random((B, T)) < blank_share] = BLANK
        for t in range(1, T):  # runs of the same symbol, as trained models produce them
            path[:, t] = np.where(rng.random(B) < repeat_share, path[:, t - 1], path[:, t])
        return {"path": path.astype(np.float64)}
    return make


def ctc_alpha_step_reference(log_alpha, log_emit, skip):
    """One step of CTC's forward recursion in log space, by :func:`companion.ctc.alpha_step`."""
    return alpha_step(torch.from_numpy(log_alpha), torch.from_numpy(log_emit),
                      torch.from_numpy(skip)).numpy()


def ctc_alpha_inputs(B: int, S: int, first_frame: bool = False):
    """Random cases: log alphas over an extended label sequence, log emissions and the skip mask."""
    def make(rng: np.random.Generator) -> Inputs:
        L = 2 * S + 1
        log_alpha = rng.normal(size=(B, L)) - 3.0
        if first_frame:  # only the first blank and the first label reachable yet
            log_alpha[:, 2:] = LOG_ZERO
        labels = rng.integers(1, 4, size=(B, S))  # few symbols: repeated labels are frequent
        extended = extend_with_blanks(torch.from_numpy(labels)).numpy()
        skip = np.zeros((B, L), dtype=bool)
        skip[:, 2:] = (extended[:, 2:] != BLANK) & (extended[:, 2:] != extended[:, :-2])
        return {"log_alpha": log_alpha, "log_emit": -rng.exponential(2.0, size=(B, L)),
                "skip": skip}
    return make
