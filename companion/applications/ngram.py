"""Count-based character n-gram language models with interpolated Kneser-Ney smoothing.

This is the baseline a character-level RNN has to beat (chapter 7). An order-``n`` model
predicts a character from the ``n - 1`` before it, by counting. Raw counts give probability 0
to anything unseen, so the counts are *smoothed*: interpolated Kneser-Ney (Chen & Goodman 1999)
takes a discount ``D`` off every seen count and hands the mass to a lower-order model, whose
counts are *continuation* counts: in how many distinct contexts a string was seen, not how
often (so "ork" after "New Y" does not make "ork" likely everywhere).

:class:`NGramCounts` counts every order up to ``max_order`` once, with NumPy (a few seconds for
five million characters), so choosing ``n`` on validation text is cheap.
:func:`kneser_ney_probability` is the same formula written plainly over Python dictionaries;
the tests check that the two agree.
"""
from __future__ import annotations

from collections import Counter

import numpy as np


def _codes(ids: np.ndarray, k: int, vocab_size: int) -> np.ndarray:
    """Each window of ``k`` symbols as one integer in base ``vocab_size``, shape ``(N - k + 1,)``."""
    n = len(ids) - k + 1
    codes = np.zeros(max(n, 0), dtype=np.int64)
    for j in range(k):
        codes = codes * vocab_size + ids[j:j + n]
    return codes


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` at the positions of ``queries`` in the sorted ``keys``; 0 where absent."""
    if len(keys) == 0:
        return np.zeros(len(queries), dtype=np.float64)
    where = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[where] == queries, values[where], 0).astype(np.float64)


def _grouped(codes: np.ndarray, counts: np.ndarray, vocab_size: int):
    """Per context (``codes // V``, already sorted): total count and number of distinct followers."""
    contexts, first = np.unique(codes // vocab_size, return_index=True)
    totals = np.add.reduceat(counts, first) if len(first) else np.zeros(0)
    distinct = np.diff(np.append(first, len(codes)))
    return contexts, totals.astype(np.float64), distinct.astype(np.float64)


class NGramCounts:
    """Counts of every order ``1..max_order`` of a training text, for Kneser-Ney models.

    Args:
        ids: the training text as symbol ids, shape ``(N,)``, values in ``0..vocab_size-1``.
        vocab_size: ``V``, the number of symbols.
        max_order: the largest ``n`` to be evaluated (``V ** max_order`` must fit in int64).
    """

    def __init__(self, ids: np.ndarray, vocab_size: int, max_order: int):
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be a 1-D integer array of shape (N,), got {ids.dtype} {ids.shape}")
        if len(ids) and (ids.min() < 0 or ids.max() >= vocab_size):
            raise ValueError(f"ids must lie in 0..{vocab_size - 1}")
        if not 1 <= max_order or vocab_size ** max_order >= 2 ** 63:
            raise ValueError(f"max_order must be >= 1 with {vocab_size}**max_order < 2**63")
        self.vocab_size, self.max_order = vocab_size, max_order
        self.raw, self.continuation = {}, {}
        self._groups: dict[tuple[int, bool], tuple] = {}
        unique_above = None
        for k in range(max_order + 1, 0, -1):
            codes, counts = np.unique(_codes(ids, k, vocab_size), return_counts=True)
            if k <= max_order:
                self.raw[k] = (codes, counts.astype(np.float64))
                # continuation count of a k-gram: how many distinct symbols precede it
                follow = unique_above % vocab_size ** k
                self.continuation[k] = np.unique(follow, return_counts=True)
            unique_above = codes

    def discount(self, order: int, highest: bool) -> float:
        """Ney's estimate ``D = n1 / (n1 + 2 n2)`` from the counts of counts of one order."""
        counts = (self.raw if highest else self.continuation)[order][1]
        n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
        return float(n1 / (n1 + 2 * n2)) if n1 + n2 else 0.5

    def probabilities(self, histories: np.ndarray, symbols: np.ndarray, order: int) -> np.ndarray:
        """Kneser-Ney probability of each symbol after its history, under the order-``n`` model.

        Args:
            histories: the preceding symbols, shape ``(M, n - 1)`` (at least ``order - 1`` columns;
                only the last ``order - 1`` are used).
            symbols: the predicted symbols, shape ``(M,)``.
            order: ``n``, between 1 and ``max_order``.

        Returns:
            Probabilities, shape ``(M,)``; each is positive, and they sum to 1 over the symbols.
        """
        if not 1 <= order <= self.max_order:
            raise ValueError(f"order must lie in 1..{self.max_order}, got {order}")
        histories = np.asarray(histories, dtype=np.int64).reshape(len(symbols), -1)
        if histories.shape[1] < order - 1:
            raise ValueError(f"histories must have shape (M, >= {order - 1}), got {histories.shape}")
        V = self.vocab_size
        p = np.full(len(symbols), 1.0 / V)  # below order 1: uniform over the alphabet
        context = np.zeros(len(symbols), dtype=np.int64)
        for k in range(1, order + 1):
            if k > 1:
                context = context + histories[:, -(k - 1)] * V ** (k - 2)
            highest = k == order
            codes, counts = self.raw[k] if highest else self.continuation[k]
            if (k, highest) not in self._groups:
                self._groups[k, highest] = _grouped(codes, counts, V)
            contexts, totals, distinct = self._groups[k, highest]
            D = self.discount(k, highest)
            count = _lookup(codes, counts, context * V + symbols)
            total = _lookup(contexts, totals, context)
            seen = total > 0
            followers = _lookup(contexts, distinct, context)
            mixed = (np.maximum(count - D, 0) + D * followers * p) / np.where(seen, total, 1)
            p = np.where(seen, mixed, p)
        return p

    def bits_per_char(self, ids: np.ndarray, order: int) -> float:
        """Average ``-log2 p`` of each symbol of ``ids`` after ``order - 1`` symbols before it.

        The first ``order - 1`` symbols serve as history only, so compare orders on a text whose
        start is the same for all (see :func:`choose_order`).
        """
        ids = np.asarray(ids, dtype=np.int64)
        start = self.max_order - 1
        windows = np.lib.stride_tricks.sliding_window_view(ids, self.max_order)
        histories, symbols = windows[:, :start], windows[:, start]
        return float(-np.mean(np.log2(self.probabilities(histories, symbols, order))))

    def next_distribution(self, history, order: int) -> np.ndarray:
        """The model's distribution over the next symbol, shape ``(V,)``, after ``history``."""
        history = np.asarray(history, dtype=np.int64)[-(order - 1):] if order > 1 else np.zeros(0, int)
        V = self.vocab_size
        rows = np.broadcast_to(history, (V, len(history)))
        return self.probabilities(rows, np.arange(V), order)


def choose_order(counts: NGramCounts, val_ids: np.ndarray) -> tuple[int, dict[int, float]]:
    """The order with the lowest validation bits per character, and every order's score."""
    scores = {n: counts.bits_per_char(val_ids, n) for n in range(1, counts.max_order + 1)}
    return min(scores, key=scores.get), scores


def kneser_ney_probability(text: str, history: str, symbol: str, order: int,
                           alphabet: str) -> float:
    """Interpolated Kneser-Ney, written plainly: ``P(symbol | history)`` under the order-n model.

    The readable reference for :meth:`NGramCounts.probabilities` (quadratic-ish in ``len(text)``;
    for tests on small texts). Discounts are Ney's ``n1 / (n1 + 2 n2)`` per order.
    """
    def grams(k: int) -> Counter:
        return Counter(text[i:i + k] for i in range(len(text) - k + 1))

    p = 1.0 / len(alphabet)
    for k in range(1, order + 1):
        context = history[len(history) - (k - 1):] if k > 1 else ""
        if k == order:
            table = grams(k)
        else:  # continuation counts: distinct symbols seen just before each k-gram
            table = Counter(gram[1:] for gram in grams(k + 1))
        n1 = sum(1 for c in table.values() if c == 1)
        n2 = sum(1 for c in table.values() if c == 2)
        D = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
        followers = {g: c for g, c in table.items() if g[:-1] == context}
        total = sum(followers.values())
        if total:
            p = (max(followers.get(context + symbol, 0) - D, 0) + D * len(followers) * p) / total
    return p
