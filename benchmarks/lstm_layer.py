"""Forward+backward time of the companion LSTM against torch.nn.LSTM, at three shapes side by side.

Prints, at the benchmark shape, the chapters' training size (H = 32) and H = 1024, the median
times and their ratios to torch.nn.LSTM for: the companion ``LSTM`` layer as it runs by default
(hand-derived backward, recurrence in C++ where :mod:`companion.lstm_native` is built), the same
layer's PyTorch path (``use_native(False)``) with each library's products, and a naive loop over
the readable ``LSTMCell`` differentiated by autograd (see :mod:`benchmarks.layer_speed`).

    .venv/bin/python -m benchmarks.lstm_layer [--save] [--repeats 15]
"""
from __future__ import annotations

import torch
from torch import nn

from benchmarks.common import naive_cell_loop
from benchmarks.layer_speed import main as compare
from companion.lstm import LSTM
from companion import lstm_native


def naive_loop(layer: LSTM, x: torch.Tensor) -> torch.Tensor:
    zeros = x.new_zeros(x.shape[0], layer.hidden_size)
    return naive_cell_loop(layer, x, (zeros, zeros))


def main() -> None:
    compare(__doc__.splitlines()[0], nn.LSTM, LSTM, naive_loop, "lstm_layer", native=lstm_native.use_native,
            machine_notes={"native_recurrence": lstm_native.load()})


if __name__ == "__main__":
    main()
