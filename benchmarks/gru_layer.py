"""Forward+backward time of the companion GRU against torch.nn.GRU, at three shapes side by side.

Prints, at the benchmark shape, the chapters' training size (H = 32) and H = 1024, the median
times and their ratios to torch.nn.GRU for: the companion ``GRU`` layer (hand-derived backward),
and a naive loop over the readable ``GRUCell`` differentiated by autograd (see
:mod:`benchmarks.layer_speed`).

    .venv/bin/python -m benchmarks.gru_layer [--save] [--repeats 15]
"""
from __future__ import annotations

from torch import nn

from benchmarks.common import naive_cell_loop
from benchmarks.layer_speed import main as compare
from companion.gru import GRU


def main() -> None:
    compare(__doc__.splitlines()[0], nn.GRU, GRU, naive_cell_loop, "gru_layer")


if __name__ == "__main__":
    main()
