"""companion.applications.sentiment: pooling over real words, batch invariance, the probe."""
from collections import Counter

import numpy as np
import pytest
import torch

from companion.applications import sentiment as st
from companion.applications.textclass import bag_of_features_accuracy, words


def test_masked_mean_ignores_whatever_the_padding_holds():
    torch.manual_seed(0)
    outputs = torch.randn(3, 5, 4, dtype=torch.float64)
    lengths = torch.tensor([5, 2, 1])
    expected = torch.stack([outputs[b, :n].mean(0) for b, n in enumerate(lengths.tolist())])
    torch.testing.assert_close(st.masked_mean(outputs, lengths), expected)
    garbage = outputs.clone()
    garbage[1, 2:] = 1e6
    garbage[2, 1:] = -1e9
    torch.testing.assert_close(st.masked_mean(garbage, lengths), expected)
    with pytest.raises(ValueError, match=r"\(B, T, F\)"):
        st.masked_mean(outputs[0], lengths)
    with pytest.raises(ValueError):
        st.masked_mean(outputs, torch.tensor([5, 6, 1]))


def test_a_review_gets_the_same_logits_alone_as_in_a_padded_batch():
    torch.manual_seed(0)
    model = st.ReviewClassifier(30, hidden_size=6, classes=3, embedding_size=5).double().eval()
    ids = torch.randint(2, 30, (4, 9))
    lengths = torch.tensor([9, 3, 6, 1])
    for b in range(4):
        ids[b, lengths[b]:] = 0
    batch = model(ids, lengths)
    for b in range(4):
        alone = model(ids[b:b + 1, :lengths[b]], lengths[b:b + 1])
        torch.testing.assert_close(alone[0], batch[b])
    with pytest.raises(ValueError, match=r"\(B, L\)"):
        model(ids.float(), lengths)


def test_the_backward_direction_reads_the_review_from_its_last_word():
    torch.manual_seed(1)
    model = st.ReviewClassifier(20, hidden_size=4, classes=2, embedding_size=3).double().eval()
    ids = torch.tensor([[5, 6, 7, 0, 0]])
    outputs, _ = model.rnn(model.embed(ids), lengths=torch.tensor([3]))
    backward_alone, _ = model.rnn.backward_layer(model.embed(ids[:, :3]).flip(1))
    torch.testing.assert_close(outputs[0, :3, 4:], backward_alone[0].flip(0))


def test_negation_twins_share_their_bag_of_words_and_split_the_labels():
    texts, labels = st.negation_sentences(200, seed=0)
    for k in range(0, 200, 2):
        assert Counter(words(texts[k])) == Counter(words(texts[k + 1]))
        assert labels[k] == 1 and labels[k + 1] == 0
    held_out, held_labels = st.negation_sentences(100, seed=1, held_out=True)
    assert not set(held_out) & set(texts)
    assert bag_of_features_accuracy(texts, labels, held_out, held_labels, "word") == 0.5
    with pytest.raises(ValueError, match="even"):
        st.negation_sentences(7)


def test_class_weights_balance_the_classes():
    weights = st.class_weights([0, 0, 0, 1, 2, 2], 3)
    counts = np.array([3, 1, 2])
    np.testing.assert_allclose(weights.numpy() * counts, [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="at least one"):
        st.class_weights([0, 0, 2], 3)


def test_paired_bootstrap_brackets_the_observed_difference():
    rng = np.random.default_rng(0)
    a = rng.random(400) < 0.8
    b = rng.random(400) < 0.6
    low, high = st.paired_bootstrap(a, b, seed=0)
    assert low < a.mean() - b.mean() < high and low > 0
    assert st.paired_bootstrap(a, a) == (0.0, 0.0)
    with pytest.raises(ValueError, match=r"\(N,\)"):
        st.paired_bootstrap(a, b[:10])


def test_bag_of_words_learns_which_words_carry_the_label():
    texts = [f"it was {w} really" for w in ("good", "great", "fine") * 20] + \
            [f"it was {w} really" for w in ("bad", "awful", "poor") * 20]
    labels = [1] * 60 + [0] * 60
    model = st.bag_of_words_classifier(texts, labels)
    assert model.predict(["it was great", "awful it was"]).tolist() == [1, 0]
