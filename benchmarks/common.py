"""What the benchmark scripts share: the course's benchmark sizes and the printed report.

The timing itself is :func:`companion.timing.interleaved_medians`.
"""
from __future__ import annotations

import argparse

import torch

SIZES = (("T", 100), ("B", 64), ("I", 128), ("H", 256), ("repeats", 15), ("threads", 2))


def parse_sizes(description: str) -> argparse.Namespace:
    """Command-line sizes (default: the course's benchmark shape); sets torch's threads."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in SIZES:
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--save", action="store_true",
                        help="save the result in benchmarks/results/ for the chapters to quote")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    return args


def settings(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name, _ in SIZES}


def backward_of(forward):
    """A run for interleaved_medians: forward, then backward through the sum of the output."""
    return lambda: forward().sum().backward()


def report(medians: dict[str, float], reference: str, args: argparse.Namespace) -> None:
    """Print each median and its ratio to ``reference``."""
    base = medians[reference]
    print(f"forward+backward, T={args.T} B={args.B} I={args.I} H={args.H}, fp32, "
          f"{args.threads} threads, median of {args.repeats} interleaved rounds")
    for name, median in medians.items():
        print(f"  {name:22s} {median * 1e3:8.2f} ms   ratio to {reference} {median / base:5.2f}")
