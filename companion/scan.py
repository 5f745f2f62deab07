"""Linear recurrences as scans, and the minGRU and minLSTM built on them (Feng et al. 2024).

A *linear* recurrence ``h_t = a_t * h_{t-1} + b_t`` (elementwise, shapes ``(B, T, H)``) has the
closed form ``h_t = A_t * (h_0 + sum_{k <= t} b_k / A_k)`` with ``A_t = a_1 a_2 ... a_t``: every
``h_t`` is a cumulative product and a cumulative sum, which a parallel scan computes in
``O(log T)`` depth instead of the loop's ``T``. Chapter :ref:`parallel-scan`.

- :func:`scan_sequential`: the plain loop, the reference.
- :func:`scan_log_space`: the same in log space with ``logcumsumexp`` (Heinsen 2023), for
  ``a_t > 0`` and ``b_t > 0``, numerically stable for long ``T``.
- :func:`scan_log_space_chunked`: the log-space scan in chunks joined by a short loop over the
  chunks, which keeps float32 precise at any length.
- :func:`scan_parallel`: any sign of ``b_t``, by scanning its positive and negative parts.
- :class:`MinGRU` and :class:`MinLSTM`: gates that depend on ``x_t`` only, so the recurrence is
  linear and the whole sequence is one scan; ``mode="sequential"`` runs the same layer step by
  step, as for generation.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from companion.layer import RecurrentLayer
from companion.padding import finish
from companion.validation import check_lengths, check_sequence, check_state


def _check_pair(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None) -> None:
    if a.shape != b.shape or a.dim() != 3:
        raise ValueError(f"a and b must both have shape (B, T, H), got {tuple(a.shape)} and {tuple(b.shape)}")
    if h0 is not None and h0.shape != (a.shape[0], a.shape[2]):
        raise ValueError(f"h0 must have shape (B, H) = ({a.shape[0]}, {a.shape[2]}), got {tuple(h0.shape)}")


def scan_sequential(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None = None) -> torch.Tensor:
    """``h_t = a_t * h_{t-1} + b_t`` by a loop over ``t``.

    Args:
        a, b: ``(B, T, H)``.
        h0: ``(B, H)``, zeros when None.

    Returns:
        ``h``: ``(B, T, H)``, the states ``h_1 .. h_T``.
    """
    _check_pair(a, b, h0)
    h = b.new_zeros(b.shape[0], b.shape[2]) if h0 is None else h0
    states = []
    # unbind, not a[:, t]: indexing inside the loop makes backward build a full-size
    # zero tensor per step, which is quadratic in T (tests/test_scan.py measures it).
    for a_t, b_t in zip(a.unbind(1), b.unbind(1)):
        h = a_t * h + b_t
        states.append(h)
    return torch.stack(states, dim=1)


def scan_log_space(log_a: torch.Tensor, log_b: torch.Tensor,
                   log_h0: torch.Tensor | None = None) -> torch.Tensor:
    """The same recurrence for positive ``a`` and ``b``, given their logarithms, all steps at once.

    ``log h_t = log A_t + logcumsumexp_k(log b_k - log A_k)`` with ``log A_t = cumsum(log a)``;
    ``h_0`` enters as an extra first term. Depth ``O(log T)`` on parallel hardware.

    Returns:
        ``h`` (not its log): ``(B, T, H)``.
    """
    _check_pair(log_a, log_b, log_h0)
    log_A = torch.cumsum(log_a, dim=1)                       # (B, T, H)
    terms = log_b - log_A
    if log_h0 is not None:
        terms = torch.cat([log_h0.unsqueeze(1), terms], dim=1)
        return torch.exp(log_A + torch.logcumsumexp(terms, dim=1)[:, 1:])
    return torch.exp(log_A + torch.logcumsumexp(terms, dim=1))


def scan_log_space_chunked(log_a: torch.Tensor, log_b: torch.Tensor, chunk: int = 64) -> torch.Tensor:
    """:func:`scan_log_space` (from ``h_0 = 0``) in chunks, for float32 precision at any length.

    One long log-space scan adds up ``log A_t`` over all ``T`` steps; for long sequences those
    sums grow large and float32 keeps only about seven significant digits of them, so ``h_t``
    loses absolute precision. Here every chunk of ``chunk`` steps is scanned on its own (all
    chunks at once), and the chunks' end states are joined by the same recurrence one level up,
    a loop over the ``T / chunk`` chunks: depth ``T / chunk + log(chunk)`` instead of ``T``.

    Returns:
        ``h``: ``(B, T, H)``.
    """
    _check_pair(log_a, log_b, None)
    B, T, H = log_a.shape
    n_chunks = -(-T // chunk)
    pad = n_chunks * chunk - T
    if pad:  # a = 1 and b = 0 (a very negative log, not -inf, whose gradient would be NaN)
        log_a = F.pad(log_a, (0, 0, 0, pad))
        log_b = F.pad(log_b, (0, 0, 0, pad), value=-1e4)
    log_a = log_a.view(B, n_chunks, chunk, H)
    log_b = log_b.view(B, n_chunks, chunk, H)
    log_A = torch.cumsum(log_a, dim=2)                                    # within each chunk
    log_h_local = log_A + torch.logcumsumexp(log_b - log_A, dim=2)        # from 0 in each chunk
    # chunk c ends at A_c * h_{c-1} + local_c: the recurrence again, over n_chunks steps, run
    # as a short loop in linear space (a log-space scan here would add up log A over all T)
    ends = scan_sequential(torch.exp(log_A[:, :, -1]), torch.exp(log_h_local[:, :, -1]))
    carry = F.pad(ends[:, :-1], (0, 0, 1, 0))                             # h before each chunk
    h = torch.exp(log_h_local) + torch.exp(log_A) * carry.unsqueeze(2)
    return h.reshape(B, n_chunks * chunk, H)[:, :T]


def scan_parallel(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None = None) -> torch.Tensor:
    """``h_t = a_t * h_{t-1} + b_t`` for ``a_t > 0`` and ``b_t``, ``h_0`` of any sign, without a loop.

    Linear in ``b`` and ``h_0``, so their positive and negative parts are scanned in log space
    separately and subtracted.

    Raises:
        ValueError: if the shapes differ or some ``a_t <= 0``.
    """
    _check_pair(a, b, h0)
    if not bool((a > 0).all()):
        raise ValueError("scan_parallel needs a_t > 0 (it takes log a_t)")
    log_a = torch.log(a)
    tiny = torch.finfo(b.dtype).tiny  # log(0) would be -inf, and its gradient NaN

    def part(sign: float) -> torch.Tensor:
        log_b = torch.log(torch.clamp(sign * b, min=tiny))
        log_h0 = None if h0 is None else torch.log(torch.clamp(sign * h0, min=tiny))
        return scan_log_space(log_a, log_b, log_h0)

    return part(1.0) - part(-1.0)


def _g(x: torch.Tensor) -> torch.Tensor:
    """Feng et al.'s positive activation: x + 1/2 for x >= 0, sigmoid(x) below."""
    return torch.where(x >= 0, F.relu(x) + 0.5, torch.sigmoid(x))


