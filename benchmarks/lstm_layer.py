"""Forward+backward time of the companion LSTM against torch.nn.LSTM, measured side by side.

Prints median times and their ratios to torch.nn.LSTM for: the companion ``LSTM`` layer (hand-
derived backward), and a naive loop over the readable ``LSTMCell`` differentiated by autograd.

    .venv/bin/python -m benchmarks.lstm_layer [--save] [--T 100 --B 64 --I 128 --H 256 --repeats 15]
"""
from __future__ import annotations

import torch
from torch import nn

from benchmarks.common import backward_of, parse_sizes, report, settings
from companion.timing import interleaved_medians, save_record
from companion.lstm import LSTM


def naive_loop(layer: LSTM, x: torch.Tensor) -> torch.Tensor:
    h = c = x.new_zeros(x.shape[0], layer.hidden_size)
    outputs = []
    for t in range(x.shape[1]):
        h, c = layer.cell(x[:, t], (h, c))
        outputs.append(h)
    return torch.stack(outputs, dim=1)


def main() -> None:
    args = parse_sizes(__doc__.splitlines()[0])
    reference = nn.LSTM(args.I, args.H, batch_first=True)
    ours = LSTM.from_torch(reference)
    x = torch.randn(args.B, args.T, args.I, requires_grad=True)
    medians = interleaved_medians({
        "torch.nn.LSTM": backward_of(lambda: reference(x)[0]),
        "companion LSTM": backward_of(lambda: ours(x)[0]),
        "naive LSTMCell loop": backward_of(lambda: naive_loop(ours, x)),
    }, args.repeats)
    report(medians, "torch.nn.LSTM", args)
    if args.save:
        print("saved", save_record("lstm_layer", medians, "torch.nn.LSTM", settings(args), ("lstm",)))


if __name__ == "__main__":
    main()
