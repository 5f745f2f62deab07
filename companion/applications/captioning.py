"""One-to-many: spell a digit image's English name, one character at a time, from the image.

The smallest honest version of image captioning (Vinyals et al. 2015, "Show and tell"): the
image is read once, by a linear layer, into the initial hidden state of a GRU cell; from then on
the cell sees only the character it produced last (the start symbol at first) and outputs the
next, until it writes the end symbol. Nothing tells the decoder which names exist: it has to
learn to spell them, and to stop.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from companion.gru import GRUCell

#: The English name of each digit, indexed by the digit.
DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
START, END = "^", "$"
#: The decoder's symbols: start, end, and every letter of the names.
SYMBOLS = START + END + "".join(sorted(set("".join(DIGIT_NAMES))))
#: Decoding steps needed for the longest name and its end symbol.
MAX_LENGTH = max(map(len, DIGIT_NAMES)) + 1  # the longest name and its end symbol


def spelling_targets(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder inputs and targets for teacher forcing, both ``(B, MAX_LENGTH)`` int64.

    Inputs are ``START`` + name, targets are name + ``END``; positions after the end hold -100,
    which :func:`torch.nn.functional.cross_entropy` ignores.
    """
    inputs = torch.full((len(labels), MAX_LENGTH), SYMBOLS.index(END), dtype=torch.int64)
    targets = torch.full((len(labels), MAX_LENGTH), -100, dtype=torch.int64)
    for row, label in enumerate(labels.tolist()):
        name = [SYMBOLS.index(c) for c in DIGIT_NAMES[label]]
        inputs[row, :len(name) + 1] = torch.tensor([SYMBOLS.index(START)] + name)
        targets[row, :len(name) + 1] = torch.tensor(name + [SYMBOLS.index(END)])
    return inputs, targets


class DigitSpeller(nn.Module):
    """Image to initial state, then a GRU cell that spells.

    Args:
        image_size: pixels per image (64 for scikit-learn's 8 x 8 digits).
        hidden_size: ``H``, units of the GRU cell.
        embedding_size: size of each symbol's learned vector.
    """

    def __init__(self, image_size: int = 64, hidden_size: int = 64, embedding_size: int = 16):
        super().__init__()
        self.image_size = image_size
        self.image_to_state = nn.Linear(image_size, hidden_size)
        self.embed = nn.Embedding(len(SYMBOLS), embedding_size)
        self.cell = GRUCell(embedding_size, hidden_size)
        self.head = nn.Linear(hidden_size, len(SYMBOLS))

    def initial_state(self, images: torch.Tensor) -> torch.Tensor:
        """The decoder's first hidden state from the images, ``(B, image_size) -> (B, H)``."""
        if images.dim() != 2 or images.shape[1] != self.image_size:
            raise ValueError(f"images must have shape (B, {self.image_size}), got {tuple(images.shape)}")
        return torch.tanh(self.image_to_state(images))

    def forward(self, images: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits: each step sees the true previous symbol.

        Args:
            images: shape ``(B, image_size)``.
            inputs: symbol ids, shape ``(B, L)``, from :func:`spelling_targets`.

        Returns:
            Logits over :data:`SYMBOLS`, shape ``(B, L, len(SYMBOLS))``.
        """
        h = self.initial_state(images)
        logits = []
        for x_t in self.embed(inputs).unbind(1):
            h = self.cell(x_t, h)
            logits.append(self.head(h))
        return torch.stack(logits, dim=1)

    @torch.no_grad()
    def spell(self, images: torch.Tensor, max_length: int = MAX_LENGTH) -> list[str]:
        """Greedy decoding: feed back the most likely symbol until ``END`` (or ``max_length``)."""
        self.eval()
        h = self.initial_state(images)
        symbol = torch.full((len(images),), SYMBOLS.index(START), dtype=torch.int64)
        spelled = np.empty((len(images), 0), dtype=np.int64)
        for _ in range(max_length):
            h = self.cell(self.embed(symbol), h)
            symbol = self.head(h).argmax(-1)
            spelled = np.concatenate([spelled, symbol.numpy()[:, None]], axis=1)
        words = ["".join(SYMBOLS[i] for i in row) for row in spelled]
        return [word.split(END)[0] for word in words]


def spelling_loss(model: DigitSpeller, batch) -> torch.Tensor:
    """Mean cross-entropy per spelled symbol of a batch ``(images, labels)``."""
    images, labels = batch
    inputs, targets = spelling_targets(labels)
    logits = model(images, inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
