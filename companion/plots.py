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


def _node(ax: Axes, x: float, y: float, label: str, colour: str) -> None:
    ax.add_patch(FancyBboxPatch((x - 0.3, y - 0.22), 0.6, 0.44, boxstyle="round,pad=0.02",
                                facecolor=colour, edgecolor="black", linewidth=1))
    ax.text(x, y, label, ha="center", va="center", fontsize=10)


def _box(ax: Axes, x: float, row: str, label: str) -> None:
    _node(ax, x, _ROW_Y[row], label, _COLOURS[row])


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float],
           **style) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                 linewidth=1, **style))


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


def draw_deep(ax: Axes, layers: int, steps: int, title: str, residual: bool = False,
              bidirectional: bool = False) -> None:
    """Draw a stacked RNN unrolled in time: layer ``l``'s state at step ``t`` reads layer
    ``l - 1``'s output at ``t`` (below) and its own state at ``t - 1`` (left).

    Args:
        ax: the axes to draw on (its axis lines are turned off).
        layers: recurrent layers, drawn bottom to top above the inputs.
        steps: time steps, left to right.
        title: the panel title.
        residual: also draw each layer's input added to its output (dashed, layers 2 and up).
        bidirectional: one layer read both ways: a forward row (arrows to the right) and a
            backward row (arrows to the left), both reading ``x_t`` and both feeding ``y_t``;
            ``layers`` is ignored.
    """
    rows = 2 if bidirectional else layers
    top = rows + 1
    for t in range(steps):
        _node(ax, t, 0, f"$x_{{{t + 1}}}$", _COLOURS["input"])
        _node(ax, t, top, f"$y_{{{t + 1}}}$", _COLOURS["output"])
        for row in range(1, rows + 1):
            name = ("\\rightarrow" if row == 1 else "\\leftarrow") if bidirectional else str(row)
            _node(ax, t, row, f"$h^{{{name}}}_{{{t + 1}}}$", _COLOURS["hidden"])
            backward = bidirectional and row == 2
            if t + 1 < steps:  # the recurrence, along the row
                start, end = (t + 0.32, row), (t + 0.68, row)
                _arrow(ax, *((end, start) if backward else (start, end)))
            if not bidirectional:
                _arrow(ax, (t, row - 0.76), (t, row - 0.24))
                if residual and row >= 2:  # layer `row`'s input is added to its output
                    _arrow(ax, (t + 0.36, row - 0.9), (t + 0.36, row + 0.6), linestyle="--",
                           color="tab:purple")
        if bidirectional:  # x_t feeds both rows and both rows feed y_t, around the other box
            _arrow(ax, (t, 0.24), (t, 0.76))
            _arrow(ax, (t, 2.24), (t, top - 0.24))
            _arrow(ax, (t + 0.36, 0.0), (t + 0.36, 1.8))         # x_t up to the backward row
            _arrow(ax, (t - 0.36, 1.2), (t - 0.36, top))         # forward row up to y_t
        if not bidirectional:
            _arrow(ax, (t, rows + 0.24), (t, top - 0.24))
    ax.set_xlim(-0.6, steps - 0.4 + (0.4 if residual else 0))
    ax.set_ylim(-0.5, top + 0.5)
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
