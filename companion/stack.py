"""Deep and two-way recurrent networks from any layers: :class:`Stacked` and :class:`Bidirectional`.

Both take layers that follow the companion's contract (:mod:`companion.layer`) and follow it
themselves, so they compose: a two-layer bidirectional LSTM is
``Stacked([Bidirectional(LSTM(I, H), LSTM(I, H)), Bidirectional(LSTM(2 * H, H), LSTM(2 * H, H))])``,
which is exactly what ``LSTM.from_torch(torch.nn.LSTM(I, H, num_layers=2, bidirectional=True))``
builds (:func:`compose_like`). Shapes, batch-first::

    Stacked:        x (B, T, I) -> layer 1 -> (B, T, O_1) -> layer 2 -> ... -> (B, T, O_L)
    Bidirectional:  x (B, T, I) -> forward layer  (B, T, H_f) ┐
                      reversed  -> backward layer (B, T, H_b) ┴ concatenated: (B, T, H_f + H_b)

With ``lengths``, the backward layer starts at each sequence's last real step, not at the end of
the padding (:func:`companion.padding.reverse_within_lengths`). Chapter :ref:`rnn-basics`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from companion.layer import SequenceLayer
from companion.padding import reverse_within_lengths
from companion.validation import check_lengths, check_sequence


def _dtype(module: nn.Module) -> torch.dtype:
    return next(module.parameters()).dtype


def _per_part_state(state, parts: int, what: str) -> list:
    """``state`` split into one state per part (``None`` for each when ``state`` is ``None``)."""
    if state is None:
        return [None] * parts
    if not isinstance(state, (tuple, list)) or len(state) != parts:
        got = f"{type(state).__name__} of {len(state)}" if isinstance(state, (tuple, list)) \
            else type(state).__name__
        raise ValueError(f"state must be a tuple of {parts} states, one per {what}, or None; "
                         f"got {got}")
    return list(state)


class Stacked(SequenceLayer):
    """Layers run one after another, each reading the previous one's outputs at every step.

    Args:
        layers: sequence layers whose sizes chain: ``layers[k].output_size ==
            layers[k + 1].input_size``.
        dropout: probability of zeroing each output of every layer but the last, in training
            only (as ``torch.nn.LSTM``'s ``dropout``).
        residual: add each layer's input to its output, for every layer but the first (which
            changes the size); those layers need ``input_size == output_size``.

    The state is a tuple with one state per layer. Raises ``ValueError`` if the sizes do not
    chain or ``dropout`` is not in ``[0, 1)``.
    """

    def __init__(self, layers: Sequence[SequenceLayer], dropout: float = 0.0,
                 residual: bool = False):
        layers = list(layers)
        if not layers:
            raise ValueError("Stacked needs at least one layer")
        for k, (below, above) in enumerate(zip(layers, layers[1:])):
            if below.output_size != above.input_size:
                raise ValueError(f"layer {k} outputs (B, T, {below.output_size}) but layer "
                                 f"{k + 1} expects (B, T, I) with I = {above.input_size}")
        if residual:
            for k, layer in enumerate(layers[1:], start=1):
                if layer.input_size != layer.output_size:
                    raise ValueError(f"a residual connection needs input_size == output_size; "
                                     f"layer {k} maps {layer.input_size} to {layer.output_size}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        super().__init__(layers[0].input_size, layers[-1].output_size)
        self.layers = nn.ModuleList(layers)
        self.dropout = dropout
        self.residual = residual

    def forward(self, x: torch.Tensor, state: tuple | None = None,
                lengths: torch.Tensor | list[int] | None = None) -> tuple[torch.Tensor, tuple]:
        """Run every layer in turn.

        Args:
            x: inputs ``(B, T, I)``.
            state: one initial state per layer (a tuple), or ``None`` for zeros.
            lengths: ``(B,)`` true lengths of padded sequences, passed to every layer.

        Returns:
            ``(outputs, states)``: the last layer's outputs ``(B, T, O)`` and a tuple of every
            layer's final state.

        Raises:
            ValueError: on a wrong shape, dtype, length or state structure.
        """
        check_sequence(x, self.input_size, _dtype(self))
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        states = _per_part_state(state, len(self.layers), "layer")
        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            outputs, states[k] = layer(x, states[k], lengths)
            if self.residual and k > 0:
                outputs = outputs + x
            if k < last and self.dropout > 0 and self.training:
                outputs = nn.functional.dropout(outputs, self.dropout, training=True)
            x = outputs
        return x, tuple(states)

    def hidden(self, state: tuple) -> torch.Tensor:
        """The last layer's hidden state ``(B, O)``."""
        return self.layers[-1].hidden(state[-1])

    def extra_repr(self) -> str:
        return f"dropout={self.dropout}, residual={self.residual}"


