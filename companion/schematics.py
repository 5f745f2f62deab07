"""Pictures of the ideas: how an RNN is unrolled, where its gradients flow, how a batch is padded
or packed, how a dilated convolution stack and a scan combine steps (matplotlib only).

The gated cells and attention are drawn by :mod:`companion.cell_diagrams`. Each function draws on
an ``Axes`` it is given and sets its title; the chapter writes the alt text. Where a picture
encodes a fact (which inputs reach an output, what a packed batch holds), the function also
returns it, so that the test can compare the drawing with the computation it depicts.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

from companion.plots import _COLOURS, _arrow, _node

GRADIENT = "tab:red"  # colour of every backward (gradient) arrow


def _finish(ax: Axes, title: str, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.axis("off")


def draw_rolled_and_unrolled(ax: Axes, steps: int, title: str) -> None:
    """The same RNN twice: rolled (one cell with a loop back to itself) and unrolled over ``steps``
    steps, where every copy carries the same three weight matrices.

    Args:
        ax: the axes to draw on.
        steps: time steps of the unrolled copy.
        title: the panel title.
    """
    _node(ax, 0, 0, "$x_t$", _COLOURS["input"])
    _node(ax, 0, 1, "$h_t$", _COLOURS["hidden"])
    _node(ax, 0, 2, "$y_t$", _COLOURS["output"])
    _arrow(ax, (0, 0.24), (0, 0.76))
    _arrow(ax, (0, 1.24), (0, 1.76))
    ax.add_patch(FancyArrowPatch((0.3, 1.1), (0.3, 0.9), connectionstyle="arc3,rad=-2.2",
                                 arrowstyle="-|>", mutation_scale=10, linewidth=1))
    ax.text(0.85, 1.0, "$W_{hh}$", va="center", fontsize=9)
    ax.text(-0.1, 0.5, "$W_{xh}$", ha="right", va="center", fontsize=9)
    ax.text(-0.1, 1.5, "$W_{hy}$", ha="right", va="center", fontsize=9)
    ax.text(1.65, 1.0, "=", ha="center", va="center", fontsize=18)
    for t in range(steps):
        x = 2.6 + 1.3 * t
        _node(ax, x, 0, f"$x_{{{t + 1}}}$", _COLOURS["input"])
        _node(ax, x, 1, f"$h_{{{t + 1}}}$", _COLOURS["hidden"])
        _node(ax, x, 2, f"$y_{{{t + 1}}}$", _COLOURS["output"])
        _arrow(ax, (x, 0.24), (x, 0.76))
        _arrow(ax, (x, 1.24), (x, 1.76))
        ax.text(x + 0.05, 0.5, "$W_{xh}$", fontsize=7, va="center")
        ax.text(x + 0.05, 1.5, "$W_{hy}$", fontsize=7, va="center")
        start = x - 1.3 + 0.32 if t else x - 0.9
        _arrow(ax, (start, 1), (x - 0.32, 1))
        ax.text((start + x - 0.32) / 2, 1.1, "$h_0$" if t == 0 else "$W_{hh}$", ha="center",
                fontsize=7)
    _finish(ax, title, (-0.8, 2.6 + 1.3 * steps - 0.6), (-0.5, 2.5))


def draw_bptt_graph(ax: Axes, steps: int, title: str) -> None:
    """The unrolled graph with its backward pass: each state ``h_t`` gets gradient from two places,
    its own step's loss (red arrow down) and the next state (red arrow to the left); BPTT adds them.

    Args:
        ax: the axes to draw on.
        steps: time steps to draw.
        title: the panel title.
    """
    for t in range(steps):
        _node(ax, t, 0, f"$x_{{{t + 1}}}$", _COLOURS["input"])
        _node(ax, t, 1, f"$h_{{{t + 1}}}$", _COLOURS["hidden"])
        _node(ax, t, 2, f"$L_{{{t + 1}}}$", _COLOURS["output"])
        _arrow(ax, (t - 0.08, 0.24), (t - 0.08, 0.76))
        _arrow(ax, (t - 0.08, 1.24), (t - 0.08, 1.76))
        _arrow(ax, (t + 0.1, 1.76), (t + 0.1, 1.24), color=GRADIENT, linestyle="--")
        if t + 1 < steps:
            _arrow(ax, (t + 0.32, 1.08), (t + 0.68, 1.08))
            _arrow(ax, (t + 0.68, 0.9), (t + 0.32, 0.9), color=GRADIENT, linestyle="--")
    ax.text((steps - 1) / 2, -0.62, r"$\partial L/\partial h_t = \partial L_t/\partial h_t"
            r" + (\partial L/\partial h_{t+1})\,\partial h_{t+1}/\partial h_t$",
            ha="center", fontsize=10, color=GRADIENT)
    _finish(ax, title, (-0.6, steps - 0.4), (-0.9, 2.4))


def draw_truncated_chunks(ax: Axes, steps: int, chunk: int, title: str) -> int:
    """Truncated BPTT: the state is carried forward across chunk boundaries (the dashed arrow is
    the detached state), while gradients (red) flow back only inside a chunk; each chunk ends in
    its own backward pass and optimiser step.

    Args:
        ax: the axes to draw on.
        steps: time steps to draw.
        chunk: steps per chunk.
        title: the panel title.

    Returns:
        the number of gradient arrows between states, ``steps - ceil(steps / chunk)``.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    gradient_arrows = 0
    for start in range(0, steps, chunk):
        end = min(start + chunk, steps)
        ax.add_patch(Rectangle((start - 0.45, -0.45), end - start - 0.1, 1.95, facecolor="#f3f3f3",
                               edgecolor="grey", linewidth=0.8))
        ax.text((start + end - 1) / 2, 1.3, f"chunk {start // chunk + 1}",
                ha="center", fontsize=8)
    for t in range(steps):
        _node(ax, t, 0.5, f"$h_{{{t + 1}}}$", _COLOURS["hidden"])
        if t + 1 < steps:
            boundary = (t + 1) % chunk == 0
            _arrow(ax, (t + 0.32, 0.58), (t + 0.68, 0.58), linestyle="--" if boundary else "-",
                   color="grey" if boundary else "black")
            if not boundary:
                _arrow(ax, (t + 0.68, 0.4), (t + 0.32, 0.4), color=GRADIENT, linestyle="--")
                gradient_arrows += 1
            else:
                ax.text(t + 0.5, -0.25, "detach", ha="center", fontsize=7, color="grey")
    _finish(ax, title, (-0.6, steps - 0.4), (-0.6, 1.6))
    return gradient_arrows


