"""The LSTM with its recurrence in C++ (companion.lstm_native) against torch.nn.LSTM and the PyTorch path.

Forward+backward through the layer's whole-sequence Function, three ways, interleaved round by
round at the three shapes of ``benchmarks/lstm_layer.py``: ``torch.nn.LSTM``; the companion's
``LSTMFunction`` (seven PyTorch operations per step after the product); ``NativeLSTMFunction``
(one fused C++ loop per step after the product). Ratios are to ``torch.nn.LSTM``. Where the C++
file cannot be built, the run says so and stops.

    .venv/bin/python -m benchmarks.lstm_native [--save] [--repeats 15] [--shapes chapter benchmark large]
"""
from __future__ import annotations

import argparse
import sys

import torch
from torch import nn

from benchmarks.common import start
from benchmarks.records import interleaved_medians, save_results
from companion import lstm_native
from companion.lstm import LSTM
from companion.lstm_function import LSTMFunction
from companion.lstm_native import NativeLSTMFunction

SHAPES = {"chapter": {"T": 100, "B": 64, "I": 2, "H": 32},
          "benchmark": {"T": 100, "B": 64, "I": 128, "H": 256},
          "large": {"T": 100, "B": 64, "I": 128, "H": 1024}}
REFERENCE = "torch.nn.LSTM"


def runs_for(T: int, B: int, I: int, H: int) -> dict:
    """name -> one forward+backward at this shape, every variant with torch.nn.LSTM's weights."""
    reference = nn.LSTM(I, H)
    x = torch.randn(T, B, I, requires_grad=True)
    W_x, W_h, b = (w.detach().contiguous().requires_grad_()
                   for w in LSTM.from_torch(reference).cell.stacked_weights())
    h0 = c0 = torch.zeros(B, H)

    def torch_layer():
        reference(x)[0].sum().backward()

    def companion(function):
        return lambda: function.apply(x, h0, c0, W_x, W_h, b)[0].sum().backward()
    torch.testing.assert_close(NativeLSTMFunction.apply(x, h0, c0, W_x, W_h, b)[0], reference(x)[0],
                               atol=1e-5, rtol=0)
    return {REFERENCE: torch_layer, "companion LSTMFunction (PyTorch ops)": companion(LSTMFunction),
            "companion NativeLSTMFunction (fused C++ steps)": companion(NativeLSTMFunction)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    args = start(__doc__.splitlines()[0], chapter=3, parser=parser)
    if not lstm_native.load():
        sys.exit("benchmarks.lstm_native: the C++ recurrence is not built here; nothing to measure")
    print(f"forward+backward, fp32, {torch.get_num_threads()} threads, median of {args.repeats} "
          f"interleaved rounds; PyTorch CPU kernels: {torch.backends.cpu.get_cpu_capability()}")
    results = {}
    for shape in args.shapes:
        sizes = SHAPES[shape]
        medians = interleaved_medians(runs_for(**sizes), args.repeats, warmup=2)
        base = medians[REFERENCE]
        results[shape] = {"sizes": sizes, "medians_ms": {k: round(v * 1e3, 3) for k, v in medians.items()},
                          "ratios": {k: round(v / base, 4) for k, v in medians.items()}}
        print(shape, " ".join(f"{k}={v}" for k, v in sizes.items()))
        for name, seconds in medians.items():
            print(f"  {name:48s} {seconds * 1e3:9.2f} ms   x{seconds / base:.2f}")
    if args.save:
        results["instruction_set"] = torch.backends.cpu.get_cpu_capability()
        print("saved", save_results("lstm_native", results,
                                    {"shapes": {k: SHAPES[k] for k in args.shapes},
                                     "repeats": args.repeats, "threads": 2}))


if __name__ == "__main__":
    main()
