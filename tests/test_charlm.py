"""The character language model: shapes, scoring against an independent computation, sampling,
temperature, and the saved weights the chapter loads."""
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from companion.applications import charlm
from benchmarks.records import RECORDS, load_record


@pytest.fixture
def model():
    torch.manual_seed(0)
    return charlm.CharLM(vocab_size=7, hidden_size=12, embedding_size=5).eval()


def test_forward_shapes_and_errors(model):
    logits, state = model(torch.zeros(3, 9, dtype=torch.int64))
    assert logits.shape == (3, 9, 7) and len(state) == 1 and state[0].shape == (3, 12)
    with pytest.raises(ValueError, match=r"shape \(B, T\)"):
        model(torch.zeros(9, dtype=torch.int64))
    with pytest.raises(ValueError, match="int64"):
        model(torch.zeros(2, 9))
    with pytest.raises(ValueError, match="layer must be one of"):
        charlm.CharLM(7, 12, layer="rnn")
    with pytest.raises(ValueError, match="num_layers"):
        charlm.CharLM(7, 12, num_layers=0)


@pytest.mark.parametrize("layer", ["gru", "lstm"])
def test_log2_probabilities_equal_one_pass_over_the_whole_text(layer):
    torch.manual_seed(1)
    lm = charlm.CharLM(7, 10, 4, layer).eval()
    ids = np.random.default_rng(0).integers(0, 7, size=301)
    got = charlm.log2_probabilities(lm, ids, streams=5, warmup=400)  # warm-up covers everything
    with torch.no_grad():
        logits, _ = lm(torch.from_numpy(ids[None, :-1]))
    want = F.log_softmax(logits[0], -1).gather(-1, torch.from_numpy(ids[1:, None]))[:, 0] / math.log(2)
    assert got.shape == (300,)
    np.testing.assert_allclose(got, want.numpy(), atol=1e-5)
    short = charlm.log2_probabilities(lm, ids, streams=5, warmup=8)
    assert short.shape == (300,) and np.abs(short - got).max() < 2.0


def test_bits_per_char_of_an_untrained_model_is_near_uniform(model):
    ids = np.random.default_rng(0).integers(0, 7, size=500)
    assert charlm.bits_per_char(model, ids) == pytest.approx(math.log2(7), abs=0.3)
    with pytest.raises(ValueError, match="first must lie"):
        charlm.bits_per_char(model, ids, first=0)


def test_tempered_probabilities():
    logits = torch.tensor([[1.0, 2.0, 4.0]])
    assert torch.allclose(charlm.tempered_probabilities(logits, 1.0), F.softmax(logits, -1))
    cold, hot = charlm.tempered_probabilities(logits, 0.1), charlm.tempered_probabilities(logits, 10.0)
    assert cold[0, 2] > 0.99 and hot.max() - hot.min() < 0.2
    assert charlm.tempered_probabilities(logits, 0.0).tolist() == [[0.0, 0.0, 1.0]]
    with pytest.raises(ValueError, match=">= 0"):
        charlm.tempered_probabilities(logits, -1.0)


def test_sampling_is_seeded_and_temperature_zero_is_greedy(model):
    prompt = np.array([1, 2, 3])
    a = charlm.sample(model, prompt, 20, 1.0, seed=3)
    assert a.shape == (20,) and a.dtype == np.int64
    assert np.array_equal(a, charlm.sample(model, prompt, 20, 1.0, seed=3))
    greedy = charlm.sample(model, prompt, 5, 0.0)
    logits, _ = model(torch.tensor([[1, 2, 3]]))
    assert greedy[0] == int(logits[0, -1].argmax())
    with pytest.raises(ValueError, match=r"shape \(P,\)"):
        charlm.sample(model, np.array([]), 5, 1.0)


def test_lm_batches_are_shifted_windows_of_the_text():
    text = np.arange(50) % 7
    inputs, targets = charlm.lm_batches(text, 4, 10, seed=0)(3)
    assert inputs.shape == targets.shape == (4, 10)
    assert torch.equal(inputs[:, 1:], targets[:, :-1])
    assert torch.equal((inputs + 1) % 7, targets)  # the text counts 0..6 cyclically


def test_saved_weights_round_trip_in_half_precision(model, tmp_path):
    path = tmp_path / "w.pt"
    settings = {"vocab_size": 7, "hidden_size": 12, "embedding_size": 5, "layer": "gru"}
    charlm.save_weights(model, path, settings)
    loaded, got = charlm.load_weights(path)
    assert got == settings
    ids = torch.randint(0, 7, (2, 30))
    assert torch.allclose(loaded(ids)[0], model(ids)[0], atol=2e-2)


def test_the_committed_weights_match_their_record_and_score_what_it_says():
    """Chapter 7 quotes benchmarks/results/charlm_pretrain.json; the weights it loads must be the
    ones that record describes, scored again here on the held-out play."""
    from companion.data import shakespeare

    record = load_record("charlm_pretrain")
    path = RECORDS / "charlm_weights.pt"
    assert path.stat().st_size < 8_000_000
    model, settings = charlm.load_weights(path)
    assert settings == record["settings"]
    if settings.get("tie_weights"):
        assert model.head.weight is model.embed.weight
    assert record["results"]["val_bpc"] == record["results"]["validation_curve"][-1][1]
    split = shakespeare.held_out_split(tuple(settings["validation"]))
    val_ids = shakespeare.encode(shakespeare.corpus(split["val"]))
    # the record scored the float32 weights; the file holds them in float16
    assert abs(charlm.bits_per_char(model, val_ids) - record["results"]["val_bpc"]) < 0.01
