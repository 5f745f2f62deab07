"""What the benchmark scripts share: the course's benchmark sizes and the printed report.

The timing itself is :func:`benchmarks.records.interleaved_medians`.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable

import torch
from torch import nn

from benchmarks.records import interleaved_medians, save_record

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


def start(description: str, chapter: int,
          parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """Parse a record-making script's command line (adding ``--save``), then use 2 threads and
    seed torch with 0, the conditions every saved record was made under."""
    parser = parser or argparse.ArgumentParser(description=description)
    parser.add_argument("--save", action="store_true",
                        help=f"save the record in benchmarks/results/ for chapter {chapter}")
    args = parser.parse_args()
    torch.set_num_threads(2)
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


def naive_cell_loop(layer: nn.Module, x: torch.Tensor, state=None) -> torch.Tensor:
    """The naive way to run a layer: its readable cell once per step, ``x[:, t]`` indexed, every
    operation recorded by autograd. Any companion cell, ``cell(x_t, state) -> state``; ``state``
    defaults to a zero ``h`` ``(B, H)`` (an LSTM passes its ``(h, C)``)."""
    if state is None:
        state = x.new_zeros(x.shape[0], layer.hidden_size)
    outputs = []
    for t in range(x.shape[1]):
        state = layer.cell(x[:, t], state)
        outputs.append(layer.hidden(state))
    return torch.stack(outputs, dim=1)


def compare_with_torch(description: str, torch_cls: type[nn.Module], companion_cls,
                       module: str, naive_loop: Callable = naive_cell_loop) -> None:
    """Time a companion layer, its naive cell loop and the PyTorch layer it copies, side by side.

    Args:
        description: the script's one-line description (for ``--help``).
        torch_cls: e.g. ``nn.LSTM``; built batch-first at the command line's sizes.
        companion_cls: the companion layer with ``from_torch``, e.g. ``companion.lstm.LSTM``.
        module: the companion module measured, and the record's name ``<module>_layer``.
        naive_loop: ``naive_loop(layer, x) -> outputs`` over the layer's readable cell.
    """
    args = parse_sizes(description)
    reference = torch_cls(args.I, args.H, batch_first=True)
    ours = companion_cls.from_torch(reference)
    x = torch.randn(args.B, args.T, args.I, requires_grad=True)
    name = companion_cls.__name__
    reference_name = f"torch.nn.{torch_cls.__name__}"
    medians = interleaved_medians({
        reference_name: backward_of(lambda: reference(x)[0]),
        f"companion {name}": backward_of(lambda: ours(x)[0]),
        f"naive {name}Cell loop": backward_of(lambda: naive_loop(ours, x)),
    }, args.repeats)
    report(medians, reference_name, args)
    if args.save:
        path = save_record(f"{module}_layer", medians, reference_name, settings(args))
        print("saved", path)
