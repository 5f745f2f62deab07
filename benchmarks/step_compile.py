"""The LSTM's forward recurrence at the chapters' size: eager, with each step compiled, and scripted.

Chapter 3 says that at H = 32 what is left of the layer's time is the loop's cost per step (a
dozen PyTorch operations, each with a fixed dispatch cost), and that the two tools PyTorch offers
against per-operation overhead do not remove it. This measures that, on the forward recurrence of
T = 100 steps (B = 64, I = 2, H = 32) without autograd, three ways, interleaved:

- eager: the companion's ``LSTMFunction`` forward, as the layer runs it;
- compiled: the same per-step product, then the elementwise rest of the step as one
  ``torch.compile`` (Inductor) function, called once per step;
- scripted: the whole loop as one TorchScript function;
- fused C++: the companion's ``NativeLSTMFunction`` forward (:mod:`companion.lstm_native`), each
  step's elementwise part one compiled loop, where it is built.

Where ``torch.compile`` cannot build (no C++ compiler), the run says so in one line and records
the compiled variant as unavailable.

    .venv/bin/python -m benchmarks.step_compile [--save] [--repeats 25]
"""
from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable

import torch

from benchmarks.common import start
from benchmarks.records import interleaved_medians, save_record
from companion import lstm_native
from companion.lstm import LSTM, LSTMFunction
from companion.lstm_native import NativeLSTMFunction

SIZES = {"T": 100, "B": 64, "I": 2, "H": 32}


def step_elementwise(pre: torch.Tensor, c2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The step after its product, in the layer's conventions (candidate columns doubled, 2 C
    carried): ``pre`` ``(B, 4H)``, ``c2`` ``(B, H)`` -> ``(h_t, 2 C_t)``, each ``(B, H)``."""
    H = c2.shape[1]
    s = torch.sigmoid(pre)
    i, f, s_g, o = s[:, :H], s[:, H:2 * H], s[:, 2 * H:3 * H], s[:, 3 * H:]
    c2_next = f * c2 + 2 * i * (2 * s_g - 1)
    return o * (2 * torch.sigmoid(c2_next) - 1), c2_next


def recurrence(x_proj: torch.Tensor, W_h: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor,
               step: Callable = step_elementwise) -> torch.Tensor:
    """``T`` steps with ``step`` as the elementwise part; the hidden states ``(T, B, H)``."""
    h, c2, hs = h0, 2 * c0, []
    for t in range(x_proj.shape[0]):
        h, c2 = step(torch.addmm(x_proj[t], h, W_h), c2)
        hs.append(h)
    return torch.stack(hs)


def scripted_loop(x_proj: torch.Tensor, W_h: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """:func:`recurrence` with :func:`step_elementwise`, in the form TorchScript compiles whole."""
    h, c2 = h0, 2 * c0
    hs: list[torch.Tensor] = []
    for t in range(x_proj.shape[0]):
        h, c2 = step_elementwise(torch.addmm(x_proj[t], h, W_h), c2)
        hs.append(h)
    return torch.stack(hs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    args = start(__doc__.splitlines()[0], chapter=3, parser=parser)
    torch.set_grad_enabled(False)  # the forward recurrence alone, in every variant
    T, B, I, H = (SIZES[k] for k in "TBIH")
    layer = LSTM(I, H)
    W_x, W_h, b = (w.detach() for w in layer.cell.stacked_weights())
    doubled = [w.clone() for w in (W_x, W_h, b)]
    for w in doubled:
        w[..., 2 * H:3 * H] *= 2  # the layer's convention, so all three compute the same thing
    x = torch.randn(T, B, I)
    h0 = c0 = torch.zeros(B, H)

    def projection():
        return torch.addmm(doubled[2], x.reshape(T * B, I), doubled[0]).view(T, B, 4 * H)

    runs = {"eager (companion LSTMFunction)": lambda: LSTMFunction.apply(x, h0, c0, W_x, W_h, b)}
    reference = recurrence(projection(), doubled[1], h0, c0, step_elementwise)
    try:
        compiled = torch.compile(step_elementwise, dynamic=False, fullgraph=True)
        torch.testing.assert_close(recurrence(projection(), doubled[1], h0, c0, compiled), reference)
        runs["each step's elementwise part compiled"] = lambda: recurrence(
            projection(), doubled[1], h0, c0, compiled)
    except Exception as error:  # no compiler, or an Inductor that cannot build here
        print(f"torch.compile is unavailable here ({type(error).__name__}); measuring without it")
    with warnings.catch_warnings():  # PyTorch now marks TorchScript as deprecated
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(scripted_loop)
    torch.testing.assert_close(scripted(projection(), doubled[1], h0, c0), reference)
    runs["whole loop scripted (TorchScript)"] = lambda: scripted(projection(), doubled[1], h0, c0)
    torch.testing.assert_close(LSTMFunction.apply(x, h0, c0, W_x, W_h, b)[0], reference,
                               atol=1e-6, rtol=0)
    if lstm_native.load():
        torch.testing.assert_close(NativeLSTMFunction.apply(x, h0, c0, W_x, W_h, b)[0], reference,
                                   atol=1e-6, rtol=0)
        runs["fused C++ loop (companion NativeLSTMFunction)"] = lambda: NativeLSTMFunction.apply(
            x, h0, c0, W_x, W_h, b)
    medians = interleaved_medians(runs, args.repeats, warmup=3)
    eager = medians["eager (companion LSTMFunction)"]
    print(f"forward recurrence, T={T} B={B} I={I} H={H}, 2 threads, median of {args.repeats} rounds")
    for name, seconds in medians.items():
        print(f"  {name:40s} {seconds * 1e6 / T:6.1f} us per step   x{seconds / eager:.2f}")
    if args.save:
        print("saved", save_record("step_compile", medians, "eager (companion LSTMFunction)",
                                   {**SIZES, "repeats": args.repeats, "threads": 2}))


if __name__ == "__main__":
    main()
