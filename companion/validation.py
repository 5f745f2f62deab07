"""Input checks shared by the recurrent layers.

Every layer in the companion is batch-first: a sequence batch is ``(B, T, I)`` and a hidden
state is ``(B, H)``. These helpers turn a wrong shape or dtype into a ``ValueError`` that says
which argument was wrong, what shape was expected and what arrived, instead of a matmul error
from deep inside the loop.

Used by :mod:`companion.rnn` (chapter :ref:`rnn-basics`) and the gated layers of later chapters.
"""
from __future__ import annotations

import torch


def _describe(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


def check_sequence(x: object, input_size: int, dtype: torch.dtype, name: str = "x") -> None:
    """Check that ``x`` is a non-empty float sequence batch of shape ``(B, T, input_size)``.

    Args:
        x: the candidate input.
        input_size: the feature size ``I`` the layer was built for.
        dtype: the dtype of the layer's parameters; ``x`` must match it.
        name: the argument name used in the error message.

    Raises:
        ValueError: if ``x`` is not a tensor, not 3-D, has the wrong feature size, an empty
            batch or time axis, or a dtype other than ``dtype``.
    """
    expected = f"(B, T, I) = (batch, time, {input_size})"
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor of shape {expected}, got {type(x).__name__}")
    if x.dim() != 3 or x.shape[-1] != input_size:
        hint = ""
        if x.dim() == 2 and x.shape[-1] == input_size:
            hint = " (a single sequence? add the batch axis with x.unsqueeze(0))"
        raise ValueError(
            f"{name} must have shape {expected}, got {_describe(tuple(x.shape))}{hint}"
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape {expected} with B >= 1 and T >= 1, "
            f"got {_describe(tuple(x.shape))}: an empty batch or sequence has no last state"
        )
    if not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor ({dtype}), got {x.dtype}")
    if x.dtype != dtype:
        raise ValueError(
            f"{name} has dtype {x.dtype} but the layer's parameters are {dtype}; "
            f"convert one of them (x.to({dtype}) or layer.to({x.dtype}))"
        )


def check_state(h: object, batch_size: int, hidden_size: int, dtype: torch.dtype,
                name: str = "state") -> None:
    """Check that ``h`` is a hidden state of shape ``(batch_size, hidden_size)`` and dtype ``dtype``.

    Args:
        h: the candidate state.
        batch_size: ``B`` of the input it goes with.
        hidden_size: ``H`` of the layer.
        dtype: the dtype of the layer's parameters.
        name: the argument name used in the error message.

    Raises:
        ValueError: if ``h`` has another type, shape or dtype.
    """
    expected = f"(B, H) = ({batch_size}, {hidden_size})"
    if not isinstance(h, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor of shape {expected}, got {type(h).__name__}")
    if tuple(h.shape) != (batch_size, hidden_size):
        raise ValueError(f"{name} must have shape {expected}, got {_describe(tuple(h.shape))}")
    if h.dtype != dtype:
        raise ValueError(f"{name} has dtype {h.dtype} but the layer's parameters are {dtype}")


def check_lengths(lengths: object, batch_size: int, max_length: int) -> torch.Tensor:
    """Check per-sequence lengths for a padded batch and return them as an int64 tensor.

    Args:
        lengths: one length per sequence, shape ``(B,)``; a list or a tensor.
        batch_size: ``B`` of the padded input.
        max_length: ``T`` of the padded input.

    Returns:
        The lengths as a CPU ``int64`` tensor of shape ``(B,)``.

    Raises:
        ValueError: if there is not one integer length per sequence in ``1..T``.
    """
    lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1 or lengths.shape[0] != batch_size:
        raise ValueError(
            f"lengths must have shape (B,) = ({batch_size},), got {_describe(tuple(lengths.shape))}"
        )
    if lengths.is_floating_point() or lengths.is_complex():
        raise ValueError(f"lengths must be integers, got {lengths.dtype}")
    if batch_size and (int(lengths.min()) < 1 or int(lengths.max()) > max_length):
        raise ValueError(f"every length must lie in 1..T = 1..{max_length}, got {lengths.tolist()}")
    return lengths.to(torch.int64).cpu()


def check_torch_layer(module: object, torch_cls: type, **required: object) -> None:
    """Check that ``module`` is a ``torch_cls`` that a companion layer's ``from_torch`` can copy.

    Any ``num_layers``, ``bidirectional``, ``dropout`` and ``bias`` can be copied; ``required``
    names the settings of that class that cannot vary, e.g. ``proj_size=0`` for
    ``torch.nn.LSTM``.

    Raises:
        ValueError: if ``module`` has another type, or a setting other than the required one.
    """
    name = f"torch.nn.{torch_cls.__name__}"
    if not isinstance(module, torch_cls):
        raise ValueError(f"from_torch expects a {name}, got {type(module).__name__}")
    got = {key: getattr(module, key) for key in required}
    if got != required:
        wanted = ", ".join(f"{key}={value!r}" for key, value in required.items())
        found = ", ".join(f"{key}={value!r}" for key, value in got.items())
        raise ValueError(f"from_torch copies a {name} with {wanted}; got {found}")