class Bidirectional(SequenceLayer):
    """Two layers over the same sequence, one forward in time and one backward; outputs joined.

    Args:
        forward_layer: reads ``x_1 .. x_T``.
        backward_layer: reads ``x_T .. x_1`` (each sequence from its own last real step when
            ``lengths`` is given); same ``input_size`` as ``forward_layer``.

    At step ``t`` the output is ``[forward output at t, backward output at t]``, so it has seen
    the whole sequence, past and future: right for tagging or encoding a finished sequence, wrong
    for predicting what comes next (chapter :ref:`seq2seq`). The state is the pair
    ``(forward state, backward state)``; the backward one is its state after reading ``x_1``.
    """

    def __init__(self, forward_layer: SequenceLayer, backward_layer: SequenceLayer):
        if forward_layer.input_size != backward_layer.input_size:
            raise ValueError(f"both directions must read the same input; input sizes "
                             f"{forward_layer.input_size} and {backward_layer.input_size}")
        super().__init__(forward_layer.input_size,
                         forward_layer.output_size + backward_layer.output_size)
        self.forward_layer = forward_layer
        self.backward_layer = backward_layer

    def forward(self, x: torch.Tensor, state: tuple | None = None,
                lengths: torch.Tensor | list[int] | None = None) -> tuple[torch.Tensor, tuple]:
        """Run both directions.

        Args:
            x: inputs ``(B, T, I)``.
            state: ``(forward state, backward state)``, or ``None`` for zeros.
            lengths: ``(B,)`` true lengths of padded sequences.

        Returns:
            ``(outputs, (forward state, backward state))``, outputs ``(B, T, H_f + H_b)``.

        Raises:
            ValueError: on a wrong shape, dtype, length or state structure.
        """
        check_sequence(x, self.input_size, _dtype(self))
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        forward_state, backward_state = _per_part_state(state, 2, "direction")
        forward_out, forward_state = self.forward_layer(x, forward_state, lengths)
        backward_out, backward_state = self.backward_layer(
            reverse_within_lengths(x, lengths), backward_state, lengths)
        backward_out = reverse_within_lengths(backward_out, lengths)  # back to input order
        return torch.cat([forward_out, backward_out], dim=2), (forward_state, backward_state)

    def hidden(self, state: tuple) -> torch.Tensor:
        """Both directions' final hidden states side by side, ``(B, H_f + H_b)``."""
        return torch.cat([self.forward_layer.hidden(state[0]),
                          self.backward_layer.hidden(state[1])], dim=1)


def compose_like(module: nn.RNNBase,
                 one_direction: Callable[[int, str], SequenceLayer]) -> SequenceLayer:
    """The companion layout of a ``torch.nn.RNN/LSTM/GRU``: layers, directions and dropout.

    Args:
        module: the PyTorch module, any ``num_layers``, ``bidirectional`` and ``dropout``.
        one_direction: ``(input_size, suffix) -> layer`` copying the weights that PyTorch names
            ``weight_ih_{suffix}`` etc. (``"l0"``, ``"l0_reverse"``, ``"l1"``, ...).

    Returns:
        A single layer for one layer in one direction; otherwise a :class:`Stacked` of layers
        (each a :class:`Bidirectional` when ``module.bidirectional``).
    """
    directions = 2 if module.bidirectional else 1
    layers = []
    for k in range(module.num_layers):
        input_size = module.input_size if k == 0 else directions * module.hidden_size
        layer = one_direction(input_size, f"l{k}")
        if module.bidirectional:
            layer = Bidirectional(layer, one_direction(input_size, f"l{k}_reverse"))
        layers.append(layer)
    if len(layers) == 1:
        return layers[0]
    return Stacked(layers, dropout=module.dropout)
