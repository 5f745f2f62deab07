"""The auto-graded exercises: what each function must compute, and the tests that decide it.

An exercise in a chapter is a function with a fixed name and signature in a code cell tagged
``exercise``. This module holds, for each one, a reference implementation built on the
companion's own code and a list of test cases whose inputs are drawn at random when the test
runs. The learner's :func:`companion.exercises.check.check_exercise` and the instructor's grader
(:mod:`companion.grading`) both call the function under test through
:func:`companion.grading.protocol.run_case` and judge the result with :func:`compare`, so a check
that passes at home passes in the gradebook, on inputs the learner has never seen.
"""
from __future__ import annotations

import numpy as np
import torch

from companion.bptt import rnn_forward, rnn_step_backward
from companion.applications.charlm import tempered_probabilities
from companion.conv import CausalConv1d
from companion.ctc import BLANK, LOG_ZERO, alpha_step, collapse, extend_with_blanks
from companion.exercises import applications, deep_rnns, foundations, music
from companion.exercises.types import Case, Exercise, Inputs, compare
from companion.applications.forecast import seasonal_naive_forecast
from companion.gru import GATES as GRU_GATES
from companion.gru import GRUCell
from companion.lstm import LSTMCell
from companion.scan import scan_sequential
from companion.seq2seq import AdditiveAttention

__all__ = ["Case", "Exercise", "Inputs", "compare", "EXERCISES", "chapter_exercises"]


# ----- chapter 1: one RNN step ------------------------------------------------------------------

def _rnn_step_reference(x_t, h_prev, W_xh, W_hh, b):
    hs, _ = rnn_forward(x_t[:, None, :], h_prev, W_xh, W_hh, b)
    return hs[:, 0]


def _rnn_step_inputs(B: int, I: int, H: int, scale: float = 1.0):
    def make(rng: np.random.Generator) -> Inputs:
        return {"x_t": rng.normal(size=(B, I)) * scale, "h_prev": rng.uniform(-1, 1, size=(B, H)),
                "W_xh": rng.normal(size=(I, H)) / np.sqrt(I), "W_hh": rng.normal(size=(H, H)) / np.sqrt(H),
                "b": rng.normal(size=H) * 0.1}
    return make


# ----- chapter 2: one step of the backward pass -------------------------------------------------

def _step_backward_reference(dh, h, h_prev, x_t, W_xh, W_hh):
    return rnn_step_backward(dh, h, h_prev, x_t, W_xh, W_hh)


def _step_backward_inputs(B: int, I: int, H: int, scale: float = 1.0):
    def make(rng: np.random.Generator) -> Inputs:
        step = _rnn_step_inputs(B, I, H, scale)(rng)
        h = _rnn_step_reference(**step)
        return {"dh": rng.normal(size=(B, H)), "h": h, "h_prev": step["h_prev"], "x_t": step["x_t"],
                "W_xh": step["W_xh"], "W_hh": step["W_hh"]}
    return make


# ----- chapter 3: one LSTM step -----------------------------------------------------------------

LSTM_EXERCISE_GATES = foundations.LSTM_EXERCISE_GATES  # column blocks of the exercise's W


