"""Counting what PyTorch runs: operations (kernels) and the numbers they write.

Timings vary from run to run and machine to machine; counts do not. A
``torch.utils._python_dispatch.TorchDispatchMode`` sees every ATen operation that runs inside a
``with`` block, forward or backward, so it can count them exactly:

- :class:`CountOps`: how many operations a piece of code runs (chapter :ref:`gru` counts one step
  of the LSTM and GRU cells);
- :class:`CountNumbers`: how many numbers those operations write, a measure of the memory traffic
  (chapter :ref:`parallel-scan` uses it on :func:`loop_backward_numbers`, which shows why every
  loop in the companion reads ``x.unbind(1)`` and never ``x[:, t]``).
"""
from __future__ import annotations

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class CountOps(TorchDispatchMode):
    """Counts the ATen operations (kernels) that run inside the block.

    Example::

        with CountOps() as ops:
            torch.tanh(x @ W)
        ops.count  # 2: mm and tanh
    """

    count = 0  # each instance's own count starts from this class default

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


class CountNumbers(TorchDispatchMode):
    """Counts the numbers written by the operations run inside the block (every element of every
    tensor they return)."""

    numbers = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.numbers += sum(t.numel() for t in tree_flatten(out)[0]
                            if isinstance(t, torch.Tensor))
        return out


def loop_backward_numbers(loop_over: str, T: int) -> int:
    """Numbers written by the backward pass through a loop ``h = 0.5 h + x_t`` over ``T`` steps.

    Args:
        loop_over: ``"index"`` reads ``x[:, t]`` at each step, ``"unbind"`` iterates over
            ``x.unbind(1)``.
        T: the number of steps, with ``x`` of shape ``(8, T, 64)``.

    Returns:
        The count of :class:`CountNumbers` over ``backward()``: quadratic in ``T`` with indexing
        (each step's gradient is a full-size ``(8, T, 64)`` tensor), linear with ``unbind``.
    """
    if loop_over not in ("index", "unbind"):
        raise ValueError(f"loop_over must be 'index' or 'unbind', got {loop_over!r}")
    x = torch.randn(8, T, 64, requires_grad=True)
    h = torch.zeros(8, 64)
    steps = [x[:, t] for t in range(T)] if loop_over == "index" else x.unbind(1)
    for x_t in steps:
        h = 0.5 * h + x_t
    with CountNumbers() as counter:
        h.sum().backward()
    return counter.numbers
