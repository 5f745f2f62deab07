"""Truncated backpropagation through time as it is used on long texts: stateful, chunk by chunk.

Chapter :ref:`bptt`'s :func:`companion.train.forward_truncated` cuts the *gradient* into chunks
of ``k`` steps, but it still builds one graph over the whole sequence and calls backward once,
so it keeps every step's activations. The form of Williams & Peng (1990) that language models
are trained with saves the memory too: an optimiser step after every chunk of ``k`` steps, the
state detached and carried into the next chunk, and the batch laid out as ``B`` contiguous
streams so that chunk ``j + 1`` of row ``b`` continues chunk ``j`` of row ``b``::

    text   a b c d e f g h i j k l m n o p q r s t u v w x      (N characters)
    rows   a b c d e f g h        <- stream 0      B = 3 streams of N / B
           i j k l m n o p        <- stream 1
           q r s t u v w x        <- stream 2
    chunks |k=4   |k=4   |        one optimiser step each, the state carried across ``|``

Backward then only ever holds one chunk: memory ``O(k)`` instead of ``O(N / B)``, while the
forward values are those of one run over each whole stream. What it gives up is any gradient
across a ``|``. :func:`saved_tensor_bytes` measures the memory. Chapter :ref:`deep-rnns`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import nn

from companion.padding import detach_state


def contiguous_streams(ids: np.ndarray | torch.Tensor, batch_size: int) -> torch.Tensor:
    """Cut a sequence of ids into ``batch_size`` consecutive streams, side by side.

    Args:
        ids: ``(N,)`` integer ids.
        batch_size: ``B``, the number of streams.

    Returns:
        ``(B, N // B)`` int64: row ``b`` is ``ids[b * (N // B):(b + 1) * (N // B)]`` (the last
        ``N % B`` ids are dropped).
    """
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.int64)
    if ids.dim() != 1:
        raise ValueError(f"ids must have shape (N,), got {tuple(ids.shape)}")
    if not 1 <= batch_size <= len(ids) // 2:
        raise ValueError(f"batch_size must be in 1..N // 2 = {len(ids) // 2}, got {batch_size}")
    per_stream = len(ids) // batch_size
    return ids[:batch_size * per_stream].view(batch_size, per_stream)


def stream_chunks(streams: torch.Tensor, k: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive ``(inputs, targets)`` chunks of ``k`` steps for next-symbol prediction.

    Args:
        streams: ``(B, L)`` ids from :func:`contiguous_streams`.
        k: steps per chunk.

    Yields:
        ``(inputs, targets)``, each ``(B, k)`` (the last chunk may be shorter), targets being the
        inputs shifted one step ahead.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    length = streams.shape[1] - 1
    for start in range(0, length, k):
        end = min(start + k, length)
        yield streams[:, start:end], streams[:, start + 1:end + 1]


def train_stateful(model: nn.Module, chunks, optimizer: torch.optim.Optimizer,
                   loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                   state=None, clip_norm: float | None = 1.0) -> tuple[list[float], object]:
    """One pass of stateful truncated BPTT: a forward, a backward and a step per chunk.

    Args:
        model: ``model(inputs, state) -> (outputs, state)``, e.g. a
            :class:`~companion.applications.charlm.CharLM`.
        chunks: consecutive ``(inputs, targets)`` pairs, e.g. :func:`stream_chunks`.
        optimizer: over ``model``'s parameters.
        loss_fn: ``loss_fn(outputs, targets)``, a scalar.
        state: the state to start from (``None``: zeros).
        clip_norm: gradient-norm clipping threshold, or ``None``.

    Returns:
        ``(losses, state)``: each chunk's loss, and the final state (detached), to carry on.
    """
    model.train()
    losses = []
    for inputs, targets in chunks:
        outputs, state = model(inputs, state)
        loss = loss_fn(outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        if clip_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        # the next chunk starts from this state's values, but its graph ends here
        state = detach_state(state)
        losses.append(loss.item())
    return losses, state


def saved_tensor_bytes(run: Callable[[], torch.Tensor]) -> tuple[int, torch.Tensor]:
    """The bytes autograd keeps for backward while ``run()`` builds its graph.

    Every tensor that an operation saves for its backward (``torch.autograd.graph
    .saved_tensors_hooks`` sees them all, custom ``autograd.Function`` s included) is counted
    once per storage, so a parameter saved by every step counts once.

    Returns:
        ``(bytes, result)``: the total size of the distinct saved storages and ``run()``'s result.
    """
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        result = run()
    return sum(storages.values()), result
