"""Forward+backward time of the companion GRU against torch.nn.GRU, measured side by side.

Prints median times and their ratios to torch.nn.GRU for: the companion ``GRU`` layer (hand-
derived backward), and a naive loop over the readable ``GRUCell`` differentiated by autograd.

    .venv/bin/python -m benchmarks.gru_layer [--save] [--T 100 --B 64 --I 128 --H 256 --repeats 15]
"""
from __future__ import annotations

from torch import nn

from benchmarks.common import compare_with_torch
from companion.gru import GRU


def main() -> None:
    compare_with_torch(__doc__.splitlines()[0], nn.GRU, GRU, "gru")


if __name__ == "__main__":
    main()
