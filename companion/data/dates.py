"""The date-translation data set: human-readable dates in many formats, to ISO ``YYYY-MM-DD``.

A small, real-looking translation task (chapter :ref:`seq2seq`) generated offline and seeded:
the source is a date written the way people write them (``"3rd of March 1998"``,
``"Tue, 03.03.98"``, ``"march 3 1998"``, ...), the target the same date as ``"1998-03-03"``.
Source and target have different lengths and different "languages", so it needs an
encoder-decoder; it is small enough to learn on a CPU in seconds.

Dates run from 1950-01-01 to 2049-12-31, so a two-digit year is never ambiguous (50-99 are
19xx, 00-49 are 20xx). :func:`date_splits` draws train, validation and test sets that share
no date, and :class:`Vocab` turns strings into padded token batches with their lengths.
"""
from __future__ import annotations

import datetime
import string
from collections.abc import Callable, Sequence

import numpy as np
import torch

# The model's reserved token ids; the vocabulary numbers the characters after them.
from companion.seq2seq import EOS, PAD, SOS  # noqa: F401 (re-exported for the chapters)

FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


#: How people write a date: name -> function of a ``datetime.date``.
FORMATS: dict[str, Callable[[datetime.date], str]] = {
    "ordinal_of": lambda d: f"{_ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    "weekday_dots": lambda d: f"{DAYS[d.weekday()][:3]}, {d.day:02d}.{d.month:02d}.{d.year % 100:02d}",
    "lower_month_first": lambda d: f"{MONTHS[d.month - 1].lower()} {d.day} {d.year}",
    "us_long": lambda d: f"{DAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    "day_abbrev": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "upper_abbrev": lambda d: f"{MONTHS[d.month - 1][:3].upper()} {d.day:02d} {d.year % 100:02d}",
    "slashes_us": lambda d: f"{d.month}/{d.day}/{d.year}",
    "dots_eu": lambda d: f"{d.day}.{d.month}.{d.year}",
    "compact": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    "ordinal_month_first": lambda d: f"{MONTHS[d.month - 1]} {_ordinal(d.day)}, {d.year}",
}


def iso(day: datetime.date) -> str:
    """The target: ``YYYY-MM-DD``."""
    return day.isoformat()


def random_days(n: int, rng: np.random.Generator) -> list[datetime.date]:
    """``n`` distinct days drawn uniformly from ``FIRST_DAY .. LAST_DAY``."""
    span = (LAST_DAY - FIRST_DAY).days + 1
    if not 1 <= n <= span:
        raise ValueError(f"n must lie in 1..{span}, got {n}")
    offsets = rng.choice(span, size=n, replace=False)
    return [FIRST_DAY + datetime.timedelta(days=int(k)) for k in offsets]


def date_splits(n_train: int, n_val: int, n_test: int, seed: int = 0
                ) -> dict[str, list[tuple[str, str]]]:
    """Train, validation and test pairs ``(human-readable, ISO)`` that share no date.

    Every date appears in one split only, written in one format drawn at random from
    :data:`FORMATS`.

    Args:
        n_train, n_val, n_test: pairs per split.
        seed: seed of the draw; the same seed gives the same splits.

    Returns:
        ``{"train": [...], "val": [...], "test": [...]}``, lists of ``(source, target)``.
    """
    rng = np.random.default_rng(seed)
    days = random_days(n_train + n_val + n_test, rng)
    styles = list(FORMATS.values())
    pairs = [(styles[rng.integers(len(styles))](day), iso(day)) for day in days]
    return {"train": pairs[:n_train], "val": pairs[n_train:n_train + n_val],
            "test": pairs[n_train + n_val:]}


class Vocab:
    """Characters to token ids and back, with :data:`PAD`, :data:`SOS` and :data:`EOS`.

    Args:
        texts: the strings whose characters make up the vocabulary.
    """

    def __init__(self, texts: Sequence[str]):
        self.chars = sorted({c for text in texts for c in text})
        self.index = {c: i + 3 for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars) + 3

    def encode(self, text: str, add_start: bool = False) -> list[int]:
        """Token ids of ``text``, ending with :data:`EOS` (and starting with :data:`SOS`)."""
        unknown = sorted({c for c in text if c not in self.index})
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        return ([SOS] if add_start else []) + [self.index[c] for c in text] + [EOS]

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids``, stopping at the first :data:`EOS` and skipping PAD and SOS."""
        chars = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i >= 3:
                chars.append(self.chars[i - 3])
        return "".join(chars)

    def batch(self, texts: Sequence[str], add_start: bool = False
              ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode and right-pad a batch.

        Returns:
            ``(tokens, lengths)``: int64 ids ``(B, T_max)`` padded with :data:`PAD`, and each
            sequence's length ``(B,)`` including its EOS (and SOS).
        """
        encoded = [self.encode(t, add_start) for t in texts]
        lengths = torch.tensor([len(e) for e in encoded])
        tokens = torch.full((len(encoded), int(lengths.max())), PAD, dtype=torch.int64)
        for row, ids in enumerate(encoded):
            tokens[row, :len(ids)] = torch.tensor(ids)
        return tokens, lengths


def vocab_for(splits: dict[str, list[tuple[str, str]]]) -> Vocab:
    """One vocabulary for sources and targets: letters, digits and the punctuation of
    :data:`FORMATS`, plus any other character in ``splits``."""
    alphabet = string.ascii_letters + string.digits + " ,./-"
    return Vocab([alphabet] + [s + t for pairs in splits.values() for s, t in pairs])


def pair_tensors(pairs: Sequence[tuple[str, str]], vocab: Vocab
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Encode ``(source, target)`` pairs for training.

    Returns:
        ``(source, source_lengths, target)``: source ids ``(N, S)`` ending in EOS, their lengths
        ``(N,)``, and target ids ``(N, T)`` as ``SOS ... EOS`` (the decoder reads ``target[:, :-1]``
        and predicts ``target[:, 1:]``), all right-padded with :data:`PAD`.
    """
    source, lengths = vocab.batch([s for s, _ in pairs])
    target, _ = vocab.batch([t for _, t in pairs], add_start=True)
    return source, lengths, target
