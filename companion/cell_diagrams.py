"""Pictures of the gated cells and of attention (matplotlib only), in the style of Olah's and
d2l's diagrams: the LSTM cell and the GRU cell with their gates, and an encoder-decoder whose
decoder step reads a weighted sum of the encoder states.

Boxes are learned layers (a matrix product and a nonlinearity), circles are elementwise
operations. Each function draws on an ``Axes`` it is given and sets its title; the chapter writes
the alt text. The wiring drawn is the wiring of :class:`companion.lstm.LSTMCell`,
:class:`companion.gru.GRUCell` and :class:`companion.seq2seq.AdditiveAttention`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from companion.plots import _COLOURS, _arrow, _node

GATE_COLOUR = "#f4cccc"
OPERATION_COLOUR = "#fff2cc"


def _layer(ax: Axes, x: float, y: float, label: str, name: str) -> None:
    ax.add_patch(FancyBboxPatch((x - 0.4, y - 0.3), 0.8, 0.6, boxstyle="round,pad=0.03",
                                facecolor=GATE_COLOUR, edgecolor="black", linewidth=1, zorder=3))
    ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=4)
    ax.text(x, y - 0.52, name, ha="center", va="top", fontsize=8, zorder=4)


def _operation(ax: Axes, x: float, y: float, symbol: str, fontsize: float = 10) -> None:
    ax.add_patch(Circle((x, y), 0.22, facecolor=OPERATION_COLOUR, edgecolor="black", linewidth=1,
                        zorder=3))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=fontsize, zorder=4)


def _wire(ax: Axes, points: Sequence[tuple[float, float]], arrow: bool = True) -> None:
    """A wire through ``points``, with an arrow head on its last segment."""
    xs, ys = zip(*points)
    ax.plot(xs[:-1], ys[:-1], color="black", linewidth=1, zorder=1)
    if arrow:
        _arrow(ax, points[-2], points[-1], color="black")
    else:
        ax.plot(xs[-2:], ys[-2:], color="black", linewidth=1, zorder=1)


def _frame(ax: Axes, width: float, height: float, title: str) -> None:
    ax.add_patch(Rectangle((0, 0), width, height, facecolor="#f7f7f7", edgecolor="grey", linewidth=1,
                           zorder=0))
    ax.set_xlim(-1.4, width + 1.4)
    ax.set_ylim(-1.3, height + 0.9)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.axis("off")


def _carried(ax: Axes, y: float, state: str) -> None:
    """Name a state where it enters the cell (left, at ``t - 1``) and leaves it (right, at ``t``)."""
    ax.text(-0.3, y, f"${state}_{{t-1}}$", ha="right", va="center")
    ax.text(10.3, y, f"${state}_t$", ha="left", va="center")


def draw_lstm_cell(ax: Axes, title: str) -> None:
    """One LSTM step: the cell state runs along the top, scaled by the forget gate and added to
    by the input gate times the candidate; the output gate reads out ``tanh(C_t)`` as ``h_t``.
    All four layers read the same ``[h_{t-1}, x_t]``.

    Args:
        ax: the axes to draw on.
        title: the panel title.
    """
    _frame(ax, 10, 6, title)
    _carried(ax, 5, "C")
    _carried(ax, 1, "h")
    ax.text(1.5, -1.0, "$x_t$", ha="center", va="center")
    _wire(ax, [(-0.2, 5), (2.78, 5)])                          # C_{t-1} into the forget product
    _wire(ax, [(3.22, 5), (5.28, 5)])
    _wire(ax, [(5.72, 5), (10.2, 5)])                          # C_t out
    _wire(ax, [(-0.2, 1), (7.5, 1)], arrow=False)               # the shared input [h_{t-1}, x_t]
    _wire(ax, [(1.5, -0.8), (1.5, 1)], arrow=False)
    ax.text(1.65, 0.7, "$[h_{t-1}, x_t]$", fontsize=8)
    for x, label, name in ((3, r"$\sigma$", "forget $f_t$"), (4.6, r"$\sigma$", "input $i_t$"),
                           (6.2, "tanh", r"$\tilde C_t$"), (7.5, r"$\sigma$", "output $o_t$")):
        _wire(ax, [(x, 1), (x, 2.2)])
        _layer(ax, x, 2.5, label, name)
    _operation(ax, 3, 5, r"$\times$")
    _wire(ax, [(3, 2.8), (3, 4.78)])                           # f_t scales C_{t-1}
    _operation(ax, 5.5, 3.8, r"$\times$")
    _wire(ax, [(4.6, 2.8), (4.6, 3.8), (5.28, 3.8)])            # i_t ...
    _wire(ax, [(6.2, 2.8), (6.2, 3.8), (5.72, 3.8)])            # ... times the candidate
    _operation(ax, 5.5, 5, "+")
    _wire(ax, [(5.5, 4.02), (5.5, 4.78)])
    _operation(ax, 8.7, 4.0, "tanh", fontsize=6)
    _wire(ax, [(8.7, 5), (8.7, 4.22)])
    _operation(ax, 8.7, 2.5, r"$\times$")
    _wire(ax, [(8.7, 3.78), (8.7, 2.72)])
    _wire(ax, [(7.9, 2.5), (8.48, 2.5)])                       # o_t gates the read-out
    _wire(ax, [(8.7, 2.28), (8.7, 1), (10.2, 1)])               # h_t out to the right ...
    _wire(ax, [(9.4, 1), (9.4, 6.6)])                           # ... and up to the layer above
    ax.text(9.5, 6.4, "$h_t$", fontsize=9)


def draw_gru_cell(ax: Axes, title: str) -> None:
    """One GRU step (PyTorch's convention): the state runs along the top; the update gate ``z``
    keeps ``z * h_{t-1}`` and lets in ``(1 - z) * n``, where the candidate ``n`` reads ``x_t`` and
    the reset-gated ``r * (h_{t-1} W_hn + b_hn)``.

    Args:
        ax: the axes to draw on.
        title: the panel title.
    """
    _frame(ax, 10, 6, title)
    _carried(ax, 5, "h")
    ax.text(1.5, -1.0, "$x_t$", ha="center", va="center")
    _wire(ax, [(-0.2, 5), (4.58, 5)])                          # h_{t-1} to the keep product
    _wire(ax, [(5.02, 5), (7.98, 5)])
    _wire(ax, [(8.42, 5), (10.2, 5)])
    _wire(ax, [(0.8, 5), (0.8, 1), (6.0, 1)], arrow=False)     # [h_{t-1}, x_t] feeds all three
    _wire(ax, [(1.5, -0.8), (1.5, 1)], arrow=False)
    ax.text(0.95, 0.7, "$[h_{t-1}, x_t]$", fontsize=8)
    for x, label, name in ((2.2, r"$\sigma$", "update $z_t$"), (3.6, r"$\sigma$", "reset $r_t$"),
                           (6.0, "tanh", "candidate $n_t$")):
        _wire(ax, [(x, 1), (x, 2.2)])
        _layer(ax, x, 2.5, label, name)
    _wire(ax, [(4.0, 2.5), (5.6, 2.5)])                        # r_t gates h_{t-1} W_hn inside n_t
    ax.text(4.8, 2.95, r"$r_t \odot (h_{t-1} W_{hn})$", ha="center", fontsize=7)
    _wire(ax, [(2.2, 2.8), (2.2, 3.9), (6.58, 3.9)])
    _operation(ax, 4.8, 5, r"$\times$")
    _wire(ax, [(4.8, 3.9), (4.8, 4.78)])                       # z_t keeps h_{t-1} ...
    _operation(ax, 6.8, 3.9, "1-", fontsize=8)
    _operation(ax, 8.2, 3.9, r"$\times$")
    _wire(ax, [(7.02, 3.9), (7.98, 3.9)])                      # ... and 1 - z_t lets in n_t
    _wire(ax, [(6.4, 2.5), (8.2, 2.5), (8.2, 3.68)])
    _operation(ax, 8.2, 5, "+")
    _wire(ax, [(8.2, 4.12), (8.2, 4.78)])


def draw_attention(ax: Axes, weights: Sequence[float], title: str) -> None:
    """An encoder-decoder with additive attention, at one decoder step: the decoder's previous
    state (the query) scores every encoder state (the keys), the softmax of the scores gives the
    weights, and their weighted sum, the context, enters the decoder step.

    Args:
        ax: the axes to draw on.
        weights: the attention weight of each encoder state (they set the lines' widths).
        title: the panel title.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 1 or len(weights) < 1 or np.any(weights < 0):
        raise ValueError(f"weights must be a non-empty 1-d array of non-negative numbers, got {weights}")
    S = len(weights)
    for s in range(S):
        _node(ax, s, 0, f"$x_{{{s + 1}}}$", _COLOURS["input"])
        _node(ax, s, 1, f"$e_{{{s + 1}}}$", _COLOURS["hidden"])
        _arrow(ax, (s, 0.24), (s, 0.76))
        if s + 1 < S:
            _arrow(ax, (s + 0.32, 1), (s + 0.68, 1))
        width = 0.5 + 5 * weights[s] / max(weights.max(), 1e-12)
        ax.plot([s, S / 2 - 0.5], [1.24, 2.78], color="tab:blue", linewidth=width, alpha=0.7)
        ax.text(s + 0.1 + 0.45 * (S / 2 - 0.5 - s), 1.7, rf"$\alpha_{{{s + 1}}}$", fontsize=8,
                color="tab:blue")
    ax.text(-0.55, 1, "encoder\n(keys)", ha="right", va="center", fontsize=8)
    context_x = S / 2 - 0.5
    _node(ax, context_x, 3.0, "$c_t$", "#d0e0f0")
    ax.text(context_x - 0.4, 3.0, r"context $\sum_s \alpha_s e_s$", ha="right", va="center", fontsize=8)
    decoder_x = S + 1.2
    _node(ax, decoder_x - 1.2, 4.2, "$s_{t-1}$", _COLOURS["hidden"])
    _node(ax, decoder_x, 4.2, "$s_t$", _COLOURS["hidden"])
    _node(ax, decoder_x, 5.3, "$y_t$", _COLOURS["output"])
    _arrow(ax, (decoder_x - 0.88, 4.2), (decoder_x - 0.32, 4.2))
    _arrow(ax, (decoder_x, 4.44), (decoder_x, 5.06))
    _arrow(ax, (context_x + 0.3, 3.1), (decoder_x - 0.1, 3.96))
    _arrow(ax, (decoder_x - 1.2, 3.96), (context_x + 0.25, 3.2), color="tab:blue", linestyle="--")
    ax.text(decoder_x - 2.0, 4.75, "query: scores\nevery key", ha="center", fontsize=7, color="tab:blue")
    ax.text(decoder_x + 0.4, 4.2, "decoder", va="center", fontsize=8)
    ax.set_xlim(-1.6, decoder_x + 1.4)
    ax.set_ylim(-0.5, 5.8)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.axis("off")
