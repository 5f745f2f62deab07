"""Many-to-one text classification: a GRU over words, and the bag-of-features baselines.

The seeds' example is sentiment; chapter 7 classifies Shakespeare's speeches as comedy or
tragedy. The recurrent classifier reads a speech word by word (each word a learned vector) and
classifies from its last hidden state. The baselines throw order away: a logistic regression on
word counts, or on character counts.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from companion.gru import GRU


PAD, UNKNOWN = 0, 1
_WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    """The lower-cased words of a text (letters and apostrophes)."""
    return _WORD.findall(text.lower())


def word_vocabulary(texts: list[str], min_count: int = 2) -> dict[str, int]:
    """Ids for the words seen at least ``min_count`` times in ``texts`` (training texts only),
    most frequent first, from 2 on: 0 is padding, 1 any other word."""
    counts = Counter(w for text in texts for w in words(text))
    common = [w for w, c in counts.most_common() if c >= min_count]
    return {w: i + 2 for i, w in enumerate(common)}


def encode_words(text: str, vocabulary: dict[str, int]) -> list[int]:
    """A text's word ids under ``vocabulary`` (unknown words are 1; a text with no word is [1])."""
    return [vocabulary.get(w, UNKNOWN) for w in words(text)] or [UNKNOWN]


def pad_ids(texts: list[str], encode) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode texts and right-pad them with id 0 into one batch.

    Args:
        texts: ``N`` strings.
        encode: ``str -> list of ids`` (e.g. ``lambda t: encode_words(t, vocabulary)``).

    Returns:
        ``(ids, lengths)``: ``(N, L)`` int64 with ``L`` the longest text, and ``(N,)`` int64.
    """
    encoded = [torch.as_tensor(encode(t), dtype=torch.int64) for t in texts]
    lengths = torch.tensor([len(e) for e in encoded], dtype=torch.int64)
    if (lengths == 0).any():
        raise ValueError("every text must have at least one character")
    return nn.utils.rnn.pad_sequence(encoded, batch_first=True), lengths


class TextClassifier(nn.Module):
    """Embedding, the companion GRU, and a linear layer on the hidden state after each text's
    last real token (padding after it is never read into the prediction).

    Args:
        vocab_size: number of token ids (words or characters).
        hidden_size: ``H``, GRU units.
        classes: number of classes.
        embedding_size: size of each character's learned vector.
    """

    def __init__(self, vocab_size: int, hidden_size: int, classes: int, embedding_size: int = 16):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_size)
        self.rnn = GRU(embedding_size, hidden_size)
        self.head = nn.Linear(hidden_size, classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Class logits, ``(B, L)`` ids and ``(B,)`` lengths -> ``(B, classes)``."""
        if ids.dim() != 2 or ids.dtype != torch.int64:
            raise ValueError(f"ids must be an int64 tensor of shape (B, L), got {ids.dtype} {tuple(ids.shape)}")
        _, last = self.rnn(self.embed(ids), lengths=lengths)  # state at each text's last token
        return self.head(last)


def classifier_loss(model: TextClassifier, batch) -> torch.Tensor:
    """Cross-entropy of a batch ``(ids, lengths, labels)``."""
    ids, lengths, labels = batch
    # Padding sits after each text, so trimming to the batch's longest saves whole steps.
    longest = int(lengths.max())
    return F.cross_entropy(model(ids[:, :longest], lengths), labels)


@torch.no_grad()
def classifier_accuracy(model: TextClassifier, ids: torch.Tensor, lengths: torch.Tensor,
                        labels: torch.Tensor) -> float:
    """Fraction of texts whose most likely class is the label."""
    model.eval()
    return float((model(ids, lengths).argmax(-1) == labels).float().mean())


def bag_of_features_accuracy(train_texts: list[str], train_labels, test_texts: list[str],
                             test_labels, unit: str) -> float:
    """Test accuracy of a logistic regression on counts that ignore order.

    Args:
        unit: ``"word"`` (lower-cased word counts) or ``"char"`` (character counts).

    Returns:
        Accuracy on the test texts. The regularisation strength is scikit-learn's default.
    """
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    if unit not in ("word", "char"):
        raise ValueError(f"unit must be 'word' or 'char', got {unit!r}")
    vectorizer = CountVectorizer(analyzer=unit, lowercase=unit == "word")
    train_x = vectorizer.fit_transform(train_texts)
    model = LogisticRegression(max_iter=2000).fit(train_x, np.asarray(train_labels))
    predicted = model.predict(vectorizer.transform(test_texts))
    return float(np.mean(predicted == np.asarray(test_labels)))
