"""scikit-learn's handwritten digits, read as sequences (chapters :ref:`gru`, :ref:`cnn-vs-rnn`).

- :func:`digits_sequences`: scikit-learn's bundled handwritten digits (8 x 8 images, BSD
  licence; UCI ML hand-written digits, Alpaydin & Kaynak 1998), each image read row by row as 8
  time steps of 8 features, with a fixed train/test split;
- :func:`balanced_subset` draws a small training set with the same number of images per class.
"""
from __future__ import annotations

import numpy as np
import torch

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
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    rng = np.random.default_rng(seed)
    chosen = []
    for label in torch.unique(labels).tolist():
        members = torch.nonzero(labels == label).flatten().numpy()
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than per_class={per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return torch.from_numpy(np.sort(np.concatenate(chosen)))
