"""Matrix products for the fast layers: oneDNN's where PyTorch has it, ``torch.mm`` elsewhere.

On a CPU, ``torch.mm`` of two float32 tensors calls the BLAS that PyTorch was built with (MKL on
x86). ``torch.nn.LSTM`` does not: it computes its products with oneDNN, which PyTorch also ships
and exposes as the operators that ``torch.compile`` uses for linear layers on the CPU
(``torch.ops.mkldnn._reorder_linear_weight`` packs a weight once for a given batch size, and
``torch.ops.mkldnn._linear_pointwise`` multiplies by it). How far apart the two are depends on
the CPU's maker: on an AMD EPYC the recurrent layers' products ran 2.3-2.8 times faster through
oneDNN than through MKL (Intel's library, known to choose generic kernels on other makers' CPUs), and
on an Intel Xeon MKL was as fast or faster. So the default sends large products to oneDNN on
the makers' CPUs where it was measured faster (:data:`ONEDNN_VENDORS`) and to ``torch.mm`` on all
others; ``benchmarks/layer_speed.py`` measures the layers both ways, side by side, and records the
CPU's vendor and instruction set.

:class:`RepeatedProduct` is the one the recurrences use: the same weight, ``T`` times, packed
once. :func:`matmul` is for the large one-off products of the input projection and the weight
gradients. Both fall back to ``torch.mm`` / ``torch.addmm`` for anything oneDNN does not take
here (float64, as in the gradient checks; a GPU; a build without oneDNN), for products too
small to gain from it, on CPUs not in :data:`ONEDNN_VENDORS`, and inside :func:`use_onednn` ``(False)``;
:func:`use_onednn` ``(True)`` sends products to oneDNN on any CPU, as the tests and benchmarks do.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

#: Below this many weight entries (an LSTM's (H, 4H) weight at H = 91), a packed oneDNN product
#: costs more in fixed overhead than it saves (at H = 64 the two were level on an AMD EPYC).
MIN_ONEDNN_WEIGHT = 32 * 1024

#: The CPU makers (``vendor_id`` in ``/proc/cpuinfo``) on which oneDNN's products are the default.
ONEDNN_VENDORS = ("AuthenticAMD",)

_enabled: bool | None = None  # None: by the CPU's maker


def cpu_vendor() -> str:
    """The CPU's maker as the kernel names it (``"GenuineIntel"``, ``"AuthenticAMD"``), or ``"unknown"``."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


_prefers_onednn = cpu_vendor() in ONEDNN_VENDORS


def onednn_available() -> bool:
    """Whether this PyTorch build has the oneDNN operators used here."""
    return (torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")
            and hasattr(torch.ops.mkldnn, "_reorder_linear_weight"))


@contextlib.contextmanager
def use_onednn(enabled: bool | None) -> Iterator[None]:
    """Within the ``with`` block, use oneDNN (``True``), ``torch.mm`` only (``False``), or choose
    by the CPU's maker (``None``, the default outside any block)."""
    global _enabled
    previous, _enabled = _enabled, None if enabled is None else bool(enabled)
    try:
        yield
    finally:
        _enabled = previous


def takes_onednn(weight: torch.Tensor) -> bool:
    """Whether products with ``weight`` go to oneDNN: float32 on the CPU, large enough, chosen."""
    chosen = _prefers_onednn if _enabled is None else _enabled
    return (chosen and weight.dtype == torch.float32 and weight.device.type == "cpu"
            and weight.numel() >= MIN_ONEDNN_WEIGHT and onednn_available())


class RepeatedProduct:
    """``x @ weight`` for many ``x`` of the same batch size, with the weight prepared once.

    Args:
        weight: ``(K, N)``, not changed while this object is used.
        rows: ``M``, the number of rows of every ``x``; oneDNN packs the weight for it.
    """

    def __init__(self, weight: torch.Tensor, rows: int):
        if weight.dim() != 2:
            raise ValueError(f"weight must have shape (K, N), got {tuple(weight.shape)}")
        self.weight = weight
        self.packed = None
        if takes_onednn(weight):
            # oneDNN's linear computes x @ W^T with W of shape (N, K): pack the transpose.
            self.packed = torch.ops.mkldnn._reorder_linear_weight(weight.t().contiguous(), rows)
        else:
            self.weight = weight.contiguous()  # a transposed view is copied once, not T times

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``x @ weight`` for ``x`` of shape ``(M, K)``: a new ``(M, N)`` tensor."""
        if self.packed is None:
            return torch.mm(x, self.weight)
        return torch.ops.mkldnn._linear_pointwise(x, self.packed, None, "none", [], "")

    def add(self, other: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``other + x @ weight`` in one call, ``other`` of shape ``(M, N)``: a new tensor."""
        if self.packed is None:
            return torch.addmm(other, x, self.weight)
        return torch.ops.mkldnn._linear_pointwise.binary(x, other, self.packed, None, "add")


def matmul(a: torch.Tensor, b: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``a @ b`` (``+ bias``) for ``a`` ``(M, K)`` and ``b`` ``(K, N)``, either possibly a transposed view.

    Args:
        a: ``(M, K)``.
        b: ``(K, N)``.
        bias: optional ``(N,)``, added to every row.

    Returns:
        A new ``(M, N)`` tensor, from oneDNN when :func:`takes_onednn` holds for ``b``.
    """
    if not takes_onednn(b):
        return a @ b if bias is None else torch.addmm(bias, a, b)
    return torch.ops.mkldnn._linear_pointwise(a, b.t(), bias, "none", [], "")
