"""companion.ctc against torch.nn.CTCLoss and against brute force over every frame path."""
import itertools
import math
from collections import defaultdict

import pytest
import torch
from torch.nn import functional as F

from companion.ctc import (LOG_ZERO, collapse, ctc_log_alpha, ctc_loss, extend_with_blanks,
                           greedy_decode, prefix_beam_search)


def test_collapse_merges_repeats_then_drops_blanks():
    assert collapse([1, 1, 0, 1, 2, 2, 0]) == [1, 1, 2]
    assert collapse(torch.tensor([0, 0, 3, 3, 3, 0])) == [3]
    assert collapse([]) == [] and collapse([0, 0]) == []
    assert extend_with_blanks(torch.tensor([[4, 5]])).tolist() == [[0, 4, 0, 5, 0]]


def _batch(seed, B=4, T=9, C=5, S=4, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, T, C, generator=g, dtype=dtype)
    targets = torch.randint(1, C, (B, S), generator=g)
    targets[0, :2] = 2  # a repeated label: the lattice may not skip the blank between them
    input_lengths = torch.tensor([T, T - 2, 5, T])[:B]
    target_lengths = torch.tensor([S, 3, 2, 0])[:B]  # an empty transcript too
    return logits, targets, input_lengths, target_lengths


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_loss_and_gradient_equal_torch(reduction, dtype):
    logits, targets, input_lengths, target_lengths = _batch(0, dtype=dtype)
    ours_logits, ref_logits = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    ours = ctc_loss(ours_logits.log_softmax(2), targets, input_lengths, target_lengths,
                    reduction=reduction)
    # torch's backward assumes a log_softmax in the graph: compare gradients of the logits
    reference = F.ctc_loss(ref_logits.log_softmax(2).transpose(0, 1), targets, input_lengths,
                           target_lengths, reduction=reduction)
    tolerance = 1e-10 if dtype == torch.float64 else 1e-4
    assert (ours - reference).abs().max() <= tolerance
    ours.sum().backward()
    reference.sum().backward()
    assert (ours_logits.grad - ref_logits.grad).abs().max() <= tolerance


def _brute_force(log_probs, blank=0):
    """Every frame path of one sequence: transcript -> total probability."""
    T, C = log_probs.shape
    totals = defaultdict(float)
    for path in itertools.product(range(C), repeat=T):
        totals[tuple(collapse(list(path), blank))] += math.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return totals


def test_loss_is_minus_log_of_the_sum_over_every_path():
    torch.manual_seed(1)
    log_probs = torch.randn(1, 5, 3, dtype=torch.float64).log_softmax(2)
    totals = _brute_force(log_probs[0].tolist() and log_probs[0])
    for transcript in ([1], [1, 1], [2, 1], [1, 2, 1], []):
        targets = torch.tensor([transcript or [1]])
        loss = ctc_loss(log_probs, targets, [5], [len(transcript)], reduction="none")
        assert math.isclose(loss.item(), -math.log(totals[tuple(transcript)]), rel_tol=1e-10)
    assert math.isclose(sum(totals.values()), 1.0, rel_tol=1e-10)


def test_impossible_transcripts_and_the_lattice_bookkeeping():
    log_probs = torch.zeros(1, 2, 3).log_softmax(2)
    # [1, 1] needs 3 frames (a blank between the two 1s): two frames cannot produce it
    assert ctc_loss(log_probs, torch.tensor([[1, 1]]), [2], [2], reduction="none").item() > 1e29
    alpha = ctc_log_alpha(log_probs, torch.tensor([[1, 2]]), [2], [2])
    assert alpha.shape == (1, 2, 5)
    assert (alpha[0, 0, 2:] == LOG_ZERO).all()  # after one frame only the first two cells


