"""The contract every sequence layer of the companion follows, in one base class.

Every recurrent layer (:class:`~companion.rnn.RNN`, :class:`~companion.lstm.LSTM`,
:class:`~companion.gru.GRU`, the scan layers :class:`~companion.scan.MinGRU` and
:class:`~companion.scan.MinLSTM`), the causal :class:`~companion.conv.TCN`, and the compositions
:class:`~companion.stack.Stacked` and :class:`~companion.stack.Bidirectional` are batch-first
``SequenceLayer`` s::

    outputs, state = layer(x, state=None, lengths=None)
    x        (B, T, I)     I = layer.input_size
    outputs  (B, T, O)     O = layer.output_size (a one-direction layer: O = H, its hidden size)
    state    the layer's own structure: h (B, H); an LSTM's (h, C); one state per layer of a
             Stacked; (forward state, backward state) of a Bidirectional
    lengths  (B,) integers in 1..T: outputs after each sequence's end are zero and the state is
             the one at its last real step (see companion.padding)

and every cell is called as ``cell(x_t, state) -> state``. Because all of them agree, a model
can take any of them (:mod:`companion.rnn_types`, :mod:`companion.stack`) and read the hidden
state out of any state with :meth:`SequenceLayer.hidden`, without looking at its type. This is
what ``torch.nn.RNNBase`` does for PyTorch's layers. Chapter :ref:`rnn-basics`.
"""
from __future__ import annotations

from torch import nn


class SequenceLayer(nn.Module):
    """Base of every batch-first sequence layer: its sizes, and how to read its hidden state.

    Args:
        input_size: ``I``, features per time step.
        output_size: ``O``, features per output step.

    Subclasses implement ``forward(x, state=None, lengths=None) -> (outputs, state)``.
    """

    def __init__(self, input_size: int, output_size: int):
        super().__init__()
        if input_size < 1 or output_size < 1:
            raise ValueError(f"input_size and output_size must be >= 1, got {input_size}, "
                             f"{output_size}")
        self.input_size = input_size
        self.output_size = output_size

    def hidden(self, state):
        """The hidden state ``h`` ``(B, O)`` held in a state of this layer, e.g. to feed a head.

        A layer whose state is ``h`` itself returns it; an LSTM returns the ``h`` of ``(h, C)``.
        """
        return state

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, output_size={self.output_size}, batch_first=True"


class RecurrentLayer(SequenceLayer):
    """A one-layer, one-direction recurrent layer: its output is its hidden state, ``O = H``.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size}, "
                             f"{hidden_size}")
        super().__init__(input_size, hidden_size)
        self.hidden_size = hidden_size

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}, batch_first=True"
