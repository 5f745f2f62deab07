"""The auto-graded exercises: what each function must compute, and the tests that decide it.

An exercise in a chapter is a function with a fixed name and signature in a code cell tagged
``exercise``. This module is the registry: for each exercise, a reference implementation built on
the companion's own code and a list of test cases whose inputs are drawn at random when the test
runs (the references and input makers live in one module per group of chapters beside this one).
The learner's :func:`companion.exercises.check.check_exercise` and the instructor's grader
(:mod:`companion.grading`) both call the function under test through
:func:`companion.grading.protocol.run_case` and judge the result with :func:`compare`, so a check
that passes at home passes in the gradebook, on inputs the learner has never seen.
"""
from __future__ import annotations

from companion.exercises import applications, deep_rnns, foundations, music, steps
from companion.exercises.foundations import LSTM_EXERCISE_GATES
from companion.exercises.steps import CAUSAL_CONV_DILATION
from companion.exercises.types import Case, Exercise, Inputs, compare

__all__ = ["Case", "Exercise", "Inputs", "compare", "EXERCISES", "chapter_exercises",
           "LSTM_EXERCISE_GATES", "CAUSAL_CONV_DILATION"]


EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in (
    Exercise(
        name="rnn_step", chapter="rnn_basics",
        summary="one tanh RNN step, NumPy",
        arguments=("x_t", "h_prev", "W_xh", "W_hh", "b"), outputs=("h",), returns="array",
        framework="numpy", reference=steps.rnn_step_reference,
        cases=(Case("small", "a batch of 3, I = 4, H = 5", steps.rnn_step_inputs(3, 4, 5)),
               Case("batch_of_one", "a batch of one sequence", steps.rnn_step_inputs(1, 3, 6)),
               Case("wide_input", "more input features than hidden units (I = 9, H = 2)",
                    steps.rnn_step_inputs(4, 9, 2)),
               Case("saturated", "large inputs that saturate tanh", steps.rnn_step_inputs(5, 3, 4, scale=8.0)))),
    Exercise(
        name="step_backward", chapter="bptt",
        summary="one step of BPTT, NumPy",
        arguments=("dh", "h", "h_prev", "x_t", "W_xh", "W_hh"),
        outputs=("x", "h_prev", "W_xh", "W_hh", "b"), returns="dict",
        framework="numpy", reference=steps.step_backward_reference,
        cases=(Case("small", "a batch of 2, I = 3, H = 4", steps.step_backward_inputs(2, 3, 4)),
               Case("batch_of_one", "a batch of one sequence", steps.step_backward_inputs(1, 5, 3)),
               Case("batch_sum", "a batch of 16, where the weight gradients sum over the batch",
                    steps.step_backward_inputs(16, 4, 6)),
               Case("saturated", "saturated units, where tanh' is near 0",
                    steps.step_backward_inputs(3, 4, 5, scale=8.0)))),
    Exercise(
        name="lstm_step", chapter="lstm",
        summary="one LSTM step, PyTorch, gradients checked too",
        arguments=("x_t", "h_prev", "C_prev", "W", "b"), outputs=("h", "C"), returns="tuple",
        framework="torch", reference=steps.lstm_step_reference,
        cases=(Case("small", "a batch of 2, I = 3, H = 4", steps.lstm_step_inputs(2, 3, 4)),
               Case("batch_of_one", "a batch of one sequence", steps.lstm_step_inputs(1, 5, 3)),
               Case("wide_input", "more input features than hidden units (I = 7, H = 2)",
                    steps.lstm_step_inputs(3, 7, 2)),
               Case("gradients", "gradients with respect to every argument, by autograd",
                    steps.lstm_step_inputs(3, 4, 5), points=2, gradients=True))),
    Exercise(
        name="gru_step", chapter="gru",
        summary="one GRU step, PyTorch",
        arguments=("x_t", "h_prev", "W_x", "W_h", "b_x", "b_h"), outputs=("h",), returns="array",
        framework="torch", reference=steps.gru_step_reference,
        cases=(Case("small", "a batch of 2, I = 3, H = 4", steps.gru_step_inputs(2, 3, 4)),
               Case("batch_of_one", "a batch of one sequence", steps.gru_step_inputs(1, 5, 3)),
               Case("reset_inside", "large recurrent weights, where applying the reset gate "
                    "before or after the product differs most", steps.gru_step_inputs(3, 4, 5, scale=3.0)),
               Case("gradients", "gradients with respect to every argument, by autograd",
                    steps.gru_step_inputs(3, 4, 5), points=2, gradients=True))),
    Exercise(
        name="attention_weights", chapter="seq2seq", summary="additive attention weights over a padded input, PyTorch",
        arguments=("query", "keys", "mask", "W_q", "W_k", "b", "v"), outputs=("weights",),
        returns="array", framework="torch", reference=steps.attention_weights_reference,
        cases=(Case("no_padding", "a batch of 2 full-length sources",
                    steps.attention_inputs(2, 5, 3, 4, 6, padded=False)),
               Case("padding", "sources of different lengths: padded positions must get weight 0",
                    steps.attention_inputs(4, 7, 3, 5, 4)),
               Case("one_position", "a source of length 1 (all weight on it)", steps.attention_inputs(3, 1, 2, 3, 4)),
               Case("gradients", "gradients with respect to every argument, by autograd",
                    steps.attention_inputs(3, 6, 4, 3, 5), points=2, gradients=True))),
    Exercise(
        name="causal_conv", chapter="cnn_vs_rnn",
        summary="a causal 1-D convolution, NumPy",
        arguments=("x", "w", "b"), outputs=("y",), returns="array",
        framework="numpy", reference=steps.causal_conv_reference,
        cases=(Case("small", "a batch of 2, 9 steps, 3 channels in, 4 out, 2 taps",
                    steps.causal_conv_inputs(2, 9, 3, 4, 2)),
               Case("short", "a sequence shorter than the kernel's reach (T = 3, 3 taps)",
                    steps.causal_conv_inputs(2, 3, 2, 2, 3)),
               Case("one_tap", "a single tap: a per-step linear map",
                    steps.causal_conv_inputs(3, 6, 4, 2, 1)),
               Case("long", "40 steps, 4 taps", steps.causal_conv_inputs(2, 40, 3, 5, 4), points=2))),
    Exercise(
        name="linear_scan", chapter="parallel_scan",
        summary="the linear recurrence h_t = a_t h_{t-1} + b_t without a loop, NumPy",
        arguments=("a", "b"), outputs=("h",), returns="array",
        framework="numpy", reference=steps.linear_scan_reference,
        cases=(Case("small", "a batch of 2, 6 steps, 3 units", steps.linear_scan_inputs(2, 6, 3)),
               Case("one_step", "a single step: h_1 = b_1", steps.linear_scan_inputs(3, 1, 4)),
               Case("longer", "20 steps", steps.linear_scan_inputs(2, 20, 5), points=2))),
    Exercise(
        name="temperature_softmax", chapter="text",
        summary="a stable softmax at a temperature, NumPy",
        arguments=("logits", "temperature"), outputs=("probabilities",), returns="array",
        framework="numpy", reference=steps.temperature_softmax_reference,
        cases=(Case("plain", "temperature 1: the ordinary softmax", steps.temperature_inputs(3, 7, 1.0)),
               Case("hot", "temperature 2.5 flattens the distribution", steps.temperature_inputs(2, 5, 2.5)),
               Case("cold", "temperature 0.3 sharpens it", steps.temperature_inputs(4, 6, 0.3)),
               Case("overflow", "logits in the hundreds at temperature 0.05 (subtract the maximum)",
                    steps.temperature_inputs(2, 5, 0.05, scale=300.0), points=2))),
    Exercise(
        name="seasonal_naive", chapter="time_series",
        summary="the seasonal-naive forecast, NumPy",
        arguments=("history", "season", "horizon"), outputs=("forecast",), returns="array",
        framework="numpy", reference=steps.seasonal_naive_reference,
        cases=(Case("monthly", "season 12, horizon 12", steps.seasonal_naive_inputs(3, 30, 12, 12)),
               Case("short_horizon", "season 12, horizon 3", steps.seasonal_naive_inputs(2, 24, 12, 3)),
               Case("weekly", "season 7, horizon 5", steps.seasonal_naive_inputs(4, 7, 7, 5)),
               Case("one_step", "season 1: the naive forecast", steps.seasonal_naive_inputs(2, 5, 1, 1)))),
    Exercise(
        name="ctc_keep", chapter="speech",
        summary="which frames of a CTC path survive the collapse, NumPy",
        arguments=("path",), outputs=("keep",), returns="array",
        framework="numpy", reference=steps.ctc_keep_reference,
        cases=(Case("mixed", "blanks and runs of repeated symbols", steps.ctc_keep_inputs(3, 12, 5, 0.4, 0.4)),
               Case("no_blanks", "no blank at all: only repeats merge", steps.ctc_keep_inputs(2, 9, 4, 0.0, 0.5)),
               Case("all_blank", "nothing but blanks: nothing is kept", steps.ctc_keep_inputs(2, 6, 3, 1.0, 0.0)),
               Case("repeat_after_blank", "a symbol repeated across a blank counts twice",
                    steps.ctc_keep_inputs(4, 20, 2, 0.5, 0.3), points=2))),
    Exercise(
        name="ctc_alpha_step", chapter="speech",
        summary="one step of CTC's forward recursion in log space, NumPy",
        arguments=("log_alpha", "log_emit", "skip"), outputs=("log_alpha_next",), returns="array",
        framework="numpy", reference=steps.ctc_alpha_step_reference,
        cases=(Case("small", "a batch of 2, transcripts of 3 labels", steps.ctc_alpha_inputs(2, 3)),
               Case("one_label", "a transcript of one label (L = 3)", steps.ctc_alpha_inputs(3, 1)),
               Case("first_frames", "right after the first frame: most positions unreachable",
                    steps.ctc_alpha_inputs(2, 4, first_frame=True)),
               Case("long", "transcripts of 8 labels, with repeats", steps.ctc_alpha_inputs(2, 8), points=2))),
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
        framework="numpy", reference=steps.linear_scan_reference,
        cases=(Case("power_of_two", "8 steps: three rounds", steps.linear_scan_inputs(2, 8, 3)),
               Case("ragged", "13 steps, not a power of two", steps.linear_scan_inputs(3, 13, 2), points=2),
               Case("one_step", "a single step", steps.linear_scan_inputs(2, 1, 4)))),
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
