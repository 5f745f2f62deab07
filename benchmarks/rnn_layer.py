"""Forward+backward time of the companion RNN against torch.nn.RNN, measured side by side.

Prints median times and their ratios to torch.nn.RNN for: the companion ``RNN`` layer, and a naive
loop over the readable ``RNNCell`` (no input projection hoisted out of the loop). The runs are
interleaved (A, B, C, A, B, C, ...) so that a noisy machine slows all of them alike.

    .venv/bin/python benchmarks/rnn_layer.py [--T 100 --B 64 --I 128 --H 256 --repeats 15]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from companion.rnn import RNN


def naive_loop(layer: RNN, x: torch.Tensor) -> torch.Tensor:
    h = x.new_zeros(x.shape[0], layer.hidden_size)
    outputs = []
    for t in range(x.shape[1]):
        h = layer.cell(x[:, t], h)
        outputs.append(h)
    return torch.stack(outputs, dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("T", 100), ("B", 64), ("I", 128), ("H", 256), ("repeats", 15), ("threads", 2)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    reference = nn.RNN(args.I, args.H, batch_first=True)
    ours = RNN.from_torch(reference)
    x = torch.randn(args.B, args.T, args.I, requires_grad=True)
    runs = {
        "torch.nn.RNN": lambda: reference(x)[0],
        "companion RNN": lambda: ours(x)[0],
        "naive RNNCell loop": lambda: naive_loop(ours, x),
    }
    times = {name: [] for name in runs}
    for repeat in range(args.repeats + 2):
        for name, forward in runs.items():
            start = time.perf_counter()
            forward().sum().backward()
            elapsed = time.perf_counter() - start
            if repeat >= 2:  # the first two rounds warm up allocators and caches
                times[name].append(elapsed)

    base = statistics.median(times["torch.nn.RNN"])
    print(f"forward+backward, T={args.T} B={args.B} I={args.I} H={args.H}, fp32, "
          f"{args.threads} threads, median of {args.repeats}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:20s} {median * 1e3:8.2f} ms   ratio to torch.nn.RNN {median / base:5.2f}")


if __name__ == "__main__":
    main()
