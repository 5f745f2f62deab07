"""Forward+backward time of the companion LSTM against torch.nn.LSTM, measured side by side.

Prints median times and their ratios to torch.nn.LSTM for: the companion ``LSTM`` layer (hand-
derived backward), and a naive loop over the readable ``LSTMCell`` differentiated by autograd.

    .venv/bin/python -m benchmarks.lstm_layer [--save] [--T 100 --B 64 --I 128 --H 256 --repeats 15]
"""
from __future__ import annotations

import torch
from torch import nn

from benchmarks.common import compare_with_torch, naive_cell_loop
from companion.lstm import LSTM


def naive_loop(layer: LSTM, x: torch.Tensor) -> torch.Tensor:
    zeros = x.new_zeros(x.shape[0], layer.hidden_size)
    return naive_cell_loop(layer, x, (zeros, zeros))


def main() -> None:
    compare_with_torch(__doc__.splitlines()[0], nn.LSTM, LSTM, "lstm", naive_loop)


if __name__ == "__main__":
    main()
