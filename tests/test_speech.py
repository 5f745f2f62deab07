"""companion.applications.speech: batching for CTC, the recogniser, decoding and the error rate."""
import numpy as np
import pytest
import torch

from companion.applications.speech import (SYMBOLS, Recogniser, ctc_batch, digit_error_rate,
                                           edit_distance, standardiser, transcribe)
from companion.ctc import ctc_loss


def test_edit_distance_and_error_rate_by_hand():
    assert edit_distance([1, 2, 3], [1, 2, 3]) == 0
    assert edit_distance([1, 3], [1, 2, 3]) == 1          # a deletion
    assert edit_distance([4, 2, 3, 9], [1, 2, 3]) == 2    # a substitution and an insertion
    assert edit_distance([], [5, 5]) == 2
    assert digit_error_rate([[1, 3], [7]], [[1, 2, 3], [7]]) == pytest.approx(1 / 4)
    with pytest.raises(ValueError, match="hypotheses"):
        digit_error_rate([[1]], [[1], [2]])


def test_ctc_batch_shifts_digits_past_the_blank_and_pads():
    x, input_lengths, targets, target_lengths = ctc_batch(
        [np.ones((4, 13)), np.zeros((2, 13))], [[0, 9], [3]])
    assert x.shape == (2, 4, 13) and input_lengths.tolist() == [4, 2]
    assert targets.tolist() == [[1, 10], [4, 0]] and target_lengths.tolist() == [2, 1]


def test_standardiser_uses_only_the_given_recordings():
    frames = [np.full((3, 2), 1.0), np.full((2, 2), 3.0), np.full((5, 2), 100.0)]
    mean, std = standardiser(frames, [0, 1])
    assert np.allclose(mean, (3 * 1 + 2 * 3) / 5) and std.shape == (2,)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_recogniser_gives_log_probabilities_and_ignores_padding(bidirectional):
    torch.manual_seed(0)
    model = Recogniser(13, 8, layers=2, bidirectional=bidirectional).eval()
    x, lengths = torch.randn(3, 7, 13), torch.tensor([7, 4, 1])
    log_probs = model(x, lengths)
    assert log_probs.shape == (3, 7, SYMBOLS)
    torch.testing.assert_close(log_probs.exp().sum(2), torch.ones(3, 7))
    alone = model(x[1:2, :4], lengths[1:2])
    torch.testing.assert_close(log_probs[1, :4], alone[0])
    loss = ctc_loss(log_probs, torch.tensor([[1, 2], [3, 0], [4, 0]]), lengths, [2, 1, 1])
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_transcribe_greedy_and_beam_agree_on_a_confident_model():
    torch.manual_seed(1)
    model = Recogniser(13, 8, layers=1)
    with torch.no_grad():  # a model that always says digit 4 (symbol 5), very confidently
        model.out.weight.zero_()
        model.out.bias.fill_(-20.0)
        model.out.bias[5] = 20.0
    x, lengths = torch.randn(2, 5, 13), torch.tensor([5, 3])
    assert transcribe(model, x, lengths) == [[4], [4]]
    assert transcribe(model, x, lengths, beam=4) == [[4], [4]]


def test_the_committed_weights_score_what_their_record_says():
    """The chapter quotes benchmarks/results/speech_pretrain.json: the weights it loads must be
    the ones that record describes (scored again here on the record's validation strings)."""
    from benchmarks.records import RECORDS, load_record
    from benchmarks.speech_pretrain import RECIPE
    from companion.applications.speech import load_recognisers
    from companion.data import spoken_digits as sd

    record = load_record("speech_pretrain")
    models, settings = load_recognisers(RECORDS / "speech_weights.pt")
    assert settings == record["settings"]["models"] and set(models) == set(record["results"])
    frames, digits = sd.recordings()
    parts = sd.split(digits, tuple(RECIPE["split"]), seed=RECIPE["split_seed"])
    mean, std = standardiser(frames, parts["train"])
    scaled = [(f - mean) / std for f in frames]
    val = sd.digit_strings(scaled, digits, parts["val"], RECIPE["validation_strings"], seed=10**6)
    x, lengths, _, _ = ctc_batch(*val)
    for name, model in models.items():
        rate = digit_error_rate(transcribe(model, x, lengths), val[1])
        # one digit either way, for float differences between CPUs
        assert abs(rate - record["results"][name]["val_digit_error_rate"]) <= 0.002, name
