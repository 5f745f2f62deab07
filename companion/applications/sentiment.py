"""Sentiment from words: a bidirectional LSTM over a review, and a probe where order decides.

Chapter :ref:`applications`. The classifier embeds each word, runs the companion
:class:`~companion.stack.Bidirectional` LSTM over the padded batch (the backward direction
starts at each review's last real word), averages its outputs over the real words only
(:func:`masked_mean`) and maps the average to class logits. Tokens, vocabularies and the
bag-of-words baseline are chapter 7's (:mod:`companion.applications.textclass`).

The negation probe (:func:`negation_sentences`) is built so that order alone decides the label:
every sentence has a twin made of exactly the same words with the opposite label ("the drug was
good , not bad" and "the drug was bad , not good"), so a model that counts words cannot beat a
coin on it.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from companion.lstm import LSTM
from companion.padding import step_mask
from companion.stack import Bidirectional
from companion.validation import check_lengths

#: Words of each polarity in the negation probe.
POSITIVE_WORDS = ("good", "great", "helpful", "effective", "gentle", "wonderful")
NEGATIVE_WORDS = ("bad", "awful", "useless", "harsh", "terrible", "painful")
#: Sentence frames of the probe: ``{a}`` is the word that holds, ``{b}`` the negated one.
NEGATION_FRAMES = (
    "{subject} was {a} , not {b}",
    "{subject} was not {b} but {a}",
    "{subject} felt {a} and not {b}",
    "not {b} at all , {subject} was {a}",
    "{subject} is not {b} , it is {a}",
)
SUBJECTS = ("the drug", "this pill", "the treatment", "my medicine", "it")


def masked_mean(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The mean of each sequence's outputs over its real steps only.

    Args:
        outputs: ``(B, T, F)`` per-step outputs of a padded batch.
        lengths: ``(B,)`` true lengths, each in ``1..T``.

    Returns:
        ``(B, F)``: ``outputs[b, :lengths[b]].mean(0)`` for every ``b``; padded steps count for
        nothing, whatever they hold.
    """
    if outputs.dim() != 3:
        raise ValueError(f"outputs must have shape (B, T, F), got {tuple(outputs.shape)}")
    lengths = check_lengths(lengths, outputs.shape[0], outputs.shape[1])
    mask = step_mask(lengths, outputs.shape[1]).to(outputs.dtype).unsqueeze(-1)  # (B, T, 1)
    return (outputs * mask).sum(1) / lengths.to(outputs.dtype).unsqueeze(-1)