def draw_padding_and_packing(ax_padded: Axes, ax_packed: Axes, lengths: Sequence[int]) -> list[int]:
    """A batch of sequences of different lengths, padded to a rectangle (grey cells are padding an
    RNN would read) and packed (per time step, only the sequences still running, longest first).

    Args:
        ax_padded: axes for the padded batch, one row per sequence.
        ax_packed: axes for the packed batch, one column per time step.
        lengths: the length of each sequence.

    Returns:
        the packed batch sizes, one per time step (what ``pack_padded_sequence`` stores).
    """
    lengths = list(lengths)
    if not lengths or min(lengths) < 1:
        raise ValueError(f"lengths must be a non-empty list of positive ints, got {lengths}")
    T, B = max(lengths), len(lengths)
    for b, length in enumerate(lengths):
        for t in range(T):
            real = t < length
            ax_padded.add_patch(Rectangle((t, B - 1 - b), 0.92, 0.92, edgecolor="black", linewidth=0.6,
                                          facecolor=_COLOURS["input"] if real else "#d9d9d9",
                                          hatch=None if real else "//"))
            ax_padded.text(t + 0.46, B - 0.54 - b, f"{b + 1}.{t + 1}" if real else "pad",
                           ha="center", va="center", fontsize=7)
    ax_padded.set_yticks([B - 0.54 - b for b in range(B)], [f"seq {b + 1}" for b in range(B)])
    _finish(ax_padded, "Padded: B x T, padding read as input", (-0.1, T + 0.1), (-0.1, B + 0.1))
    ax_padded.axis("on")
    ax_padded.set_xticks([t + 0.46 for t in range(T)], [str(t + 1) for t in range(T)])
    ax_padded.set_xlabel("time step")
    for side in ax_padded.spines.values():
        side.set_visible(False)
    order = sorted(range(B), key=lambda b: -lengths[b])
    batch_sizes = [sum(length > t for length in lengths) for t in range(T)]
    for t, size in enumerate(batch_sizes):
        for row, b in enumerate(order[:size]):
            ax_packed.add_patch(Rectangle((t, B - 1 - row), 0.92, 0.92, facecolor=_COLOURS["input"],
                                          edgecolor="black", linewidth=0.6))
            ax_packed.text(t + 0.46, B - 0.54 - row, f"{b + 1}.{t + 1}", ha="center", va="center",
                           fontsize=7)
        ax_packed.text(t + 0.46, -0.45, str(size), ha="center", fontsize=8)
    ax_packed.text(-0.2, -0.45, "batch size", ha="right", fontsize=8)
    _finish(ax_packed, "Packed: only real steps, longest first", (-1.6, T + 0.1), (-0.8, B + 0.1))
    return batch_sizes


