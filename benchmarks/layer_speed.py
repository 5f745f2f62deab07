"""A companion recurrent layer against PyTorch's, forward+backward, at three shapes in one run.

The shapes: the course's benchmark shape (``T=100, B=64, I=128, H=256``), the size the chapters
actually train (``H=32`` on two input features, where per-step overhead dominates), and a large
layer (``H=1024``, where the matrix products do). At each shape the runs are interleaved, in a
new order each round (:func:`shuffled_medians`), so the ratios compare like with like. The record
also names the instruction set PyTorch dispatches its CPU kernels to (AVX2, AVX-512), since
oneDNN's fused recurrent kernels, and so the ratios, depend on it.
"""
from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import time
from collections.abc import Callable
from typing import ContextManager

import torch
from torch import nn

from benchmarks.records import interleaved_medians, save_results
from companion.matmul import cpu_vendor, onednn_available, takes_onednn, use_onednn

SHAPES = {
    "benchmark": {"T": 100, "B": 64, "I": 128, "H": 256},
    "chapter": {"T": 100, "B": 64, "I": 2, "H": 32},
    "large": {"T": 100, "B": 64, "I": 128, "H": 1024},
}


def instruction_set() -> dict:
    """What the CPU offers and what PyTorch's kernels use: ``torch.backends.cpu`` and the flags."""
    try:
        cpuinfo = open("/proc/cpuinfo").read()
        flags = set(cpuinfo.split("flags")[1].split("\n")[0].split())
    except (OSError, IndexError):
        flags = set()
    # The vendor matters as much as the flags: which BLAS kernels torch.mm gets depends on it,
    # and so does which library companion.matmul chooses for a large product by default.
    large_weight = torch.empty(1024, 4096)
    return {"torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "avx2": "avx2" in flags, "avx512f": "avx512f" in flags, "cpu_vendor": cpu_vendor(),
            "onednn": onednn_available(), "mkl": torch.backends.mkl.is_available(),
            "default_products": "oneDNN" if takes_onednn(large_weight) else "torch.mm"}