class ReviewClassifier(nn.Module):
    """Word embeddings, a bidirectional companion LSTM, the mean over real words, a linear layer.

    Args:
        vocab_size: number of word ids (0 is padding, 1 unknown).
        hidden_size: ``H``, units of each direction.
        classes: number of classes.
        embedding_size: size of each word's learned vector.
        dropout: dropout on the embeddings and on the pooled vector, in training only.
    """

    def __init__(self, vocab_size: int, hidden_size: int, classes: int,
                 embedding_size: int = 32, dropout: float = 0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_size, padding_idx=0)
        self.rnn = Bidirectional(LSTM(embedding_size, hidden_size),
                                 LSTM(embedding_size, hidden_size))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_size, classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Class logits: ``(B, L)`` int64 word ids and ``(B,)`` lengths -> ``(B, classes)``."""
        if ids.dim() != 2 or ids.dtype != torch.int64:
            raise ValueError(f"ids must be an int64 tensor of shape (B, L), got {ids.dtype} "
                             f"{tuple(ids.shape)}")
        outputs, _ = self.rnn(self.dropout(self.embed(ids)), lengths=lengths)  # (B, L, 2H)
        return self.head(self.dropout(masked_mean(outputs, lengths)))


def class_weights(labels, classes: int) -> torch.Tensor:
    """Inverse-frequency weights ``(classes,)``, mean 1 over the examples: each class then adds
    the same total to a weighted cross-entropy, so a rare class is not simply ignored."""
    counts = np.bincount(np.asarray(labels), minlength=classes).astype(np.float64)
    if (counts == 0).any():
        raise ValueError(f"every class needs at least one example, got counts {counts.tolist()}")
    return torch.tensor(counts.sum() / (classes * counts), dtype=torch.float32)


def review_loss(weights: torch.Tensor | None = None):
    """A loss for :func:`companion.train.fit` on batches ``(ids, lengths, labels)``: the
    (optionally class-weighted) cross-entropy, with the batch trimmed to its longest review."""
    def loss(model: ReviewClassifier, batch) -> torch.Tensor:
        ids, lengths, labels = batch
        longest = int(lengths.max())
        return F.cross_entropy(model(ids[:, :longest], lengths), labels, weight=weights)
    return loss


@torch.no_grad()
def predict(model: ReviewClassifier, ids: torch.Tensor, lengths: torch.Tensor,
            batch_size: int = 128) -> np.ndarray:
    """The most likely class of each text, in evaluation mode, ``(N,)`` int64."""
    model.eval()
    chunks = []
    for start in range(0, len(ids), batch_size):
        part = slice(start, start + batch_size)
        longest = int(lengths[part].max())
        chunks.append(model(ids[part, :longest], lengths[part]).argmax(-1))
    return torch.cat(chunks).numpy()


def negation_sentences(count: int, seed: int = 0, held_out: bool = False
                       ) -> tuple[list[str], np.ndarray]:
    """A balanced set of sentences whose label only word order decides.

    Each draw picks a frame, a subject and one word of each polarity, and yields two twins: one
    where the positive word holds and the negative one is negated (label 1), one the other way
    round (label 0). The twins contain the same words, so their bags of words are identical.
    One pair of polarity words in four (``POSITIVE_WORDS[i]`` with ``NEGATIVE_WORDS[j]``,
    ``(i + j) % 4 == 0``) is kept for the held-out set, so no held-out sentence is a training one.

    Args:
        count: number of sentences, even.
        seed: seed of the draws.
        held_out: draw only the reserved word pairs (a test set) instead of the others.

    Returns:
        ``(texts, labels)``: ``count`` sentences and their int64 labels (1 positive), twins
        adjacent.
    """
    if count <= 0 or count % 2:
        raise ValueError(f"count must be a positive even number, got {count}")
    pairs = [(good, bad) for i, good in enumerate(POSITIVE_WORDS)
             for j, bad in enumerate(NEGATIVE_WORDS) if ((i + j) % 4 == 0) == held_out]
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(count // 2):
        frame = NEGATION_FRAMES[rng.integers(len(NEGATION_FRAMES))]
        subject = SUBJECTS[rng.integers(len(SUBJECTS))]
        good, bad = pairs[rng.integers(len(pairs))]
        texts += [frame.format(subject=subject, a=good, b=bad),
                  frame.format(subject=subject, a=bad, b=good)]
        labels += [1, 0]
    return texts, np.array(labels, dtype=np.int64)


def bag_of_words_classifier(texts, labels, strengths=(1.0, 10.0, 100.0), folds: int = 5):
    """The baseline a practitioner fits first: TF-IDF of words and word pairs, and a logistic
    regression whose inverse regularisation ``C`` is the one of ``strengths`` with the best
    ``folds``-fold cross-validated accuracy on ``texts`` (the test set is never looked at).

    Returns:
        A fitted scikit-learn pipeline: ``.predict(texts)`` gives labels.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    texts, labels = list(texts), np.asarray(labels)

    def pipeline(strength: float):
        return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                             token_pattern=r"[a-z']+"),
                             LogisticRegression(C=strength, solver="newton-cg", max_iter=1000))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    scores = [cross_val_score(pipeline(c), texts, labels, cv=splitter).mean() for c in strengths]
    return pipeline(strengths[int(np.argmax(scores))]).fit(texts, labels)


def paired_bootstrap(correct_a: np.ndarray, correct_b: np.ndarray, draws: int = 2000,
                     seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """A percentile interval for accuracy(a) - accuracy(b) on the same test examples.

    Args:
        correct_a, correct_b: ``(N,)`` booleans, whether each model got each example right.
        draws: bootstrap resamples of the ``N`` examples.
        level: the interval's coverage.

    Returns:
        ``(low, high)``: if it contains 0, the test set cannot tell the two models apart.
    """
    a, b = np.asarray(correct_a, dtype=np.float64), np.asarray(correct_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"need two (N,) arrays, got {a.shape} and {b.shape}")
    picks = np.random.default_rng(seed).integers(0, len(a), size=(draws, len(a)))
    differences = a[picks].mean(1) - b[picks].mean(1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return float(low), float(high)
