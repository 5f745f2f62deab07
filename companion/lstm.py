"""Long Short-Term Memory: the seed equations as a cell, and a fast layer with a hand-derived backward.

The cell (chapter :ref:`lstm`) concatenates the previous hidden state and the input,
``[h_{t-1}, x_t]`` of shape ``(B, H + I)``, and computes::

    f_t  = sigmoid([h_{t-1}, x_t] W_f + b_f)      forget gate           (B, H)
    i_t  = sigmoid([h_{t-1}, x_t] W_i + b_i)      input gate            (B, H)
    C~_t = tanh([h_{t-1}, x_t] W_C + b_C)         candidate cell state  (B, H)
    C_t  = f_t * C_{t-1} + i_t * C~_t             cell state            (B, H)
    o_t  = sigmoid([h_{t-1}, x_t] W_o + b_o)      output gate           (B, H)
    h_t  = o_t * tanh(C_t)                        hidden state          (B, H)

with every ``W_*`` of shape ``(H + I, H)`` (rows for ``h`` first, then rows for ``x``) and every
``b_*`` of shape ``(H,)``. :class:`LSTM` runs the same parameters over a whole sequence with
the input projections of all steps in one matrix product, and a backward pass written by hand
instead of autograd's step-by-step graph: its recurrence in C++, one fused loop per step
(:class:`~companion.lstm_native.NativeLSTMFunction`), where that is built, and otherwise in
PyTorch operations (:class:`~companion.lstm_function.LSTMFunction`).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from companion.layer import RecurrentLayer
from companion.lstm_function import LSTMFunction
from companion.lstm_native import NativeLSTMFunction, runs_natively
from companion.padding import finish
from companion.stack import compose_like
from companion.validation import check_lengths, check_sequence, check_state, check_torch_layer


class LSTMStep(NamedTuple):
    """Everything one LSTM step computes, each of shape ``(B, H)``."""

    f: torch.Tensor        # forget gate
    i: torch.Tensor        # input gate
    C_tilde: torch.Tensor  # candidate cell state
    C: torch.Tensor        # cell state
    o: torch.Tensor        # output gate
    h: torch.Tensor        # hidden state


GATES = ("i", "f", "C", "o")  # the layer's column order, the same as torch.nn.LSTM's i, f, g, o


class LSTMCell(nn.Module):
    """One LSTM time step, written as the chapter's equations.

    Args:
        input_size: ``I``, features per time step.
        hidden_size: ``H``, size of the hidden and cell states.

    Parameters start uniform in ``[-1/sqrt(H), 1/sqrt(H)]``, as in ``torch.nn.LSTM``.
    Chapter :ref:`lstm`.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size}, {hidden_size}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        for gate in GATES:
            self.register_parameter(f"W_{gate}", nn.Parameter(torch.empty(hidden_size + input_size, hidden_size)))
            self.register_parameter(f"b_{gate}", nn.Parameter(torch.empty(hidden_size)))
        bound = 1.0 / math.sqrt(hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def step(self, x_t: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]) -> LSTMStep:
        """One step of the equations, keeping every gate.

        Args:
            x_t: the input at step t, shape ``(B, I)``.
            state: ``(h_prev, C_prev)``, each of shape ``(B, H)``.

        Returns:
            An :class:`LSTMStep` with ``f, i, C_tilde, C, o, h``, each of shape ``(B, H)``.
        """
        h_prev, C_prev = state
        hx = torch.cat([h_prev, x_t], dim=1)                # [h_{t-1}, x_t]: (B, H + I)
        f_t = torch.sigmoid(hx @ self.W_f + self.b_f)        # forget gate
        i_t = torch.sigmoid(hx @ self.W_i + self.b_i)        # input gate
        C_tilde = torch.tanh(hx @ self.W_C + self.b_C)       # candidate
        C_t = f_t * C_prev + i_t * C_tilde                   # new cell state
        o_t = torch.sigmoid(hx @ self.W_o + self.b_o)        # output gate
        h_t = o_t * torch.tanh(C_t)                          # new hidden state
        return LSTMStep(f_t, i_t, C_tilde, C_t, o_t, h_t)

    def forward(self, x_t: torch.Tensor,
                state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Compute the next hidden and cell state, ``(h_t, C_t)``, each ``(B, H)``; see :meth:`step`."""
        result = self.step(x_t, state)
        return result.h, result.C

    def stacked_weights(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The four gates' parameters side by side, in the order :data:`GATES`.

        Returns:
            ``(W_x, W_h, b)``: input weights ``(I, 4H)``, recurrent weights ``(H, 4H)`` and
            bias ``(4H,)``, so that all four pre-activations are ``x_t W_x + h_{t-1} W_h + b``.
        """
        W = torch.cat([getattr(self, f"W_{gate}") for gate in GATES], dim=1)  # (H + I, 4H)
        b = torch.cat([getattr(self, f"b_{gate}") for gate in GATES])
        H = self.hidden_size
        return W[H:], W[:H], b

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"


class LSTM(RecurrentLayer):
    """A one-layer, batch-first LSTM: :class:`LSTMCell`'s parameters, run fast over a sequence.

    Args:
        input_size: ``I``, features per time step.
        hidden_size: ``H``, size of the hidden and cell states.

    ``forward`` gives the same outputs and gradients as calling ``self.cell`` once per step
    (``tests/test_lstm.py`` checks it) and as ``torch.nn.LSTM`` with the weights copied by
    :meth:`from_torch`. Chapter :ref:`lstm`.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__(input_size, hidden_size)
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None,
                lengths: torch.Tensor | list[int] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Run the LSTM over a batch of sequences.

        Args:
            x: inputs, shape ``(B, T, I)``.
            state: ``(h_0, C_0)``, each ``(B, H)``; zeros when ``None``.
            lengths: optional true length of each padded sequence, shape ``(B,)``: outputs
                after a sequence's end are zero and its state is the one at its last real step
                (:func:`companion.padding.finish`).

        Returns:
            ``(outputs, (h_T, C_T))``: the hidden state at every step ``(B, T, H)`` and the
            last hidden and cell states, each ``(B, H)``.

        Raises:
            ValueError: if a shape, dtype or length does not match the ones above.
        """
        W_x, W_h, b = self.cell.stacked_weights()
        check_sequence(x, self.input_size, W_x.dtype)
        B, H = x.shape[0], self.hidden_size
        lengths = None if lengths is None else check_lengths(lengths, B, x.shape[1])
        if state is None:
            h0 = c0 = x.new_zeros(B, H)
        else:
            if not (isinstance(state, (tuple, list)) and len(state) == 2):
                raise ValueError("state must be a tuple (h_0, C_0) of two tensors of shape "
                                 f"(B, H) = ({B}, {H}), got {type(state).__name__}")
            h0, c0 = state
            check_state(h0, B, H, W_x.dtype, name="h_0")
            check_state(c0, B, H, W_x.dtype, name="C_0")
        function = NativeLSTMFunction if runs_natively(x, W_h) else LSTMFunction
        hs, h_T, c_T, cs = function.apply(x.transpose(0, 1), h0, c0, W_x, W_h, b)
        outputs = hs.transpose(0, 1)  # (B, T, H)
        return finish(outputs, (outputs, cs.transpose(0, 1)), (h_T, c_T), lengths)

    def hidden(self, state: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``h`` of the state ``(h, C)``, shape ``(B, H)``."""
        return state[0]

    def trace(self, x: torch.Tensor,
              state: tuple[torch.Tensor, torch.Tensor] | None = None) -> list[LSTMStep]:
        """Run the readable cell step by step and keep everything it computes.

        Slower than :meth:`forward` but it exposes the gates, for plots, and every step's
        ``C_t`` and ``h_t`` as separate tensors, for measuring the gradient reaching each.

        Args:
            x: inputs, shape ``(B, T, I)``.
            state: ``(h_0, C_0)``, each ``(B, H)``; zeros when ``None``.

        Returns:
            One :class:`LSTMStep` per time step.
        """
        check_sequence(x, self.input_size, self.cell.W_f.dtype)
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size),) * 2
        steps = []
        for x_t in x.unbind(dim=1):
            steps.append(self.cell.step(x_t, state))
            state = (steps[-1].h, steps[-1].C)
        return steps

    @classmethod
    def from_torch(cls, module: nn.LSTM) -> nn.Module:
        """Build the companion equivalent of a ``torch.nn.LSTM``, weights copied.

        PyTorch stacks the four gates' weights in ``weight_ih_l0`` ``(4H, I)`` and
        ``weight_hh_l0`` ``(4H, H)`` in the order input, forget, cell (candidate), output, and
        computes ``x @ weight_ih_l0.T + h @ weight_hh_l0.T``. So gate ``k``'s rows ``[kH, (k+1)H)``,
        transposed, are the ``h`` and ``x`` parts of the cell's ``W_*``; the two biases add up.
        Layer ``k`` and its reverse direction have the suffixes ``_lk`` and ``_lk_reverse``.

        Args:
            module: a ``torch.nn.LSTM`` without projection (``proj_size=0``), any
                ``num_layers``, ``bidirectional``, ``dropout`` and ``bias``.

        Returns:
            An :class:`LSTM` for one layer in one direction, otherwise a
            :class:`~companion.stack.Stacked` of layers (each a
            :class:`~companion.stack.Bidirectional` when ``bidirectional``), with the same
            dtype, device, outputs and gradients as ``module``.

        Raises:
            ValueError: if ``module`` is not such an LSTM.
        """
        check_torch_layer(module, nn.LSTM, proj_size=0)
        return compose_like(module, lambda input_size, suffix: cls._one_from_torch(
            module, input_size, suffix))

    @classmethod
    def _one_from_torch(cls, module: nn.LSTM, input_size: int, suffix: str) -> "LSTM":
        """One layer in one direction of ``module``: the weights named ``*_{suffix}``."""
        w_ih, w_hh = getattr(module, f"weight_ih_{suffix}"), getattr(module, f"weight_hh_{suffix}")
        layer = cls(input_size, module.hidden_size).to(w_ih.device, w_ih.dtype)
        H = module.hidden_size
        with torch.no_grad():
            for k, gate in enumerate(GATES):  # PyTorch's block order is the same
                rows = slice(k * H, (k + 1) * H)
                weight = torch.cat([w_hh[rows].T, w_ih[rows].T], dim=0)  # (H + I, H)
                getattr(layer.cell, f"W_{gate}").copy_(weight)
                bias = getattr(layer.cell, f"b_{gate}")
                if module.bias:
                    bias.copy_(getattr(module, f"bias_ih_{suffix}")[rows]
                               + getattr(module, f"bias_hh_{suffix}")[rows])
                else:  # no bias in PyTorch: a zero bias that training leaves at zero
                    bias.zero_()
                    bias.requires_grad_(False)
        return layer
