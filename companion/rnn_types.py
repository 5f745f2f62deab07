"""The four input/output patterns of recurrent models, each as a small ``nn.Module``.

The lecture notes name four "types" of RNN by how many inputs go in and how many outputs come
out. They are not different cells: every model below is the same :class:`companion.rnn.RNN`
with a different way of feeding it and reading it. Shapes (batch-first):

============================  =====================  =======================  ==================
pattern                       input                  output                   typical task
============================  =====================  =======================  ==================
:class:`OneToOne`             ``(B, I)``             ``(B, O)``               classify one vector
:class:`OneToMany`            ``(B, I)``             ``(B, T_out, O)``        image captioning
:class:`ManyToOne`            ``(B, T, I)``          ``(B, O)``               sentiment
:class:`ManyToMany`           ``(B, T, I)``          ``(B, T, O)``            tagging, forecasting
:class:`EncoderDecoder`       ``(B, T_in, I)``       ``(B, T_out, O)``        translation
============================  =====================  =======================  ==================

Chapter :ref:`rnn-basics`, section :ref:`rnn-types`.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from companion.rnn import RNN


class RNNWithHead(nn.Module):
    """A recurrent layer followed by a linear output layer, ``y = h W_hy + b_y``.

    The base of :class:`OneToOne`, :class:`ManyToOne` and :class:`ManyToMany`, which differ only in
    what they feed the layer and which hidden states the head reads.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
        output_size: ``O``.
        layer: makes the recurrent layer as ``layer(input_size, hidden_size)``:
            :class:`~companion.rnn.RNN` by default, or any layer that follows the companion's
            contract (:mod:`companion.layer`), e.g. :class:`companion.lstm.LSTM`, whose state is
            the pair ``(h, C)``, or a function building a
            :class:`~companion.stack.Bidirectional` or :class:`~companion.stack.Stacked` one.
            The head reads the layer's ``output_size`` features.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 layer: Callable[[int, int], nn.Module] = RNN):
        super().__init__()
        self.rnn = layer(input_size, hidden_size)
        self.head = nn.Linear(self.rnn.output_size, output_size)

    def run(self, x: torch.Tensor, lengths: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """The layer's outputs ``(B, T, H)`` and the hidden state in its final state ``(B, H)``."""
        outputs, state = self.rnn(x, lengths=lengths)
        return outputs, self.rnn.hidden(state)


class OneToOne(RNNWithHead):
    """One input vector to one output vector: an RNN run for a single step (``T = 1``).

    With one step there is no past to remember, so this is a one-hidden-layer feedforward net
    with a tanh activation; it is here to show where the other patterns start from.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x`` of shape ``(B, I)`` to outputs of shape ``(B, O)``."""
        _, h = self.rnn(x.unsqueeze(1))  # (B, 1, I) -> h: (B, H)
        return self.head(h)


class Generator(nn.Module):
    """Unrolls an RNN from a given hidden state, feeding each output back in as the next input.

    This is the decoding half shared by :class:`OneToMany` and :class:`EncoderDecoder`.

    Args:
        hidden_size: ``H``.
        output_size: ``O``; each step's input is the previous step's output.
    """

    def __init__(self, hidden_size: int, output_size: int):
        super().__init__()
        self.output_size = output_size
        self.rnn = RNN(output_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, h: torch.Tensor, steps: int) -> torch.Tensor:
        """Generate ``steps`` outputs.

        Args:
            h: initial hidden state, shape ``(B, H)``.
            steps: ``T_out``, how many outputs to produce.

        Returns:
            Outputs of shape ``(B, T_out, O)``.
        """
        y = h.new_zeros(h.shape[0], self.output_size)  # an all-zero "start" input
        outputs = []
        for _ in range(steps):
            _, h = self.rnn(y.unsqueeze(1), h)  # one step: (B, 1, O) -> h: (B, H)
            y = self.head(h)                     # (B, O), fed back on the next step
            outputs.append(y)
        return torch.stack(outputs, dim=1)


class OneToMany(nn.Module):
    """One input vector to a sequence: the input sets the first hidden state.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
        output_size: ``O``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.to_state = nn.Linear(input_size, hidden_size)
        self.generator = Generator(hidden_size, output_size)

    def forward(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        """Map ``x`` of shape ``(B, I)`` to a sequence of shape ``(B, steps, O)``."""
        return self.generator(torch.tanh(self.to_state(x)), steps)


class ManyToOne(RNNWithHead):
    """A sequence to one output vector, read from the last hidden state."""

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Map ``x`` of shape ``(B, T, I)`` to ``(B, O)``; ``lengths`` as in :meth:`RNN.forward`."""
        _, h = self.run(x, lengths)
        return self.head(h)


class ManyToMany(RNNWithHead):
    """A sequence to a sequence of the same length: one output per input step."""

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Map ``x`` of shape ``(B, T, I)`` to ``(B, T, O)``; ``lengths`` as in :meth:`RNN.forward`."""
        outputs, _ = self.run(x, lengths)  # (B, T, H)
        return self.head(outputs)


class EncoderDecoder(nn.Module):
    """A sequence to a sequence of another length: encode to one state, then generate.

    The simplest sequence-to-sequence model; chapter 5 adds teacher forcing and attention.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
        output_size: ``O``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.encoder = RNN(input_size, hidden_size)
        self.generator = Generator(hidden_size, output_size)

    def forward(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        """Map ``x`` of shape ``(B, T_in, I)`` to ``(B, steps, O)``."""
        _, h = self.encoder(x)  # the whole input squeezed into h: (B, H)
        return self.generator(h, steps)
