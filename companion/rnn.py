"""The vanilla (Elman) recurrent network: a readable cell and a batch-first layer.

Shapes (batch-first everywhere in the companion):

- ``B`` batch size, ``T`` sequence length (time steps), ``I`` input size, ``H`` hidden size.
- A sequence batch ``x`` is ``(B, T, I)``; the layer returns outputs ``(B, T, H)`` and the last
  hidden state ``(B, H)``.

The recurrence, chapter :ref:`rnn-basics`, equation :eq:`rnn-step`::

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b)

(or ``relu`` in place of ``tanh``: the identity-initialised ReLU RNN of chapter :ref:`deep-rnns`),
with ``W_xh`` of shape ``(I, H)``, ``W_hh`` of shape ``(H, H)`` and ``b`` of shape ``(H,)``.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from companion.layer import RecurrentLayer
from companion.padding import finish
from companion.stack import compose_like
from companion.validation import check_lengths, check_sequence, check_state, check_torch_layer


NONLINEARITIES = {"tanh": torch.tanh, "relu": torch.relu}


class RNNCell(nn.Module):
    """One time step of a vanilla RNN, written exactly as the chapter's equation.

    Args:
        input_size: ``I``, features per time step.
        hidden_size: ``H``, size of the hidden state.
        nonlinearity: ``"tanh"`` (the chapter's equation) or ``"relu"``, as in ``torch.nn.RNN``.

    The parameters start uniform in ``[-1/sqrt(H), 1/sqrt(H)]``, as ``torch.nn.RNN`` does.
    See chapter :ref:`rnn-basics`.
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh"):
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size}, {hidden_size}")
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be one of {sorted(NONLINEARITIES)}, got {nonlinearity!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.nonlinearity = nonlinearity
        self.activation = NONLINEARITIES[nonlinearity]
        self.W_xh = nn.Parameter(torch.empty(input_size, hidden_size))
        self.W_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.b = nn.Parameter(torch.empty(hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def forward(self, x_t: torch.Tensor, h_prev: torch.Tensor) -> torch.Tensor:
        """Compute the next hidden state.

        Args:
            x_t: the input at time step t, shape ``(B, I)``.
            h_prev: the hidden state from step t-1, shape ``(B, H)``.

        Returns:
            h_t, shape ``(B, H)``.
        """
        return self.activation(x_t @ self.W_xh + h_prev @ self.W_hh + self.b)

    def extra_repr(self) -> str:
        return (f"input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"nonlinearity={self.nonlinearity!r}")


class RNN(RecurrentLayer):
    """A one-layer, batch-first vanilla RNN built on :class:`RNNCell`'s parameters.

    Args:
        input_size: ``I``, features per time step.
        hidden_size: ``H``, size of the hidden state.
        nonlinearity: ``"tanh"`` or ``"relu"``.

    The layer computes the same thing as calling the cell once per time step, but projects the
    inputs of all time steps with one matrix product before the loop: only ``h_{t-1} W_hh``
    really has to wait for the previous step. ``tests/test_rnn.py`` checks that both agree and that
    the layer matches ``torch.nn.RNN`` (see :meth:`from_torch`). Chapter :ref:`rnn-basics`.
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh"):
        super().__init__(input_size, hidden_size)
        self.cell = RNNCell(input_size, hidden_size, nonlinearity)

    def forward(
        self,
        x: torch.Tensor,
        state: torch.Tensor | None = None,
        lengths: torch.Tensor | list[int] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the recurrence over a batch of sequences.

        Args:
            x: inputs, shape ``(B, T, I)``.
            state: initial hidden state ``h_0``, shape ``(B, H)``; zeros when ``None``.
            lengths: optional true length of each padded sequence, shape ``(B,)``. Outputs after a
                sequence's end are zero and its state is the one at its last real step, which is
                what ``pack_padded_sequence`` gives in PyTorch (see :mod:`companion.padding`).

        Returns:
            ``(outputs, h)``: the hidden state at every step, shape ``(B, T, H)``, and the last
            hidden state (at each sequence's own last step), shape ``(B, H)``.

        Raises:
            ValueError: if a shape, dtype or length does not match the ones above.
        """
        cell = self.cell
        check_sequence(x, self.input_size, cell.W_xh.dtype)
        B, T, _ = x.shape
        lengths = None if lengths is None else check_lengths(lengths, B, T)
        if state is None:
            h = x.new_zeros(B, self.hidden_size)
        else:
            check_state(state, B, self.hidden_size, cell.W_xh.dtype)
            h = state

        x_proj = x @ cell.W_xh + cell.b  # (B, T, H): every step's input term in one matmul
        outputs = []
        # unbind, not x_proj[:, t]: indexing would make backward build a (B, T, H) zero tensor
        # for every step; unbind's backward stacks all T step gradients once.
        for x_proj_t in x_proj.unbind(dim=1):
            h = cell.activation(x_proj_t + h @ cell.W_hh)  # (B, H)
            outputs.append(h)
        outputs = torch.stack(outputs, dim=1)  # (B, T, H)
        return finish(outputs, outputs, h, lengths)

    @classmethod
    def from_torch(cls, module: nn.RNN) -> nn.Module:
        """Build the companion equivalent of a ``torch.nn.RNN``, weights copied.

        PyTorch stores ``weight_ih_l0`` as ``(H, I)`` and computes ``x @ weight_ih_l0.T``, and it
        keeps two bias vectors that are always added together. So ``W_xh = weight_ih_l0.T``,
        ``W_hh = weight_hh_l0.T`` and ``b = bias_ih_l0 + bias_hh_l0``; layer ``k`` and its
        reverse direction have the suffixes ``_lk`` and ``_lk_reverse``. The companion layer is
        always batch-first; build the PyTorch one with ``batch_first=True`` to compare outputs.

        Args:
            module: a ``torch.nn.RNN`` (``tanh`` or ``relu``), any ``num_layers``,
                ``bidirectional``, ``dropout`` and ``bias``.

        Returns:
            An :class:`RNN` for one layer in one direction, otherwise a
            :class:`~companion.stack.Stacked` of layers (each a
            :class:`~companion.stack.Bidirectional` when ``bidirectional``), with the same
            dtype, device, outputs and gradients as ``module``.

        Raises:
            ValueError: if ``module`` is not such an RNN.
        """
        check_torch_layer(module, nn.RNN)
        return compose_like(module, lambda input_size, suffix: cls._one_from_torch(
            module, input_size, suffix))

    @classmethod
    def _one_from_torch(cls, module: nn.RNN, input_size: int, suffix: str) -> "RNN":
        """One layer in one direction of ``module``: the weights named ``*_{suffix}``."""
        weight_ih = getattr(module, f"weight_ih_{suffix}")
        layer = cls(input_size, module.hidden_size, module.nonlinearity).to(weight_ih.device,
                                                                            weight_ih.dtype)
        with torch.no_grad():
            layer.cell.W_xh.copy_(weight_ih.T)
            layer.cell.W_hh.copy_(getattr(module, f"weight_hh_{suffix}").T)
            if module.bias:
                layer.cell.b.copy_(getattr(module, f"bias_ih_{suffix}")
                                   + getattr(module, f"bias_hh_{suffix}"))
            else:  # no bias in PyTorch: a zero bias that training leaves at zero
                layer.cell.b.zero_()
                layer.cell.b.requires_grad_(False)
        return layer
