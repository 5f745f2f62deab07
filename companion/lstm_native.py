"""The LSTM recurrence in C++, each step's elementwise work fused into one loop.

:class:`~companion.lstm_function.LSTMFunction` runs a step as seven PyTorch operations after the
recurrent product; each is a kernel launch that reads and writes all of the step's numbers. At
the sizes the chapters train (``H = 32``, ``B = 64``) a step's arithmetic takes about a
microsecond, and the launches take most of the step. ``torch.nn.LSTM`` does not pay them: its CPU
kernel (oneDNN's) is compiled code that does a whole step in one pass. So does
``companion/lstm_native.cpp``, written here from the same equations: per step, one BLAS call
for ``h_{t-1} W_h`` and one loop over the batch that computes the four gates, ``C_t``,
``tanh(C_t)`` and ``h_t`` (forward), or the four pre-activation gradients and ``dC_{t-1}``
(backward), written so that the compiler vectorises it.

The C++ file is compiled with ``torch.utils.cpp_extension`` (the system's C++ compiler and
ninja) the first time :func:`load` runs in an environment, into a folder inside that environment
(``<sys.prefix>/companion-native``), and loaded from there afterwards; ``make`` and ``postBuild``
build it ahead (``python -m companion.lstm_native``). Where it cannot be built (no compiler, as
on some Binder images), :func:`load` says so in one line and returns ``False``, and the layers
keep their PyTorch path.

:class:`NativeLSTMFunction` has the inputs, outputs and gradients of ``LSTMFunction``;
:class:`companion.lstm.LSTM` runs it wherever :func:`runs_natively` holds, and
:func:`use_native` ``(False)`` turns it off.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import torch

from companion.matmul import matmul, takes_onednn

#: The C++ source, beside this module.
SOURCE = Path(__file__).with_suffix(".cpp")
#: The library's name, as ``torch.utils.cpp_extension`` builds it.
LIBRARY = "companion_lstm_native"
_loaded: bool | None = None  # None: not tried yet in this process
_enabled = True              # use_native(False) turns the C++ recurrence off


def compiler_flags() -> list[str]:
    """The C++ flags: optimised, and vectorised for the instruction set PyTorch itself uses here."""
    flags = ["-O3", "-fopenmp-simd", "-fno-trapping-math"]
    if torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512"):
        flags += ["-mavx2", "-mfma"]
    return flags


def build_directory() -> Path:
    """Where the compiled library lives, inside the environment: one folder per instruction set
    and per version of the source, the flags and torch, so that a library is never stale."""
    capability = torch.backends.cpu.get_cpu_capability().lower()
    version = hashlib.sha256(SOURCE.read_bytes() + " ".join(compiler_flags()).encode()
                             + torch.__version__.encode()).hexdigest()[:12]
    return Path(sys.prefix) / "companion-native" / f"lstm-{capability}-{version}"


@contextlib.contextmanager
def _scripts_on_path() -> Iterator[None]:
    """The environment's own ``bin`` (where pip puts ninja) on ``PATH`` while building: a venv's
    Python is often run without the venv being activated."""
    scripts, path = sysconfig.get_path("scripts"), os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([scripts, path]) if path else scripts
    try:
        yield
    finally:
        os.environ["PATH"] = path


def load(verbose: bool = False) -> bool:
    """Load the C++ recurrence, compiling it first if this environment has no current build.

    Loading a built library only reads it (as the grader's sandbox allows); compiling takes
    about 25 s, once per environment (``make`` and ``postBuild`` do it ahead:
    ``python -m companion.lstm_native``).

    Args:
        verbose: show the compiler's output.

    Returns:
        ``True`` when ``torch.ops.companion_lstm_native`` is loaded; ``False``, after a one-line
        note on standard error, when it cannot be built here.
    """
    global _loaded
    if _loaded is None:
        try:
            folder = build_directory()
            library = folder / f"{LIBRARY}.so"
            if library.exists():
                torch.ops.load_library(str(library))
            else:
                from torch.utils import cpp_extension
                folder.mkdir(parents=True, exist_ok=True)
                with _scripts_on_path():
                    cpp_extension.load(name=LIBRARY, sources=[str(SOURCE)], extra_cflags=compiler_flags(),
                                       build_directory=str(folder), is_python_module=False,
                                       verbose=verbose)
            _loaded = True
        except Exception as error:  # no compiler, no ninja, a read-only environment, ...
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(f"companion.lstm_native: not built ({reason}); the LSTM keeps its PyTorch path",
                  file=sys.stderr)
            _loaded = False
    return _loaded


@contextlib.contextmanager
def use_native(enabled: bool) -> Iterator[None]:
    """Within the ``with`` block, let :class:`~companion.lstm.LSTM` run its recurrence in C++
    where :func:`runs_natively` allows (``True``, the default outside any block) or never
    (``False``: the PyTorch path of :mod:`companion.lstm_function`, as benchmarks and tests
    compare)."""
    global _enabled
    previous, _enabled = _enabled, bool(enabled)
    try:
        yield
    finally:
        _enabled = previous


def runs_natively(x: torch.Tensor, W_h: torch.Tensor) -> bool:
    """Whether an LSTM with recurrent weight ``W_h`` ``(H, 4H)`` runs its recurrence over ``x``
    in C++: on the CPU, in float32 or float64, where the C++ file is built, and where
    :mod:`companion.matmul` would not send the recurrent product to oneDNN (on the CPUs where
    oneDNN's packed products beat the BLAS that the C++ loop calls, the large layers keep them).
    """
    return (_enabled and x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64)
            and not takes_onednn(W_h) and load())


class NativeLSTMFunction(torch.autograd.Function):
    """:class:`~companion.lstm_function.LSTMFunction`'s computation with the C++ recurrence.

    The same inputs and outputs, time-major: ``x`` ``(T, B, I)``, ``h0`` and ``c0`` ``(B, H)``,
    ``W_x`` ``(I, 4H)``, ``W_h`` ``(H, 4H)``, ``b`` ``(4H,)``, blocks in the order i, f, C~, o;
    it returns the hidden states ``(T, B, H)``, ``h_T`` and ``C_T`` ``(B, H)`` and the cell states
    ``(T, B, H)``. Needs :func:`load` to have returned ``True``; float32 or float64 on the CPU.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, W_x, W_h, b):
        """x ``(T, B, I)``, h0 and c0 ``(B, H)``, W_x ``(I, 4H)``, W_h ``(H, 4H)``, b ``(4H,)``
        -> hidden states ``(T, B, H)``, ``h_T`` and ``C_T`` ``(B, H)``, cell states ``(T, B, H)``."""
        ctx.set_materialize_grads(False)
        T, B, _ = x.shape
        H = h0.shape[1]
        x_rows = x.reshape(T * B, -1)
        gates = matmul(x_rows, W_x, bias=b).view(T, B, 4 * H)  # becomes the activations
        hs, cs = x.new_empty(T + 1, B, H), x.new_empty(T + 1, B, H)
        tanh_cs = x.new_empty(T, B, H)
        hs[0], cs[0] = h0, c0
        W_h = W_h.contiguous()
        torch.ops.companion_lstm_native.forward(gates, W_h, hs, cs, tanh_cs)
        ctx.save_for_backward(x_rows, W_x, W_h, gates, hs, cs, tanh_cs)
        return hs[1:], hs[T].clone(), cs[T].clone(), cs[1:]

    @staticmethod
    def backward(ctx, d_hs, d_hT, d_cT, d_cs):
        """The gradients of all six inputs of :meth:`forward`, from those of its outputs."""
        x_rows, W_x, W_h, gates, hs, cs, tanh_cs = ctx.saved_tensors
        T, B, H = tanh_cs.shape
        # The C++ loop writes into dh and dc, and accumulates each dh_{t-1} into the outputs'
        # gradient: one contiguous copy of our own of each.
        own = torch.contiguous_format
        dh = gates.new_zeros(B, H) if d_hT is None else d_hT.clone(memory_format=own)
        dc = gates.new_zeros(B, H) if d_cT is None else d_cT.clone(memory_format=own)
        d_hs = None if d_hs is None else d_hs.clone(memory_format=own)
        d_cs = None if d_cs is None else d_cs.contiguous()
        d_gates = torch.empty_like(gates)
        torch.ops.companion_lstm_native.backward(gates, cs, tanh_cs, W_h, d_hs, dh, dc, d_cs, d_gates)
        flat = d_gates.view(T * B, 4 * H)
        d_x = matmul(flat, W_x.t()).view(T, B, -1) if ctx.needs_input_grad[0] else None
        d_W_x = matmul(x_rows.t(), flat)
        d_W_h = matmul(hs[:T].reshape(T * B, H).t(), flat)
        return d_x, dh, dc, d_W_x, d_W_h, flat.sum(dim=0)


if __name__ == "__main__":  # make and postBuild: build ahead, so that no chapter pays the compile
    if load():
        print(f"companion.lstm_native: built in {build_directory()}")