def draw_dilated_stack(ax: Axes, layers: int, kernel: int, steps: int, title: str) -> set[int]:
    """A stack of causal convolutions whose dilation doubles with each layer (1, 2, 4, ...), as in
    WaveNet: every connection is drawn faintly and those that reach the last output in bold.

    Args:
        ax: the axes to draw on.
        layers: convolution layers above the input row.
        kernel: taps per convolution.
        steps: time steps drawn.
        title: the panel title.

    Returns:
        the input steps (0-based) that the last output can see: its receptive field.
    """
    reach = {steps - 1}
    for level in range(layers, 0, -1):
        dilation = 2 ** (level - 1)
        below = set()
        for t in range(steps):
            for k in range(kernel):
                source = t - k * dilation
                if source < 0:
                    continue
                bold = t in reach
                ax.plot([source, t], [level - 1, level], color="black" if bold else "#c8c8c8",
                        linewidth=1.6 if bold else 0.6, zorder=1)
                if bold:
                    below.add(source)
        reach = below
    for level in range(layers + 1):
        for t in range(steps):
            seen = level == 0 and t in reach
            ax.add_patch(Circle((t, level), 0.18, zorder=2, edgecolor="black", linewidth=0.6,
                                facecolor=_COLOURS["input"] if level == 0 else _COLOURS["hidden"]
                                if level < layers else _COLOURS["output"], alpha=1.0 if seen or level else 0.5))
        label = "input" if level == 0 else f"dilation {2 ** (level - 1)}"
        ax.text(-0.6, level, label, ha="right", va="center", fontsize=8)
    _finish(ax, title, (-3.2, steps - 0.5), (-0.5, layers + 0.5))
    return reach


def draw_scan_tree(ax: Axes, steps: int, title: str) -> list[list[tuple[int, int]]]:
    """A parallel prefix scan (Hillis and Steele): at round ``d`` every position ``i >= 2**d``
    combines its partial result with the one ``2**d`` places to its left, so after ``log2(T)``
    rounds position ``i`` holds the combination of steps ``1 .. i``.

    Args:
        ax: the axes to draw on.
        steps: sequence length (drawn as columns).
        title: the panel title.

    Returns:
        for each round (the input row first), the span ``(first, last)`` of steps, 1-based, that
        each position has combined so far.
    """
    spans = [[(t + 1, t + 1) for t in range(steps)]]
    rounds = int(np.ceil(np.log2(steps))) if steps > 1 else 0
    for d in range(rounds):
        offset = 2 ** d
        previous = spans[-1]
        spans.append([(previous[t - offset][0], previous[t][1]) if t >= offset else previous[t]
                      for t in range(steps)])
    top = len(spans) - 1
    for level, row in enumerate(spans):
        y = top - level
        for t, (first, last) in enumerate(row):
            colour = _COLOURS["output"] if first == 1 and level else _COLOURS["hidden"]
            ax.add_patch(Rectangle((t - 0.4, y - 0.22), 0.8, 0.44, facecolor=colour, edgecolor="black",
                                   linewidth=0.6, zorder=2))
            ax.text(t, y, f"{first}" if first == last else f"{first}:{last}", ha="center", va="center",
                    fontsize=7, zorder=3)
            if level:
                offset = 2 ** (level - 1)
                ax.plot([t, t], [y + 0.78, y + 0.22], color="#9e9e9e", linewidth=0.6, zorder=1)
                if t >= offset:
                    _arrow(ax, (t - offset, y + 0.78), (t - 0.1, y + 0.22), color="black")
        ax.text(-0.7, y, "input" if level == 0 else f"round {level}: +{2 ** (level - 1)}", ha="right",
                va="center", fontsize=8)
    _finish(ax, title, (-3.4, steps - 0.5), (-0.5, top + 0.5))
    return spans
