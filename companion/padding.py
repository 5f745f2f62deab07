"""Padded batches: the one place where every recurrent layer handles sequences of unequal length.

A batch of sequences of different lengths is stored right-padded, ``x`` of shape ``(B, T, I)``
with ``lengths`` ``(B,)``: sequence ``b`` is ``x[b, :lengths[b]]`` and the rest is padding. A
recurrent layer is causal, so its outputs at the real steps do not depend on the padding after
them; only two things need fixing after the layer has run over the padded batch (chapter
:ref:`rnn-basics`, section :ref:`padding-packing`):

- the outputs after a sequence's end, which are set to zero (:func:`zero_after_end`);
- the final state, which must be the one at the sequence's last real step
  (:func:`state_at_end`), not the one after the padding.

That is what ``torch.nn.utils.rnn.pack_padded_sequence`` gives in PyTorch, values and gradients
alike. A layer that runs backwards in time (:class:`companion.stack.Bidirectional`) first turns
each sequence around within its own length (:func:`reverse_within_lengths`), so that it starts at
the last real step. States are tensors or (nested) tuples and lists of them, e.g. an LSTM's
``(h, C)``; :func:`map_state` applies a function to every tensor in one.
"""
from __future__ import annotations

from collections.abc import Callable

import torch

from companion.validation import check_lengths

State = torch.Tensor | tuple | list  # a tensor, or a nested tuple/list of tensors


def map_state(function: Callable[[torch.Tensor], torch.Tensor], state: State) -> State:
    """Apply ``function`` to every tensor of a (nested) state, keeping its structure.

    Args:
        function: tensor -> tensor, e.g. ``torch.Tensor.detach``.
        state: a tensor, or a tuple or list of states.

    Returns:
        A state of the same structure.
    """
    if isinstance(state, torch.Tensor):
        return function(state)
    if isinstance(state, (tuple, list)):
        return type(state)(map_state(function, part) for part in state)
    raise ValueError(f"a state is a tensor or a tuple/list of them, got {type(state).__name__}")


def detach_state(state: State | None) -> State | None:
    """The same state cut from the autograd graph (truncated BPTT); ``None`` stays ``None``."""
    return None if state is None else map_state(torch.Tensor.detach, state)


def step_mask(lengths: torch.Tensor, max_length: int) -> torch.Tensor:
    """``mask[b, t]`` is True where step ``t`` is a real step of sequence ``b``.

    Args:
        lengths: ``(B,)`` int64, each in ``1..max_length``.
        max_length: ``T``.

    Returns:
        A bool tensor of shape ``(B, T)``.
    """
    return torch.arange(max_length, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def zero_after_end(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``outputs`` ``(B, T, H)`` with every step after each sequence's end set to zero."""
    mask = step_mask(lengths.to(outputs.device), outputs.shape[1])  # (B, T)
    return outputs * mask.unsqueeze(-1).to(outputs.dtype)


def state_at_end(step_states: State, lengths: torch.Tensor) -> State:
    """Each sequence's state at its last real step, picked from the states of every step.

    Args:
        step_states: the state after every step, each tensor ``(B, T, H)`` (for an LSTM the pair
            of every step's ``h`` and ``C``).
        lengths: ``(B,)`` int64.

    Returns:
        The state at step ``lengths[b] - 1`` of every sequence, each tensor ``(B, H)``.
    """
    def pick(steps: torch.Tensor) -> torch.Tensor:
        index = (lengths.to(steps.device) - 1).view(-1, 1, 1).expand(-1, 1, steps.shape[2])
        return steps.gather(1, index).squeeze(1)  # (B, H)

    return map_state(pick, step_states)


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverse each sequence's real steps in time and leave its padding where it is.

    ``y[b, t] = x[b, lengths[b] - 1 - t]`` for ``t < lengths[b]``, and ``y[b, t] = x[b, t]``
    after. Applying it twice gives ``x`` back. Without ``lengths`` it is a plain flip of the time
    axis.

    Args:
        x: ``(B, T, ...)``.
        lengths: ``(B,)`` int64, or ``None``.

    Returns:
        A tensor of the same shape as ``x``.
    """
    if lengths is None:
        return x.flip(1)
    T = x.shape[1]
    steps = torch.arange(T, device=x.device).unsqueeze(0)              # (1, T)
    ends = lengths.to(x.device).unsqueeze(1)                           # (B, 1)
    source = torch.where(steps < ends, ends - 1 - steps, steps)        # (B, T)
    index = source.view(*source.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, index)


def finish(outputs: torch.Tensor, step_states: State, final_state: State,
           lengths: torch.Tensor | list[int] | None) -> tuple[torch.Tensor, State]:
    """What every layer returns: its outputs and state, corrected for padding when ``lengths``
    is given.

    Args:
        outputs: the layer's outputs over the padded batch, ``(B, T, H)``.
        step_states: the state after every step (each tensor ``(B, T, H)``); only read when
            ``lengths`` is given.
        final_state: the state after the last padded step, returned as is without ``lengths``.
        lengths: ``(B,)`` integers in ``1..T``, or ``None``.

    Returns:
        ``(outputs, state)``: outputs zero after each sequence's end, state at its last real
        step.

    Raises:
        ValueError: if ``lengths`` has the wrong shape or dtype or a length outside ``1..T``.
    """
    if lengths is None:
        return outputs, final_state
    lengths = check_lengths(lengths, outputs.shape[0], outputs.shape[1])
    return zero_after_end(outputs, lengths), state_at_end(step_states, lengths)
