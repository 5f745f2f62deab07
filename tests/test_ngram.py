"""Kneser-Ney n-grams: the fast counts agree with the plain formula, and are distributions."""
import numpy as np
import pytest

from companion.applications.ngram import NGramCounts, choose_order, kneser_ney_probability

TEXT = "the cat sat on the mat. the cat ate the rat. a bat sat on a hat."
ALPHABET = "".join(sorted(set(TEXT)))


def ids_of(text):
    return np.array([ALPHABET.index(c) for c in text], dtype=np.int64)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_vectorised_probabilities_match_the_plain_formula(order):
    counts = NGramCounts(ids_of(TEXT), len(ALPHABET), max_order=5)
    rng = np.random.default_rng(order)
    for _ in range(40):
        history = "".join(rng.choice(list(ALPHABET), size=4))
        if rng.random() < 0.5:  # also contexts that occur in the text
            start = rng.integers(0, len(TEXT) - 4)
            history = TEXT[start:start + 4]
        symbol = ALPHABET[rng.integers(len(ALPHABET))]
        fast = counts.probabilities(ids_of(history)[None], ids_of(symbol), order)[0]
        plain = kneser_ney_probability(TEXT, history, symbol, order, ALPHABET)
        assert fast == pytest.approx(plain, rel=1e-12)


@pytest.mark.parametrize("order", [1, 3, 6])
def test_next_distribution_sums_to_one_and_is_positive(order):
    counts = NGramCounts(ids_of(TEXT), len(ALPHABET), max_order=6)
    for history in ("the c", "hmhmh", " sat "):  # "hmhmh" was never seen
        p = counts.next_distribution(ids_of(history), order)
        assert p.shape == (len(ALPHABET),)
        assert p.min() > 0 and p.sum() == pytest.approx(1.0, abs=1e-12)


def test_a_repetitive_text_is_learned_and_order_is_chosen_on_validation():
    text = "abcabcabcabcabcabcabcabcabcabcabcabcabc"
    ids = np.array(["abc".index(c) for c in text])
    counts = NGramCounts(ids, 3, max_order=4)
    assert counts.bits_per_char(ids, 1) == pytest.approx(np.log2(3), abs=0.05)
    best, scores = choose_order(counts, ids)
    assert best >= 2 and scores[best] < 0.5


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        NGramCounts(np.zeros((2, 3), dtype=int), 3, 2)
    with pytest.raises(ValueError, match="0..2"):
        NGramCounts(np.array([0, 5]), 3, 2)
    counts = NGramCounts(np.array([0, 1, 2, 0]), 3, 2)
    with pytest.raises(ValueError, match="order must lie"):
        counts.probabilities(np.zeros((1, 2)), np.array([0]), 3)
