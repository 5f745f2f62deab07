"""Many-to-one text classification: padding never leaks into the prediction; baselines work."""
import pytest
import torch

from companion.applications.textclass import (TextClassifier, bag_of_features_accuracy,
                                              classifier_accuracy, classifier_loss, encode_words,
                                              pad_ids, word_vocabulary)
from companion.train import batches_from, fit


def encode(text):
    return [ord(c) - ord("a") for c in text]


def test_pad_ids_shapes_and_empty_texts():
    ids, lengths = pad_ids(["abc", "a", "abcde"], encode)
    assert ids.shape == (3, 5) and lengths.tolist() == [3, 1, 5]
    assert ids[1, 1:].tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="at least one character"):
        pad_ids(["ab", ""], encode)


def test_padding_after_the_last_character_does_not_change_the_logits():
    torch.manual_seed(0)
    model = TextClassifier(vocab_size=5, hidden_size=8, classes=3).eval()
    ids, lengths = pad_ids(["abcd", "ab"], encode)
    longer = torch.cat([ids, torch.full((2, 6), 4)], dim=1)  # more, different padding
    assert torch.allclose(model(ids, lengths), model(longer, lengths), atol=1e-6)
    with pytest.raises(ValueError, match=r"shape \(B, L\)"):
        model(ids.float(), lengths)
    with pytest.raises(ValueError):
        model(ids, torch.tensor([5, 2]))


@pytest.mark.slow
def test_the_gru_learns_a_rule_that_needs_order_and_bags_cannot():
    # label: does "a" come before "b"? Both texts hold the same letters, so counts are useless.
    g = torch.Generator().manual_seed(0)
    texts, labels = [], []
    for _ in range(400):
        letters = ["c"] * 6 + ["a", "b"]
        order = torch.randperm(8, generator=g).tolist()
        text = "".join(letters[i] for i in order)
        texts.append(text)
        labels.append(int(text.index("a") < text.index("b")))
    ids, lengths = pad_ids(texts, encode)
    y = torch.tensor(labels)
    torch.manual_seed(0)
    model = TextClassifier(vocab_size=3, hidden_size=16, classes=2)
    fit(model, classifier_loss, batches_from((ids[:300], lengths[:300], y[:300]), 32, 0), 300,
        lr=1e-2, progress=False)
    assert classifier_accuracy(model, ids[300:], lengths[300:], y[300:]) > 0.9
    bag = bag_of_features_accuracy(texts[:300], labels[:300], texts[300:], labels[300:], "char")
    assert bag < 0.7


def test_bag_of_words_finds_a_word_signal():
    texts = [f"x{i} good day" for i in range(30)] + [f"x{i} bad day" for i in range(30)]
    labels = [1] * 30 + [0] * 30
    assert bag_of_features_accuracy(texts[::2], labels[::2], texts[1::2], labels[1::2], "word") == 1.0
    with pytest.raises(ValueError, match="'word' or 'char'"):
        bag_of_features_accuracy(texts, labels, texts, labels, "sentence")


def test_word_vocabulary_comes_from_training_texts_and_maps_the_rest_to_unknown():
    vocabulary = word_vocabulary(["The cat, the dog.", "the CAT's hat"], min_count=2)
    assert vocabulary == {"the": 2}
    assert encode_words("The bird", vocabulary) == [2, 1]
    assert encode_words("!!", vocabulary) == [1]
    vocabulary = word_vocabulary(["a b b c c c"], min_count=1)
    assert list(vocabulary) == ["c", "b", "a"]
