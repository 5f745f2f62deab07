"""Data sets the chapters train on, all generated or loaded offline and seeded.

Synthetic tasks that test memory over a known distance:

- :func:`adding_problem` (Hochreiter & Schmidhuber 1997): add the two marked numbers of a long
  sequence. Baseline :data:`ADDING_BASELINE_MSE`.
- :func:`copy_task`: read a few symbols, wait, then write them back.
- :func:`echo_task`: output the input from a fixed number of steps ago.

A real data set, read as sequences:

- :func:`digits_sequences`: scikit-learn's bundled handwritten digits (8 x 8 images, BSD
  licence; UCI ML hand-written digits, Alpaydin & Kaynak 1998), each image read row by row as 8
  time steps of 8 features, with a fixed train/test split; :func:`balanced_subset` draws a
  small training set with the same number of images per class.

Every generator takes a ``seed`` and returns float32 / int64 torch tensors, batch-first.
"""
from __future__ import annotations

import numpy as np
import torch

#: Test MSE of always predicting 1, the mean target of :func:`adding_problem`. The target is
#: the sum of two independent U(0, 1) numbers, so this MSE is its variance, 2 * 1/12 = 1/6.
ADDING_BASELINE_MSE = 1.0 / 6.0


def _positive(**sizes: int) -> None:
    for name, value in sizes.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")


def adding_problem(n: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem: a sequence of random numbers, two of them marked; output their sum.

    Each sequence has two channels: a value drawn from U(0, 1) and a marker that is 1 at exactly
    two steps, one in the first half and one in the second half, and 0 elsewhere. The target is
    the sum of the two marked values. The first marker can be up to ``length - 1`` steps before
    the end, so a model must carry a number across that many steps.

    Always predicting 1 scores :data:`ADDING_BASELINE_MSE` = 1/6 ≈ 0.167; a model that has not
    learned to read the markers cannot do better on average.

    Args:
        n: number of sequences ``B``.
        length: sequence length ``T`` (at least 2).
        seed: seed of the generator; the same seed gives the same data.

    Returns:
        ``(x, y)``: inputs of shape ``(B, T, 2)`` and targets of shape ``(B, 1)``, float32.
    """
    _positive(n=n, length=length - 1)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values[rows, first] + values[rows, second])[:, None]
    return torch.from_numpy(x).float(), torch.from_numpy(y).float()


def copy_task(n: int, n_symbols: int, delay: int, seed: int,
              alphabet: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """The copy task: read ``n_symbols`` symbols, wait ``delay`` blank steps, then repeat them.

    Tokens are ``0`` blank, ``1`` the "go" signal, ``2..alphabet+1`` the symbols. The input is
    the symbols, ``delay`` blanks, "go", then ``n_symbols - 1`` blanks; the target is blank
    everywhere except the last ``n_symbols`` steps, which hold the symbols again. A model with
    no memory can at best output blanks and guess the symbols, a cross-entropy of
    ``n_symbols * log(alphabet) / T`` per step.

    Args:
        n: number of sequences ``B``.
        n_symbols: how many symbols to remember.
        delay: blank steps between reading and writing.
        seed: seed of the generator.
        alphabet: number of distinct symbols.

    Returns:
        ``(x, y)``: one-hot inputs ``(B, T, alphabet + 2)`` float32 and target tokens ``(B, T)``
        int64, with ``T = 2 * n_symbols + delay``.
    """
    _positive(n=n, n_symbols=n_symbols, delay=delay, alphabet=alphabet)
    rng = np.random.default_rng(seed)
    length = 2 * n_symbols + delay
    symbols = rng.integers(2, alphabet + 2, size=(n, n_symbols))
    tokens = np.zeros((n, length), dtype=np.int64)
    tokens[:, :n_symbols] = symbols
    tokens[:, n_symbols + delay] = 1
    targets = np.zeros((n, length), dtype=np.int64)
    targets[:, -n_symbols:] = symbols
    x = np.eye(alphabet + 2, dtype=np.float32)[tokens]
    return torch.from_numpy(x), torch.from_numpy(targets)


def echo_task(n: int, length: int, delay: int, seed: int,
              alphabet: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """The echo task: at every step, output the symbol seen ``delay`` steps earlier.

    The first ``delay`` targets are ``-100`` (PyTorch's ignore index): there is nothing to echo
    yet. Guessing scores an accuracy of ``1 / alphabet``.

    Args:
        n: number of sequences ``B``.
        length: sequence length ``T``.
        delay: how many steps back the target lies (``0 <= delay < length``).
        seed: seed of the generator.
        alphabet: number of distinct symbols.

    Returns:
        ``(x, y)``: one-hot inputs ``(B, T, alphabet)`` float32 and targets ``(B, T)`` int64.
    """
    _positive(n=n, length=length, alphabet=alphabet)
    if not 0 <= delay < length:
        raise ValueError(f"delay must lie in 0..length-1 = 0..{length - 1}, got {delay}")
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, alphabet, size=(n, length))
    targets = np.full((n, length), -100, dtype=np.int64)
    targets[:, delay:] = tokens[:, :length - delay]
    x = np.eye(alphabet, dtype=np.float32)[tokens]
    return torch.from_numpy(x), torch.from_numpy(targets)


#: Images per split of :func:`digits_sequences` (scikit-learn ships 1797 digits).
DIGITS_TEST_SIZE = 497


def digits_sequences() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn's handwritten digits as sequences: each 8 x 8 image is 8 steps of 8 pixels.

    Pixel values (0..16) are scaled to ``[0, 1]``. The split is fixed (a seeded shuffle, the same
    for every chapter): 1300 training and :data:`DIGITS_TEST_SIZE` test images. No download: the
    images ship inside scikit-learn.

    Returns:
        ``(x_train, y_train, x_test, y_test)``: inputs ``(N, 8, 8)`` float32 (batch, row, column)
        and labels ``(N,)`` int64 in ``0..9``.
    """
    from sklearn.datasets import load_digits  # imported here: only this data set needs it

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    images = torch.from_numpy(digits.images[order] / 16.0).float()
    labels = torch.from_numpy(digits.target[order]).long()
    cut = len(labels) - DIGITS_TEST_SIZE
    return images[:cut], labels[:cut], images[cut:], labels[cut:]


def balanced_subset(labels: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    """Indices of a random subset with ``per_class`` examples of every class, e.g. a small
    training set drawn from a large one.

    Args:
        labels: class labels, shape ``(N,)``.
        per_class: examples to draw from each class.
        seed: seed of the draw.

    Returns:
        Sorted indices into ``labels``, shape ``(per_class * number_of_classes,)``.

    Raises:
        ValueError: if a class has fewer than ``per_class`` examples.
    """
    _positive(per_class=per_class)
    rng = np.random.default_rng(seed)
    chosen = []
    for label in torch.unique(labels).tolist():
        members = torch.nonzero(labels == label).flatten().numpy()
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than per_class={per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return torch.from_numpy(np.sort(np.concatenate(chosen)))
