"""Plotting helpers the chapters share (matplotlib only).

Each helper draws on an ``Axes`` it is given, so a chapter keeps control of the figure, its
title and its alt text.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

_ROW_Y = {"input": 0.0, "hidden": 1.0, "output": 2.0}
_COLOURS = {"input": "#cfe2f3", "hidden": "#fce5cd", "output": "#d9ead3"}


def _box(ax: Axes, x: float, row: str, label: str) -> None:
    y = _ROW_Y[row]
    ax.add_patch(FancyBboxPatch((x - 0.3, y - 0.22), 0.6, 0.44, boxstyle="round,pad=0.02",
                                facecolor=_COLOURS[row], edgecolor="black", linewidth=1))
    ax.text(x, y, label, ha="center", va="center", fontsize=10)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, linewidth=1))


def draw_unrolled(ax: Axes, steps: int, inputs_at: Iterable[int], outputs_at: Iterable[int],
                  title: str) -> None:
    """Draw an RNN unrolled over ``steps`` time steps.

    Inputs (blue, bottom row) enter at the steps in ``inputs_at``, the hidden state (orange,
    middle row) is carried from each step to the next, and outputs (green, top row) leave at the
    steps in ``outputs_at``. Chapter :ref:`rnn-basics` uses it for the four RNN types.

    Args:
        ax: the axes to draw on (its axis lines are turned off).
        steps: number of time steps to draw.
        inputs_at: time steps (0-based) that receive an input ``x_t``.
        outputs_at: time steps (0-based) that emit an output ``y_t``.
        title: the panel title.
    """
    inputs_at, outputs_at = set(inputs_at), set(outputs_at)
    for t in range(steps):
        _box(ax, t, "hidden", f"$h_{{{t + 1}}}$")
        if t in inputs_at:
            _box(ax, t, "input", f"$x_{{{t + 1}}}$")
            _arrow(ax, (t, _ROW_Y["input"] + 0.24), (t, _ROW_Y["hidden"] - 0.24))
        if t in outputs_at:
            _box(ax, t, "output", f"$y_{{{t + 1}}}$")
            _arrow(ax, (t, _ROW_Y["hidden"] + 0.24), (t, _ROW_Y["output"] - 0.24))
        if t + 1 < steps:
            _arrow(ax, (t + 0.32, _ROW_Y["hidden"]), (t + 0.68, _ROW_Y["hidden"]))
    ax.set_xlim(-0.6, max(steps, 3) - 0.4)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.axis("off")


def moving_average(values: Iterable[float], window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` values (fewer at the start), same length as ``values``."""
    values = np.asarray(list(values), dtype=np.float64)
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def plot_history(ax: Axes, history, what: str = "loss", label: str | None = None,
                 window: int = 1, **style) -> None:
    """Draw one curve of a :class:`companion.train.History` against the optimiser step.

    Args:
        ax: the axes to draw on; the caller sets the title and scales.
        history: the history returned by :func:`companion.train.fit`.
        what: ``"loss"`` or ``"grad_norm"``.
        label: legend label.
        window: smooth with a trailing moving average over this many steps.
        style: passed on to ``ax.plot`` (colour, line style, ...).
    """
    if what not in ("loss", "grad_norm"):
        raise ValueError(f"what must be 'loss' or 'grad_norm', got {what!r}")
    values = getattr(history, what)
    ax.plot(np.arange(1, len(values) + 1), moving_average(values, window), label=label, **style)
    ax.set_xlabel("optimiser step")
    ax.set_ylabel({"loss": "training loss", "grad_norm": "gradient norm (before clipping)"}[what])