def _log_g(x: torch.Tensor) -> torch.Tensor:
    """log of Feng et al.'s positive activation g(x) = x + 1/2 for x >= 0, sigmoid(x) below."""
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


class LinearRecurrence(RecurrentLayer):
    """A layer whose recurrence is ``h_t = a_t * h_{t-1} + b_t`` with ``a_t, b_t`` computed from
    ``x_t`` alone; subclasses say how, in :meth:`coefficients`.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
        blocks: how many ``H``-wide linear maps of ``x_t`` the subclass needs.
    """

    def __init__(self, input_size: int, hidden_size: int, blocks: int):
        super().__init__(input_size, hidden_size)
        self.linear = nn.Linear(input_size, blocks * hidden_size)

    def coefficients(self, x: torch.Tensor, log: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """``(a, b)``, or ``(log a, log b)`` when ``log``, each ``(B, T, H)``, for ``x`` ``(B, T, I)``.

        The loop gets ``a`` and ``b`` directly, which is fewer passes over the data than
        exponentiating their logarithms; the scans get the logarithms.
        """
        raise NotImplementedError

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None,
                lengths: torch.Tensor | list[int] | None = None,
                mode: str = "parallel") -> tuple[torch.Tensor, torch.Tensor]:
        """Run over ``x`` ``(B, T, I)``.

        Args:
            state: ``h_0`` ``(B, H)``, any sign; zeros when None.
            lengths: optional true length of each padded sequence, ``(B,)``: outputs after a
                sequence's end are zero and its state is the one at its last real step.
            mode: ``"parallel"`` (a chunked log-space scan, or :func:`scan_parallel` from a
                given state) or ``"sequential"`` (:func:`scan_sequential`, a loop).

        Returns:
            ``(outputs, h_T)``: ``(B, T, H)`` and ``(B, H)``.

        Raises:
            ValueError: on a wrong shape, dtype or length, or an unknown mode.
        """
        check_sequence(x, self.input_size, self.linear.weight.dtype)
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        if state is not None:
            check_state(state, x.shape[0], self.hidden_size, self.linear.weight.dtype)
        if mode not in ("parallel", "sequential"):
            raise ValueError(f"mode must be 'parallel' or 'sequential', got {mode!r}")
        if mode == "parallel" and state is None:
            h = scan_log_space_chunked(*self.coefficients(x, log=True))
        elif mode == "parallel":
            h = scan_parallel(*self.coefficients(x, log=False), state)
        else:
            h = scan_sequential(*self.coefficients(x, log=False), state)
        return finish(h, h, h[:, -1], lengths)


class MinGRU(LinearRecurrence):
    """minGRU: ``z_t = sigmoid(x_t W_z + b_z)``, ``n_t = g(x_t W_h + b_h)``,
    ``h_t = (1 - z_t) * h_{t-1} + z_t * n_t``: a GRU whose gates do not see ``h_{t-1}``.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__(input_size, hidden_size, blocks=2)  # [z pre-activation, candidate]

    def coefficients(self, x: torch.Tensor, log: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """``a = 1 - z``, ``b = z * g(...)``; in log space via softplus, without under- or overflow."""
        k, pre_n = self.linear(x).chunk(2, dim=2)
        if log:
            return -F.softplus(k), -F.softplus(-k) + _log_g(pre_n)
        z = torch.sigmoid(k)
        return 1 - z, z * _g(pre_n)


class MinLSTM(LinearRecurrence):
    """minLSTM: forget and input gates of ``x_t`` only, normalised to sum to 1,
    ``h_t = f'_t * h_{t-1} + i'_t * g(x_t W_h + b_h)`` with ``f' = f / (f + i)``, ``i' = i / (f + i)``.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__(input_size, hidden_size, blocks=3)  # [forget, input, candidate]

    def coefficients(self, x: torch.Tensor, log: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """``a = f'``, ``b = i' * g(...)``, or their logarithms."""
        pre_f, pre_i, pre_n = self.linear(x).chunk(3, dim=2)
        if log:
            log_f, log_i = -F.softplus(-pre_f), -F.softplus(-pre_i)
            log_total = torch.logaddexp(log_f, log_i)
            return log_f - log_total, log_i - log_total + _log_g(pre_n)
        f, i = torch.sigmoid(pre_f), torch.sigmoid(pre_i)
        return f / (f + i), i / (f + i) * _g(pre_n)
