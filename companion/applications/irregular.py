"""Irregularly sampled sequences: what a plain RNN assumes, and feeding it the time gaps.

An RNN step has no clock: it sees the *order* of its inputs, not *when* they were taken. With
samples at regular intervals the order is enough (the interval is a constant the weights can
absorb); with irregular intervals the same values can come from very different signals.

The task here makes that measurable. Each sequence samples a sine wave of unknown frequency
``w`` at times with random gaps; the model must estimate ``w``. Reading values alone it cannot
tell a fast wave sampled densely from a slow wave sampled sparsely; given each gap as an extra
input it can (the fix in e.g. Che et al. 2018, GRU-D, which also decays the state by the gap).
"""
from __future__ import annotations

import torch
from torch import nn

from companion.gru import GRU, GRUCell
from companion.rnn_types import ManyToOne

def model_inputs(batch: dict[str, torch.Tensor], with_gaps: bool) -> torch.Tensor:
    """The RNN's input per step: the value alone ``(n, T, 1)``, or value and gap ``(n, T, 2)``."""
    columns = [batch["values"]] + ([batch["gaps"]] if with_gaps else [])
    return torch.stack(columns, dim=-1)


class FrequencyEstimator(ManyToOne):
    """Chapter 1's many-to-one model with the companion GRU: a linear layer from the last hidden
    state to ``w``.

    Args:
        input_size: 1 (values) or 2 (values and gaps).
        hidden_size: ``H``, GRU units.
    """

    def __init__(self, input_size: int, hidden_size: int = 32):
        super().__init__(input_size, hidden_size, 1, layer=GRU)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, input_size)`` -> estimated frequencies ``(B,)``."""
        return super().forward(x)[:, 0]


class DecayingEstimator(nn.Module):
    """A GRU cell whose state decays towards zero by the time since the last sample, before each
    step (the decay of GRU-D, without its other inputs): ``h <- exp(-rate * gap) * h``, with one
    learned ``rate >= 0`` per unit. Reads values only; the gaps act through the decay.

    Args:
        hidden_size: ``H``, GRU units.
    """

    def __init__(self, hidden_size: int = 32):
        super().__init__()
        self.cell = GRUCell(1, hidden_size)
        self.log_rate = nn.Parameter(torch.zeros(hidden_size))
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, values: torch.Tensor, gaps: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` values and gaps -> estimated frequencies ``(B,)``."""
        if values.shape != gaps.shape or values.dim() != 2:
            raise ValueError(f"values and gaps must both have shape (B, T), got "
                             f"{tuple(values.shape)} and {tuple(gaps.shape)}")
        h = values.new_zeros(len(values), self.cell.hidden_size)
        for x_t, gap in zip(values.unbind(1), gaps.unbind(1)):
            h = h * torch.exp(-self.log_rate.exp() * gap[:, None])
            h = self.cell(x_t[:, None], h)
        return self.head(h)[:, 0]