def shuffled_medians(runs: dict[str, Callable[[], object]], repeats: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds of each run over interleaved rounds, each round in a new (seeded) order.

    A run can leave the machine slower for the one after it (PyTorch's worker threads keep
    spinning for a while after a parallel operation, which slows small serial operations), so no
    run is always first, and none always comes after the same one.
    """
    names = list(runs)
    interleaved_medians(runs, repeats=warmup, warmup=0)
    shuffle = random.Random(0).shuffle
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeats):
        order = names.copy()
        shuffle(order)
        for name, seconds in interleaved_medians({n: runs[n] for n in order}, repeats=1, warmup=0).items():
            times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def rounds_for(run: Callable[[], object], repeats: int, round_seconds: float = 0.05) -> int:
    """``repeats`` rounds, times as many again as calls of ``run`` fit in ``round_seconds``.

    One call of a small layer takes a few milliseconds, where a stray delay of one call is a
    large part; the median of many more rounds is as steady as that of a few long ones.
    """
    run()
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    return repeats * max(1, min(20, int(round_seconds / max(seconds, 1e-6))))


def with_products(layer: nn.Module, x: torch.Tensor, onednn: bool,
                  native: Callable[[bool], ContextManager] | None = None) -> None:
    """Forward+backward of ``layer`` with its large products on oneDNN (``True``) or on
    ``torch.mm`` only (``False``), whatever this CPU's default (:mod:`companion.matmul`), and
    with its C++ recurrence, if it has one, turned off by ``native(False)``."""
    with use_onednn(onednn), (native(False) if native else contextlib.nullcontext()):
        layer(x)[0].sum().backward()


def compare_at_shapes(torch_cls: type[nn.Module], companion_cls, naive_loop: Callable, repeats: int,
                      shapes: dict[str, dict] = SHAPES,
                      native: Callable[[bool], ContextManager] | None = None) -> dict:
    """Median forward+backward seconds and ratios to PyTorch's layer, per shape.

    Args:
        torch_cls: e.g. ``nn.LSTM`` (built batch-first).
        companion_cls: the companion layer with ``from_torch``.
        naive_loop: ``naive_loop(layer, x) -> outputs`` over the readable cell, differentiated by
            autograd.
        repeats: interleaved rounds per shape.
        native: for a layer whose recurrence can run in C++ (the LSTM), the context manager that
            turns that on and off (:func:`companion.lstm_native.use_native`).

    Besides PyTorch's layer and the naive loop, the companion layer runs with its large
    products on oneDNN and on ``torch.mm`` (:func:`companion.matmul.use_onednn`); which of the
    two is its default on this CPU is ``instruction_set()["default_products"]``. With ``native``,
    those two runs are of its PyTorch path (named ``"companion X, PyTorch ops, ..."``), and the
    layer as it runs by default, ``"companion X"``, is a run of its own; without, ``"companion X"``
    is the run with the default products.

    Returns:
        ``{shape: {"sizes", "medians_ms", "ratios"}}``.
    """
    results = {}
    name = f"companion {companion_cls.__name__}"
    path = f"{name}, PyTorch ops" if native else name
    for shape, sizes in shapes.items():
        torch.manual_seed(0)
        reference = torch_cls(sizes["I"], sizes["H"], batch_first=True)
        ours = companion_cls.from_torch(reference)
        x = torch.randn(sizes["B"], sizes["T"], sizes["I"], requires_grad=True)
        reference_name = f"torch.nn.{torch_cls.__name__}"
        runs = {reference_name: lambda: reference(x)[0].sum().backward(),
                f"{path}, oneDNN products": lambda: with_products(ours, x, True, native),
                f"{path}, torch.mm products": lambda: with_products(ours, x, False, native),
                f"naive {companion_cls.__name__}Cell loop": lambda: naive_loop(ours, x).sum().backward()}
        if native:
            runs[name] = lambda: ours(x)[0].sum().backward()
        medians = shuffled_medians(runs, rounds_for(runs[reference_name], repeats))
        results[shape] = {"sizes": sizes, "medians_ms": {k: round(v * 1e3, 3) for k, v in medians.items()},
                          "ratios": {k: round(v / medians[reference_name], 4) for k, v in medians.items()}}
        if not native:  # the layer as it runs by default, under its own name
            default = f"{path}, {instruction_set()['default_products']} products"
            for table in ("medians_ms", "ratios"):
                results[shape][table][name] = results[shape][table][default]
        print(f"{shape:9s} T={sizes['T']} B={sizes['B']} I={sizes['I']} H={sizes['H']}")
        for run, ms in results[shape]["medians_ms"].items():
            print(f"  {run:46s} {ms:9.2f} ms   x{results[shape]['ratios'][run]:.2f}")
    return results


def main(description: str, torch_cls: type[nn.Module], companion_cls, naive_loop: Callable,
         record: str, native: Callable[[bool], ContextManager] | None = None,
         machine_notes: dict | None = None) -> None:
    """The command line of ``benchmarks.lstm_layer`` and ``benchmarks.gru_layer``: ``native`` as
    in :func:`compare_at_shapes`; ``machine_notes`` are added to the record's ``instruction_set``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=15,
                        help="interleaved rounds per shape (more for small shapes: rounds_for)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save", action="store_true", help="save the record for chapters 3 and 4")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    isa = instruction_set()
    print(f"{description}; {args.threads} threads, fp32, median of {args.repeats} interleaved rounds; "
          f"PyTorch CPU kernels: {isa['torch_cpu_capability']}")
    results = compare_at_shapes(torch_cls, companion_cls, naive_loop, args.repeats, native=native)
    isa.update(machine_notes or {})
    if args.save:
        settings = {"shapes": SHAPES, "repeats": args.repeats, "threads": args.threads}
        path = save_results(record, {"shapes": results, "instruction_set": isa}, settings)
        print("saved", path)