def _lstm_step_reference(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    cell = LSTMCell(x_t.shape[1], H)
    parameters = {}
    for k, gate in enumerate(LSTM_EXERCISE_GATES):
        parameters[f"W_{gate}"] = W[:, k * H:(k + 1) * H]
        parameters[f"b_{gate}"] = b[k * H:(k + 1) * H]
    return torch.func.functional_call(cell, parameters, (x_t, (h_prev, C_prev)))


def _lstm_step_inputs(B: int, I: int, H: int, scale: float = 1.0):
    def make(rng: np.random.Generator) -> Inputs:
        return {"x_t": rng.normal(size=(B, I)), "h_prev": rng.uniform(-1, 1, size=(B, H)),
                "C_prev": rng.normal(size=(B, H)) * scale,
                "W": rng.normal(size=(H + I, 4 * H)) * scale / np.sqrt(H + I),
                "b": rng.normal(size=4 * H) * 0.5}
    return make


# ----- chapter 4: one GRU step, in PyTorch's layout -----------------------------------------------

def _gru_step_reference(x_t, h_prev, W_x, W_h, b_x, b_h):
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


def _gru_step_inputs(B: int, I: int, H: int, scale: float = 1.0):
    def make(rng: np.random.Generator) -> Inputs:
        return {"x_t": rng.normal(size=(B, I)), "h_prev": rng.uniform(-1, 1, size=(B, H)),
                "W_x": rng.normal(size=(I, 3 * H)) * scale / np.sqrt(I),
                "W_h": rng.normal(size=(H, 3 * H)) * scale / np.sqrt(H),
                "b_x": rng.normal(size=3 * H) * 0.5, "b_h": rng.normal(size=3 * H) * 0.5}
    return make


# ----- chapter 5: additive attention weights -------------------------------------------------------

def _attention_weights_reference(query, keys, mask, W_q, W_k, b, v):
    attention = AdditiveAttention(W_q.shape[0], W_k.shape[0], W_q.shape[1])
    parameters = {"W_q.weight": W_q.T, "W_k.weight": W_k.T, "W_k.bias": b, "v.weight": v[None]}
    return torch.func.functional_call(attention, parameters, (query, keys, mask.bool()))[1]


def _attention_inputs(B: int, S: int, Q: int, K: int, A: int, padded: bool = True):
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


def _causal_conv_reference(x, w, b):
    K, C_in, C_out = w.shape
    layer = CausalConv1d(C_in, C_out, K, CAUSAL_CONV_DILATION).double()
    # torch's tap j multiplies x[t - (K - 1 - j) d]; the exercise's w[k] multiplies x[t - k d]
    weight = torch.from_numpy(np.ascontiguousarray(w[::-1].transpose(2, 1, 0)))
    parameters = {"conv.weight": weight, "conv.bias": torch.from_numpy(b)}
    with torch.no_grad():
        return torch.func.functional_call(layer, parameters, (torch.from_numpy(x),)).numpy()


def _causal_conv_inputs(B: int, T: int, C_in: int, C_out: int, K: int):
    def make(rng: np.random.Generator) -> Inputs:
        return {"x": rng.normal(size=(B, T, C_in)), "w": rng.normal(size=(K, C_in, C_out)),
                "b": rng.normal(size=C_out)}
    return make


# ----- chapter 9: a linear recurrence without a loop ----------------------------------------------

def _linear_scan_reference(a, b):
    return scan_sequential(torch.from_numpy(a), torch.from_numpy(b)).numpy()


def _linear_scan_inputs(B: int, T: int, H: int):
    def make(rng: np.random.Generator) -> Inputs:
        return {"a": rng.uniform(0.5, 1.0, size=(B, T, H)), "b": rng.normal(size=(B, T, H))}
    return make


# ----- chapter 7: the tempered softmax ----------------------------------------------------------

def _temperature_softmax_reference(logits, temperature):
    return tempered_probabilities(torch.from_numpy(logits), float(temperature)).numpy()


def _temperature_inputs(B: int, V: int, temperature: float, scale: float = 2.0):
    def make(rng: np.random.Generator) -> Inputs:
        return {"logits": scale * rng.normal(size=(B, V)), "temperature": np.array(temperature)}
    return make


# ----- chapter 8: seasonal-naive forecasts -------------------------------------------------------

def _seasonal_naive_reference(history, season, horizon):
    origins = np.full(len(history), history.shape[1] - 1)
    flat = history.reshape(-1)
    offsets = np.arange(len(history)) * history.shape[1]
    forecast = seasonal_naive_forecast(flat, origins + offsets, int(horizon), int(season))
    return forecast


def _seasonal_naive_inputs(B: int, T: int, season: int, horizon: int):
    def make(rng: np.random.Generator) -> Inputs:
        return {"history": rng.normal(size=(B, T)), "season": np.array(season),
                "horizon": np.array(horizon)}
    return make


# ----- chapter 11: CTC's collapse rule and one step of its forward recursion ----------------------

def _ctc_keep_reference(path):
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


def _ctc_keep_inputs(B: int, T: int, symbols: int, blank_share: float, repeat_share: float):
    def make(rng: np.random.Generator) -> Inputs:
        path = rng.integers(1, symbols, size=(B, T))
        path[rng.random((B, T)) < blank_share] = BLANK
        for t in range(1, T):  # runs of the same symbol, as trained models produce them
            path[:, t] = np.where(rng.random(B) < repeat_share, path[:, t - 1], path[:, t])
        return {"path": path.astype(np.float64)}
    return make


def _ctc_alpha_step_reference(log_alpha, log_emit, skip):
    return alpha_step(torch.from_numpy(log_alpha), torch.from_numpy(log_emit),
                      torch.from_numpy(skip)).numpy()


def _ctc_alpha_inputs(B: int, S: int, first_frame: bool = False):
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


EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in (
    Exercise(
        name="rnn_step", chapter="rnn_basics",
        summary="one tanh RNN step, NumPy",
        arguments=("x_t", "h_prev", "W_xh", "W_hh", "b"), outputs=("h",), returns="array",
        framework="numpy", reference=_rnn_step_reference,
        cases=(Case("small", "a batch of 3, I = 4, H = 5", _rnn_step_inputs(3, 4, 5)),
               Case("batch_of_one", "a batch of one sequence", _rnn_step_inputs(1, 3, 6)),
               Case("wide_input", "more input features than hidden units (I = 9, H = 2)",
                    _rnn_step_inputs(4, 9, 2)),
               Case("saturated", "large inputs that saturate tanh", _rnn_step_inputs(5, 3, 4, scale=8.0)))),
    Exercise(
        name="step_backward", chapter="bptt",
        summary="one step of BPTT, NumPy",
        arguments=("dh", "h", "h_prev", "x_t", "W_xh", "W_hh"),
        outputs=("x", "h_prev", "W_xh", "W_hh", "b"), returns="dict",
        framework="numpy", reference=_step_backward_reference,
        cases=(Case("small", "a batch of 2, I = 3, H = 4", _step_backward_inputs(2, 3, 4)),
               Case("batch_of_one", "a batch of one sequence", _step_backward_inputs(1, 5, 3)),
               Case("batch_sum", "a batch of 16, where the weight gradients sum over the batch",
                    _step_backward_inputs(16, 4, 6)),
               Case("saturated", "saturated units, where tanh' is near 0",
                    _step_backward_inputs(3, 4, 5, scale=8.0)))),
    Exercise(
        name="lstm_step", chapter="lstm",
        summary="one LSTM step, PyTorch, gradients checked too",
        arguments=("x_t", "h_prev", "C_prev", "W", "b"), outputs=("h", "C"), returns="tuple",
        framework="torch", reference=_lstm_step_reference,
        cases=(Case("small", "a batch of 2, I = 3, H = 4", _lstm_step_inputs(2, 3, 4)),
               Case("batch_of_one", "a batch of one sequence", _lstm_step_inputs(1, 5, 3)),
               Case("wide_input", "more input features than hidden units (I = 7, H = 2)",
                    _lstm_step_inputs(3, 7, 2)),
               Case("gradients", "gradients with respect to every argument, by autograd",
                    _lstm_step_inputs(3, 4, 5), points=2, gradients=True))),
    Exercise(
        name="gru_step", chapter="gru",
        summary="one GRU step, PyTorch",
        arguments=("x_t", "h_prev", "W_x", "W_h", "b_x", "b_h"), outputs=("h",), returns="array",
        framework="torch", reference=_gru_step_reference,
        cases=(Case("small", "a batch of 2, I = 3, H = 4", _gru_step_inputs(2, 3, 4)),
               Case("batch_of_one", "a batch of one sequence", _gru_step_inputs(1, 5, 3)),
               Case("reset_inside", "large recurrent weights, where applying the reset gate "
                    "before or after the product differs most", _gru_step_inputs(3, 4, 5, scale=3.0)),
               Case("gradients", "gradients with respect to every argument, by autograd",
                    _gru_step_inputs(3, 4, 5), points=2, gradients=True))),
    Exercise(
        name="attention_weights", chapter="seq2seq", summary="additive attention weights over a padded input, PyTorch",
        arguments=("query", "keys", "mask", "W_q", "W_k", "b", "v"), outputs=("weights",),
        returns="array", framework="torch", reference=_attention_weights_reference,
        cases=(Case("no_padding", "a batch of 2 full-length sources", _attention_inputs(2, 5, 3, 4, 6, padded=False)),
               Case("padding", "sources of different lengths: padded positions must get weight 0",
                    _attention_inputs(4, 7, 3, 5, 4)),
               Case("one_position", "a source of length 1 (all weight on it)", _attention_inputs(3, 1, 2, 3, 4)),
               Case("gradients", "gradients with respect to every argument, by autograd",
                    _attention_inputs(3, 6, 4, 3, 5), points=2, gradients=True))),
    Exercise(
        name="causal_conv", chapter="cnn_vs_rnn",
        summary="a causal 1-D convolution, NumPy",
        arguments=("x", "w", "b"), outputs=("y",), returns="array",
        framework="numpy", reference=_causal_conv_reference,
        cases=(Case("small", "a batch of 2, 9 steps, 3 channels in, 4 out, 2 taps",
                    _causal_conv_inputs(2, 9, 3, 4, 2)),
               Case("short", "a sequence shorter than the kernel's reach (T = 3, 3 taps)",
                    _causal_conv_inputs(2, 3, 2, 2, 3)),
               Case("one_tap", "a single tap: a per-step linear map",
                    _causal_conv_inputs(3, 6, 4, 2, 1)),
               Case("long", "40 steps, 4 taps", _causal_conv_inputs(2, 40, 3, 5, 4), points=2))),
    Exercise(
        name="linear_scan", chapter="parallel_scan",
        summary="the linear recurrence h_t = a_t h_{t-1} + b_t without a loop, NumPy",
        arguments=("a", "b"), outputs=("h",), returns="array",
        framework="numpy", reference=_linear_scan_reference,
        cases=(Case("small", "a batch of 2, 6 steps, 3 units", _linear_scan_inputs(2, 6, 3)),
               Case("one_step", "a single step: h_1 = b_1", _linear_scan_inputs(3, 1, 4)),
               Case("longer", "20 steps", _linear_scan_inputs(2, 20, 5), points=2))),
    Exercise(
        name="temperature_softmax", chapter="text",
        summary="a stable softmax at a temperature, NumPy",
        arguments=("logits", "temperature"), outputs=("probabilities",), returns="array",
        framework="numpy", reference=_temperature_softmax_reference,
        cases=(Case("plain", "temperature 1: the ordinary softmax", _temperature_inputs(3, 7, 1.0)),
               Case("hot", "temperature 2.5 flattens the distribution", _temperature_inputs(2, 5, 2.5)),
               Case("cold", "temperature 0.3 sharpens it", _temperature_inputs(4, 6, 0.3)),
               Case("overflow", "logits in the hundreds at temperature 0.05 (subtract the maximum)",
                    _temperature_inputs(2, 5, 0.05, scale=300.0), points=2))),
    Exercise(
        name="seasonal_naive", chapter="time_series",
        summary="the seasonal-naive forecast, NumPy",
        arguments=("history", "season", "horizon"), outputs=("forecast",), returns="array",
        framework="numpy", reference=_seasonal_naive_reference,
        cases=(Case("monthly", "season 12, horizon 12", _seasonal_naive_inputs(3, 30, 12, 12)),
               Case("short_horizon", "season 12, horizon 3", _seasonal_naive_inputs(2, 24, 12, 3)),
               Case("weekly", "season 7, horizon 5", _seasonal_naive_inputs(4, 7, 7, 5)),
               Case("one_step", "season 1: the naive forecast", _seasonal_naive_inputs(2, 5, 1, 1)))),
    Exercise(
        name="ctc_keep", chapter="speech",
        summary="which frames of a CTC path survive the collapse, NumPy",
        arguments=("path",), outputs=("keep",), returns="array",
        framework="numpy", reference=_ctc_keep_reference,
        cases=(Case("mixed", "blanks and runs of repeated symbols", _ctc_keep_inputs(3, 12, 5, 0.4, 0.4)),
               Case("no_blanks", "no blank at all: only repeats merge", _ctc_keep_inputs(2, 9, 4, 0.0, 0.5)),
               Case("all_blank", "nothing but blanks: nothing is kept", _ctc_keep_inputs(2, 6, 3, 1.0, 0.0)),
               Case("repeat_after_blank", "a symbol repeated across a blank counts twice",
                    _ctc_keep_inputs(4, 20, 2, 0.5, 0.3), points=2))),
    Exercise(
        name="ctc_alpha_step", chapter="speech",
        summary="one step of CTC's forward recursion in log space, NumPy",
        arguments=("log_alpha", "log_emit", "skip"), outputs=("log_alpha_next",), returns="array",
        framework="numpy", reference=_ctc_alpha_step_reference,
        cases=(Case("small", "a batch of 2, transcripts of 3 labels", _ctc_alpha_inputs(2, 3)),
               Case("one_label", "a transcript of one label (L = 3)", _ctc_alpha_inputs(3, 1)),
               Case("first_frames", "right after the first frame: most positions unreachable",
                    _ctc_alpha_inputs(2, 4, first_frame=True)),
               Case("long", "transcripts of 8 labels, with repeats", _ctc_alpha_inputs(2, 8), points=2))),
    Exercise(
        name="dropout_mask", chapter="deep_rnns",
        summary="a variational dropout mask, NumPy",
        arguments=("uniform", "p"), outputs=("mask",), returns="array",
        framework="numpy", reference=deep_rnns.variational_mask_reference,
        cases=(Case("small", "4 sequences, 6 features, p = 0.3", deep_rnns.variational_mask_inputs(4, 6, 0.3)),
               Case("half", "p = 0.5: kept features are doubled", deep_rnns.variational_mask_inputs(3, 10, 0.5)),
               Case("none", "p = 0: nothing dropped, nothing rescaled", deep_rnns.variational_mask_inputs(2, 5, 0.0)))),
    Exercise(
        name="truncated_gradient", chapter="deep_rnns",
        summary="stateful truncated BPTT's summed gradient and final state, PyTorch",
        arguments=("x", "h0", "W_xh", "W_hh", "b", "readout"), outputs=("dW_hh", "h_T"),
        returns="tuple", framework="torch", reference=deep_rnns.truncated_gradient_reference,
        cases=(Case("two_chunks", "T = 8: two chunks of 4", deep_rnns.truncated_gradient_inputs(2, 8, 3, 4)),
               Case("ragged", "T = 10: the last chunk has 2 steps", deep_rnns.truncated_gradient_inputs(3, 10, 2, 5)),
               Case("one_chunk", "T = 3, shorter than a chunk: full BPTT",
                    deep_rnns.truncated_gradient_inputs(2, 3, 2, 3)),
               Case("long", "T = 21, six chunks", deep_rnns.truncated_gradient_inputs(2, 21, 3, 6), points=2))),
    Exercise(
        name="sample_with_temperature", chapter="music",
        summary="inverse-transform sampling at a temperature, NumPy",
        arguments=("logits", "temperature", "uniform"), outputs=("symbols",), returns="array",
        framework="numpy", reference=music.temperature_sample_reference,
        cases=(Case("plain", "temperature 1: the model's own distribution", music.temperature_sample_inputs(6, 9, 1.0)),
               Case("cold", "temperature 0.3: nearly always the most likely symbol",
                    music.temperature_sample_inputs(8, 12, 0.3)),
               Case("hot", "temperature 2: flatter", music.temperature_sample_inputs(5, 7, 2.0)),
               Case("overflow", "logits in the hundreds (subtract the maximum)",
                    music.temperature_sample_inputs(4, 10, 0.5, scale=300.0), points=2))),
    Exercise(
        name="mean_over_words", chapter="applications",
        summary="the mean over each sequence's real steps, NumPy",
        arguments=("outputs", "lengths"), outputs=("pooled",), returns="array",
        framework="numpy", reference=applications.masked_mean_reference,
        cases=(Case("ragged", "5 reviews of 1 to 9 words", applications.masked_mean_inputs(5, 9, 4)),
               Case("full", "no padding at all: the plain mean", applications.masked_mean_inputs(3, 6, 2, full=True)),
               Case("one_word", "a review of one word is that word's output",
                    applications.masked_mean_inputs(4, 1, 3)),
               Case("garbage", "padded steps hold large numbers: they must count for nothing",
                    applications.masked_mean_inputs(6, 12, 5, garbage=100.0), points=2))),
    Exercise(
        name="many_to_one_logits", chapter="rnn_basics",
        summary="a whole many-to-one classifier over a padded batch, NumPy (putting it together)",
        arguments=("x", "lengths", "W_xh", "W_hh", "b", "W_hy", "b_y"), outputs=("logits",),
        returns="array", framework="numpy", reference=foundations.many_to_one_logits_reference,
        cases=(Case("full", "no padding: every sequence as long as the batch",
                    foundations.many_to_one_inputs(3, 5, 2, 4, 3, full=True)),
               Case("padded", "sequences of 1 to 8 steps, noise in the padding",
                    foundations.many_to_one_inputs(5, 8, 3, 6, 2), points=2),
               Case("length_one", "a batch where one sequence has a single step",
                    foundations.many_to_one_inputs(4, 6, 2, 3, 4)))),
    Exercise(
        name="softmax_bptt", chapter="bptt",
        summary="BPTT of a whole sequence under a softmax read-out, NumPy (putting it together)",
        arguments=("x", "h0", "W_xh", "W_hh", "b", "W_hy", "b_y", "targets"),
        outputs=("W_xh", "W_hh", "b", "W_hy", "b_y"), returns="dict",
        framework="numpy", reference=foundations.softmax_bptt_reference,
        cases=(Case("small", "a batch of 2, 4 steps, 3 classes", foundations.softmax_bptt_inputs(2, 4, 3, 5, 3)),
               Case("one_step", "a single step: no gradient through time yet",
                    foundations.softmax_bptt_inputs(3, 1, 2, 4, 5)),
               Case("long", "12 steps with a strong recurrence", foundations.softmax_bptt_inputs(2, 12, 3, 4, 4,
                                                                                             scale=1.5), points=2))),
    Exercise(
        name="lstm_step_backward", chapter="lstm",
        summary="the backward pass of one LSTM step, every input and weight, NumPy",
        arguments=("dh", "dC", "x_t", "h_prev", "C_prev", "W", "b"),
        outputs=("x_t", "h_prev", "C_prev", "W", "b"), returns="dict",
        framework="numpy", reference=foundations.lstm_step_backward_reference,
        cases=(Case("small", "a batch of 2, I = 3, H = 4", foundations.lstm_step_backward_inputs(2, 3, 4)),
               Case("batch_of_one", "a batch of one sequence", foundations.lstm_step_backward_inputs(1, 5, 3)),
               Case("batch_sum", "a batch of 16: the weight gradients sum over it",
                    foundations.lstm_step_backward_inputs(16, 4, 6)),
               Case("saturated", "large weights and cell states: gates near 0 and 1",
                    foundations.lstm_step_backward_inputs(3, 4, 5, scale=4.0), points=2))),
    Exercise(
        name="masked_softmax", chapter="seq2seq",
        summary="a softmax over the real positions only, NumPy (debugging: the mask applied too late)",
        arguments=("scores", "mask"), outputs=("weights",), returns="array",
        framework="numpy", reference=foundations.masked_softmax_reference,
        cases=(Case("padded", "rows with 1 to 7 real positions", foundations.masked_softmax_inputs(5, 7), points=2),
               Case("full", "no padding at all: the plain softmax", foundations.masked_softmax_inputs(3, 4, full=True)),
               Case("large_scores", "scores in the hundreds (subtract the maximum of the real ones)",
                    foundations.masked_softmax_inputs(4, 6, scale=300.0)))),
    Exercise(
        name="log_depth_scan", chapter="parallel_scan",
        summary="the linear recurrence in log depth, by the associative operator, NumPy (putting it together)",
        arguments=("a", "b"), outputs=("h",), returns="array",
        framework="numpy", reference=_linear_scan_reference,
        cases=(Case("power_of_two", "8 steps: three rounds", _linear_scan_inputs(2, 8, 3)),
               Case("ragged", "13 steps, not a power of two", _linear_scan_inputs(3, 13, 2), points=2),
               Case("one_step", "a single step", _linear_scan_inputs(2, 1, 4)))),
)}


def chapter_exercises(chapter: str) -> list[Exercise]:
    """The auto-graded exercises of one chapter id, in the order the chapter poses them.

    Raises:
        ValueError: if the chapter has none (the message lists the chapters that do).
    """
    found = [ex for ex in EXERCISES.values() if ex.chapter == chapter]
    if not found:
        known = sorted({ex.chapter for ex in EXERCISES.values()})
        raise ValueError(f"no auto-graded exercises for chapter {chapter!r}; chapters with exercises: {known}")
    return found
