"""Forward+backward time of the companion RNN against torch.nn.RNN, measured side by side.

Prints median times and their ratios to torch.nn.RNN for: the companion ``RNN`` layer, and a naive
loop over the readable ``RNNCell`` (no input projection hoisted out of the loop).

    .venv/bin/python -m benchmarks.rnn_layer [--save] [--T 100 --B 64 --I 128 --H 256 --repeats 15]
"""
from __future__ import annotations

import torch
from torch import nn

from benchmarks.common import backward_of, parse_sizes, report, settings
from companion.timing import interleaved_medians, save_record
from companion.rnn import RNN


def naive_loop(layer: RNN, x: torch.Tensor) -> torch.Tensor:
    h = x.new_zeros(x.shape[0], layer.hidden_size)
    outputs = []
    for t in range(x.shape[1]):
        h = layer.cell(x[:, t], h)
        outputs.append(h)
    return torch.stack(outputs, dim=1)


def main() -> None:
    args = parse_sizes(__doc__.splitlines()[0])
    reference = nn.RNN(args.I, args.H, batch_first=True)
    ours = RNN.from_torch(reference)
    x = torch.randn(args.B, args.T, args.I, requires_grad=True)
    medians = interleaved_medians({
        "torch.nn.RNN": backward_of(lambda: reference(x)[0]),
        "companion RNN": backward_of(lambda: ours(x)[0]),
        "naive RNNCell loop": backward_of(lambda: naive_loop(ours, x)),
    }, args.repeats)
    report(medians, "torch.nn.RNN", args)
    if args.save:
        print("saved", save_record("rnn_layer", medians, "torch.nn.RNN", settings(args), ("rnn",)))


if __name__ == "__main__":
    main()
