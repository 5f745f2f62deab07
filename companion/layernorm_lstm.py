"""The layer-normalised LSTM of Ba, Kiros and Hinton (2016): a readable cell and a layer.

Layer normalisation rescales a vector to mean 0 and variance 1 over its own features, then
applies a learned gain ``g`` (and shift ``s``)::

    LN(a) = g * (a - mean(a)) / sqrt(var(a) + eps) + s          over the last axis

Inside the LSTM it is applied to the recurrent and the input contributions separately, and to
the cell state before it is read out (Ba et al., eq. 20-22), with the gate order of
:data:`companion.lstm.GATES`::

    [a_i, a_f, a_C, a_o] = LN(h_{t-1} W_h) + LN(x_t W_x) + b        (B, 4H)
    C_t = sigmoid(a_f) * C_{t-1} + sigmoid(a_i) * tanh(a_C)         (B, H)
    h_t = sigmoid(a_o) * tanh(LN_C(C_t))                            (B, H)

Because each product is normalised, scaling ``W_h`` (or ``W_x``) by any positive number leaves
every output unchanged: the size of the recurrent weights, which decides whether gradients
vanish or explode in a plain RNN, no longer decides the size of the pre-activations.
Unlike batch normalisation it needs no statistics over the batch or over time, so it works the
same at every step, in training and in use. Chapter :ref:`deep-rnns`.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from companion.layer import RecurrentLayer
from companion.padding import finish
from companion.validation import check_lengths, check_sequence, check_state

State = tuple[torch.Tensor, torch.Tensor]


class LayerNormLSTMCell(nn.Module):
    """One step of the layer-normalised LSTM, as the equations above.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.

    Parameters: ``W_x`` ``(I, 4H)``, ``W_h`` ``(H, 4H)``, ``b`` ``(4H,)`` (uniform in
    ``±1/sqrt(H)``, as the LSTM's), and three layer norms: ``norm_x`` and ``norm_h`` over the
    ``4H`` pre-activations (gains only; ``b`` is their shift) and ``norm_C`` over ``C_t``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size}, {hidden_size}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.W_x = nn.Parameter(torch.empty(input_size, 4 * hidden_size))
        self.W_h = nn.Parameter(torch.empty(hidden_size, 4 * hidden_size))
        self.b = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)
        for parameter in (self.W_x, self.W_h, self.b):
            nn.init.uniform_(parameter, -bound, bound)
        self.norm_x = nn.LayerNorm(4 * hidden_size, bias=False)
        self.norm_h = nn.LayerNorm(4 * hidden_size, bias=False)
        self.norm_C = nn.LayerNorm(hidden_size)

    def gates(self, x_term: torch.Tensor, h_prev: torch.Tensor, C_prev: torch.Tensor) -> State:
        """The step after the input term ``LN(x_t W_x)`` ``(B, 4H)`` is known: ``(h_t, C_t)``."""
        a = self.norm_h(h_prev @ self.W_h) + x_term + self.b            # (B, 4H)
        a_i, a_f, a_C, a_o = a.chunk(4, dim=-1)
        C_t = torch.sigmoid(a_f) * C_prev + torch.sigmoid(a_i) * torch.tanh(a_C)
        h_t = torch.sigmoid(a_o) * torch.tanh(self.norm_C(C_t))
        return h_t, C_t

    def forward(self, x_t: torch.Tensor, state: State) -> State:
        """``(h_t, C_t)``, each ``(B, H)``, from ``x_t`` ``(B, I)`` and ``state = (h_{t-1}, C_{t-1})``."""
        h_prev, C_prev = state
        return self.gates(self.norm_x(x_t @ self.W_x), h_prev, C_prev)

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"


class LayerNormLSTM(RecurrentLayer):
    """A batch-first layer of :class:`LayerNormLSTMCell`, following the companion's contract.

    The input terms ``LN(x_t W_x)`` of all steps are computed at once (layer normalisation acts
    on each step's vector alone); the loop does the rest, one step at a time, through autograd.
    It is a readable reference, not a fast path: per step it runs about three times the
    operations of :class:`~companion.lstm.LSTM`.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__(input_size, hidden_size)
        self.cell = LayerNormLSTMCell(input_size, hidden_size)

    def forward(self, x: torch.Tensor, state: State | None = None,
                lengths: torch.Tensor | list[int] | None = None) -> tuple[torch.Tensor, State]:
        """Run over a batch of sequences.

        Args:
            x: inputs ``(B, T, I)``.
            state: ``(h_0, C_0)``, each ``(B, H)``; zeros when ``None``.
            lengths: ``(B,)`` true lengths of padded sequences (see :mod:`companion.padding`).

        Returns:
            ``(outputs, (h_T, C_T))``: hidden states ``(B, T, H)`` and the last ``h`` and ``C``
            ``(B, H)`` (at each sequence's own last step when ``lengths`` is given).

        Raises:
            ValueError: on a wrong shape, dtype, length or state structure.
        """
        cell = self.cell
        check_sequence(x, self.input_size, cell.W_x.dtype)
        B, T, _ = x.shape
        H = self.hidden_size
        lengths = None if lengths is None else check_lengths(lengths, B, T)
        if state is None:
            h, C = x.new_zeros(B, H), x.new_zeros(B, H)
        else:
            if not (isinstance(state, (tuple, list)) and len(state) == 2):
                raise ValueError("state must be a tuple (h_0, C_0) of two tensors of shape "
                                 f"(B, H) = ({B}, {H}), got {type(state).__name__}")
            h, C = state
            check_state(h, B, H, cell.W_x.dtype, name="h_0")
            check_state(C, B, H, cell.W_x.dtype, name="C_0")
        x_terms = cell.norm_x(x @ cell.W_x)                             # (B, T, 4H)
        hs, Cs = [], []
        for x_term in x_terms.unbind(dim=1):
            h, C = cell.gates(x_term, h, C)
            hs.append(h)
            Cs.append(C)
        outputs = torch.stack(hs, dim=1)                                # (B, T, H)
        step_states = (outputs, torch.stack(Cs, dim=1)) if lengths is not None else None
        return finish(outputs, step_states, (h, C), lengths)

    def hidden(self, state: State) -> torch.Tensor:
        """``h`` of ``(h, C)``."""
        return state[0]
