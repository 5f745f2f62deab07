"""Forward+backward time of the companion RNN against torch.nn.RNN, measured side by side.

Prints median times and their ratios to torch.nn.RNN for: the companion ``RNN`` layer, and a naive
loop over the readable ``RNNCell`` (no input projection hoisted out of the loop).

    .venv/bin/python -m benchmarks.rnn_layer [--save] [--T 100 --B 64 --I 128 --H 256 --repeats 15]
"""
from __future__ import annotations

from torch import nn

from benchmarks.common import compare_with_torch
from companion.rnn import RNN


def main() -> None:
    compare_with_torch(__doc__.splitlines()[0], nn.RNN, RNN, "rnn")


if __name__ == "__main__":
    main()
