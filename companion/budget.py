"""Parameter budgets: counting a model's parameters, and sizing a GRU to match an LSTM.

Comparing two architectures "at the same size" can mean the same hidden size or the same number
of parameters, and the answers differ. Chapter :ref:`gru` compares the LSTM and the GRU both ways.
"""
from __future__ import annotations

import math

from torch import nn


def parameter_count(module: nn.Module) -> int:
    """The number of trainable numbers in ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def torch_parameter_count(cls: type[nn.Module], input_size: int, hidden_size: int) -> int:
    """Parameters of a one-layer PyTorch recurrent layer, e.g. ``torch_parameter_count(nn.GRU, 8, 32)``.

    PyTorch keeps two bias vectors per gate block, so an ``nn.LSTM`` has ``4(IH + H^2 + 2H)`` and an
    ``nn.GRU`` ``3(IH + H^2 + 2H)``.
    """
    return parameter_count(cls(input_size, hidden_size))


def equal_budget_hidden(input_size: int, lstm_hidden: int) -> int:
    """The GRU hidden size whose parameter count is closest to an LSTM's with ``lstm_hidden`` units.

    Solves ``3(H^2 + (I + 2) H) = 4(I h + h^2 + 2h)`` for ``H`` (``h = lstm_hidden``) and rounds.

    Args:
        input_size: ``I``, shared by both layers.
        lstm_hidden: the LSTM's hidden size ``h``.

    Returns:
        The GRU's hidden size, about ``1.15 h`` when ``h`` is much larger than ``I``.
    """
    if input_size < 1 or lstm_hidden < 1:
        raise ValueError(f"input_size and lstm_hidden must be >= 1, got {input_size}, {lstm_hidden}")
    budget = 4 * (input_size * lstm_hidden + lstm_hidden ** 2 + 2 * lstm_hidden)
    b = input_size + 2
    return round((-b + math.sqrt(b * b + 4 * budget / 3)) / 2)
