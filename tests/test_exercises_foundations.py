"""companion.exercises.foundations: each reference against an independent computation."""
import numpy as np
import torch

from companion.bptt import rnn_backward, rnn_forward
from companion.exercises import EXERCISES
from companion.exercises import foundations as f


def _draw(make, seed=0):
    return make(np.random.default_rng(seed))


def test_many_to_one_reads_each_sequence_alone_and_not_the_padding():
    inputs = _draw(f.many_to_one_inputs(5, 8, 3, 6, 2))
    got = f.many_to_one_logits_reference(**inputs)
    lengths = inputs["lengths"].astype(int)
    for row, length in enumerate(lengths):
        alone = inputs["x"][row:row + 1, :length]
        hs, _ = rnn_forward(alone, np.zeros((1, 6)), inputs["W_xh"], inputs["W_hh"], inputs["b"])
        np.testing.assert_allclose(got[row], hs[0, -1] @ inputs["W_hy"] + inputs["b_y"], rtol=1e-12)
    hs, _ = rnn_forward(inputs["x"], np.zeros((5, 6)), inputs["W_xh"], inputs["W_hh"], inputs["b"])
    padded_only = hs[:, -1] @ inputs["W_hy"] + inputs["b_y"]   # the planted bug: read the last column
    assert np.abs(padded_only - got)[lengths < 8].min() > 1e-3


def test_softmax_bptt_equals_the_hand_bptt_of_chapter_2():
    inputs = _draw(f.softmax_bptt_inputs(3, 6, 2, 4, 5))
    got = f.softmax_bptt_reference(**inputs)
    hs, cache = rnn_forward(inputs["x"], inputs["h0"], inputs["W_xh"], inputs["W_hh"], inputs["b"])
    logits = hs @ inputs["W_hy"] + inputs["b_y"]
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    dlogits = p.copy()
    B, T = inputs["targets"].shape
    dlogits[np.arange(B)[:, None], np.arange(T)[None, :], inputs["targets"].astype(int)] -= 1
    dlogits /= B * T                                   # the mean over every step of every sequence
    by_hand = rnn_backward(dlogits @ inputs["W_hy"].T, cache)
    for name in ("W_xh", "W_hh", "b"):
        np.testing.assert_allclose(got[name], by_hand[name], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(got["W_hy"], np.einsum("bth,btv->hv", hs, dlogits), rtol=1e-10)
    np.testing.assert_allclose(got["b_y"], dlogits.sum((0, 1)), rtol=1e-10, atol=1e-14)


def test_lstm_step_backward_is_autograd_through_the_lstm_step_exercise():
    inputs = _draw(f.lstm_step_backward_inputs(3, 4, 5, scale=2.0))
    got = f.lstm_step_backward_reference(**inputs)
    args = {k: torch.tensor(inputs[k], requires_grad=True) for k in ("x_t", "h_prev", "C_prev", "W", "b")}
    h, C = EXERCISES["lstm_step"].reference(**args)
    loss = (h * torch.from_numpy(inputs["dh"])).sum() + (C * torch.from_numpy(inputs["dC"])).sum()
    for name, grad in zip(args, torch.autograd.grad(loss, list(args.values()))):
        np.testing.assert_allclose(got[name], grad.numpy(), rtol=1e-10, atol=1e-13)


def test_masked_softmax_is_the_softmax_of_the_real_positions_and_zero_elsewhere():
    inputs = _draw(f.masked_softmax_inputs(6, 7, scale=50.0))
    got = f.masked_softmax_reference(**inputs)
    for scores, mask, row in zip(inputs["scores"], inputs["mask"], got):
        e = np.exp(scores[mask] - scores[mask].max())
        np.testing.assert_allclose(row[mask], e / e.sum(), rtol=1e-12)
        assert np.all(row[~mask] == 0.0)
    plain = _draw(f.masked_softmax_inputs(6, 7), seed=1)
    softmax_then_mask = np.exp(plain["scores"]) / np.exp(plain["scores"]).sum(-1, keepdims=True)
    softmax_then_mask = softmax_then_mask * plain["mask"]      # the planted bug: rows no longer sum to 1
    assert np.abs(softmax_then_mask.sum(-1) - 1)[~plain["mask"].all(-1)].min() > 1e-3


def test_log_depth_scan_reference_is_the_recurrence():
    exercise = EXERCISES["log_depth_scan"]
    inputs = exercise.cases[1].make_inputs(np.random.default_rng(0))
    assert inputs["a"].shape == (3, 13, 2)
    inputs = {k: v[:2, :, :2].copy() for k, v in inputs.items()}
    got = exercise.reference(**inputs)
    h = np.zeros((2, 2))
    for t in range(13):
        h = inputs["a"][:, t] * h + inputs["b"][:, t]
        np.testing.assert_allclose(got[:, t], h, rtol=1e-12)