def test_frames_after_the_input_length_are_ignored():
    logits, targets, input_lengths, target_lengths = _batch(2)
    changed = logits.clone()
    changed[1, input_lengths[1]:] += 100.0
    a = ctc_loss(logits.log_softmax(2), targets, input_lengths, target_lengths, reduction="none")
    b = ctc_loss(changed.log_softmax(2), targets, input_lengths, target_lengths, reduction="none")
    torch.testing.assert_close(a, b)


def test_beam_search_finds_the_most_probable_transcript_and_beam_one_is_greedy_on_peaky_frames():
    torch.manual_seed(3)
    log_probs = torch.randn(5, 3, dtype=torch.float64).log_softmax(1)
    totals = _brute_force(log_probs)
    best = max(totals, key=totals.get)
    (found, log_p), *_ = prefix_beam_search(log_probs, beam=50)
    assert tuple(found) == best and math.isclose(log_p, math.log(totals[best]), rel_tol=1e-9)
    # frames as a trained recogniser gives them: one symbol far more likely than the rest
    path = torch.tensor([0, 2, 2, 0, 1, 1, 0, 0, 1, 3])
    peaky = (F.one_hot(path, 4).double() * 8.0).log_softmax(1)
    assert greedy_decode(peaky.unsqueeze(0)) == [[2, 1, 1, 3]]
    assert prefix_beam_search(peaky, beam=1)[0][0] == greedy_decode(peaky.unsqueeze(0))[0]


def test_bad_input_names_the_expected_shape():
    log_probs = torch.zeros(2, 4, 3)
    with pytest.raises(ValueError, match=r"log_probs must be a float tensor of shape \(B, T, C\)"):
        ctc_loss(log_probs[0], torch.ones(2, 1, dtype=torch.int64), [4, 4], [1, 1])
    with pytest.raises(ValueError, match=r"targets must be an int64 tensor of shape \(B, S\) = \(2, S\)"):
        ctc_loss(log_probs, torch.ones(2, 1), [4, 4], [1, 1])
    with pytest.raises(ValueError, match=r"every input_lengths must lie in 1..4"):
        ctc_loss(log_probs, torch.ones(2, 1, dtype=torch.int64), [5, 4], [1, 1])
    with pytest.raises(ValueError, match=r"every target_lengths must lie in 0..1"):
        ctc_loss(log_probs, torch.ones(2, 1, dtype=torch.int64), [4, 4], [2, 1])
    with pytest.raises(ValueError, match=r"target ids must lie in 0..C-1 = 0..2"):
        ctc_loss(log_probs, torch.full((2, 1), 3), [4, 4], [1, 1])
    with pytest.raises(ValueError, match="reduction"):
        ctc_loss(log_probs, torch.ones(2, 1, dtype=torch.int64), [4, 4], [1, 1], reduction="avg")
    with pytest.raises(ValueError, match="beam must be >= 1"):
        prefix_beam_search(log_probs[0], beam=0)


def test_the_exercise_references_equal_independent_formulas():
    """Chapter 11's auto-graded exercises: the references against plain loops."""
    import numpy as np

    from companion.exercises import EXERCISES

    rng = np.random.default_rng(0)
    for case in EXERCISES["ctc_keep"].cases:
        path = case.make_inputs(rng)["path"]
        keep = EXERCISES["ctc_keep"].reference(path)
        for row, kept in zip(path.astype(int), keep):
            assert [int(s) for s in row[kept == 1]] == collapse(list(row))
    for case in EXERCISES["ctc_alpha_step"].cases:
        inputs = case.make_inputs(rng)
        got = EXERCISES["ctc_alpha_step"].reference(**inputs)
        a, emit, skip = inputs["log_alpha"], inputs["log_emit"], inputs["skip"]
        for b in range(a.shape[0]):
            for s in range(a.shape[1]):
                terms = [a[b, s]] + ([a[b, s - 1]] if s >= 1 else []) + \
                        ([a[b, s - 2]] if s >= 2 and skip[b, s] else [])
                expected = max(np.logaddexp.reduce(terms) + emit[b, s], LOG_ZERO)
                assert math.isclose(got[b, s], expected, rel_tol=1e-12)
