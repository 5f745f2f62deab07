"""Connectionist temporal classification (Graves et al. 2006): the loss and two decoders.

A recogniser outputs, at every frame ``t``, a distribution over ``C`` symbols: the labels and one
extra **blank** (id :data:`BLANK` = 0), batch-first ``log_probs`` of shape ``(B, T, C)``. A frame
path ``pi`` of length ``T`` is read as a transcript by the **collapse** rule (:func:`collapse`):
merge repeated symbols, then drop the blanks, so ``a a - a b b -`` reads ``a a b``. CTC's
probability of a transcript ``l`` of length ``S`` sums over every path that collapses to it. The
sum is a dynamic programme over the extended label ``l' = (-, l_1, -, l_2, ..., l_S, -)`` of
length ``2S + 1`` (:func:`extend_with_blanks`), the forward (alpha) recursion::

    alpha_1(1) = y_1(-),  alpha_1(2) = y_1(l_1),  alpha_1(s) = 0 for s > 2
    alpha_t(s) = y_t(l'_s) * (alpha_{t-1}(s) + alpha_{t-1}(s-1) + skip(s) alpha_{t-1}(s-2))
    skip(s)    = 1 if l'_s is not blank and l'_s != l'_{s-2}, else 0
    p(l | x)   = alpha_T(2S + 1) + alpha_T(2S)

computed here in log space (products become sums, sums ``logaddexp``). The loss is
``-log p(l | x)``; its gradient comes from autograd through the recursion, which equals the
forward-backward formula of the paper. :func:`ctc_loss` matches ``torch.nn.CTCLoss`` (values, and
gradients through a ``log_softmax``; ``tests/test_ctc.py``).

Decoding: :func:`greedy_decode` (best path: the most likely symbol per frame, collapsed) and
:func:`prefix_beam_search`, which keeps the ``beam`` most likely *transcripts* (each the sum of
all its paths so far) rather than paths.
"""
from __future__ import annotations

import math

import torch

BLANK = 0
# log(0) as a finite number: -inf would make the gradient of logaddexp NaN at unreachable cells
LOG_ZERO = -1e30
_REDUCTIONS = ("none", "sum", "mean")


def collapse(path, blank: int = BLANK) -> list[int]:
    """The transcript a frame path reads as: repeats merged, then blanks dropped.

    Args:
        path: symbol ids, one per frame (a list or a 1-D tensor).
        blank: the blank's id.

    Returns:
        The label ids, e.g. ``collapse([1, 1, 0, 1, 2, 2, 0]) == [1, 1, 2]``.
    """
    labels, previous = [], None
    for symbol in (path.tolist() if isinstance(path, torch.Tensor) else path):
        if symbol != previous and symbol != blank:
            labels.append(symbol)
        previous = symbol
    return labels


def extend_with_blanks(targets: torch.Tensor, blank: int = BLANK) -> torch.Tensor:
    """``l' = (-, l_1, -, ..., l_S, -)``: the targets ``(B, S)`` with a blank around each label,
    ``(B, 2S + 1)``."""
    B, S = targets.shape
    extended = targets.new_full((B, 2 * S + 1), blank)
    extended[:, 1::2] = targets
    return extended


def _check(log_probs, targets, input_lengths, target_lengths):
    if not isinstance(log_probs, torch.Tensor) or log_probs.dim() != 3 \
            or not log_probs.is_floating_point():
        got = tuple(log_probs.shape) if isinstance(log_probs, torch.Tensor) else type(log_probs).__name__
        raise ValueError(f"log_probs must be a float tensor of shape (B, T, C), got {got}")
    B, T, C = log_probs.shape
    if not isinstance(targets, torch.Tensor) or targets.dim() != 2 or targets.shape[0] != B \
            or targets.dtype != torch.int64:
        got = (f"{tuple(targets.shape)} {targets.dtype}" if isinstance(targets, torch.Tensor)
               else type(targets).__name__)
        raise ValueError(f"targets must be an int64 tensor of shape (B, S) = ({B}, S), got {got}")
    input_lengths = torch.as_tensor(input_lengths)
    target_lengths = torch.as_tensor(target_lengths)
    for name, lengths, top in (("input_lengths", input_lengths, T),
                               ("target_lengths", target_lengths, targets.shape[1])):
        if lengths.shape != (B,) or lengths.is_floating_point():
            raise ValueError(f"{name} must be B = {B} integers, got {tuple(lengths.shape)} "
                             f"{lengths.dtype}")
        low = 1 if name == "input_lengths" else 0
        if int(lengths.min()) < low or int(lengths.max()) > top:
            raise ValueError(f"every {name} must lie in {low}..{top}, got {lengths.tolist()}")
    if targets.numel() and (int(targets.min()) < 0 or int(targets.max()) >= C):
        raise ValueError(f"target ids must lie in 0..C-1 = 0..{C - 1}")
    return input_lengths.to(torch.int64), target_lengths.to(torch.int64)


def alpha_step(log_alpha: torch.Tensor, log_emit: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
    """One step of the forward recursion, in log space, for every lattice position at once.

    ``log alpha_t(s) = log y_t(l'_s) + log(alpha_{t-1}(s) + alpha_{t-1}(s-1) + skip(s) alpha_{t-1}(s-2))``

    Args:
        log_alpha: ``(B, L)``, ``log alpha_{t-1}`` over the ``L = 2S + 1`` positions.
        log_emit: ``(B, L)``, ``log y_t(l'_s)``: this frame's log-probability of each position's
            symbol.
        skip: ``(B, L)`` bool, where a path may jump from ``s - 2`` (a label that differs from the
            label before the blank between them).

    Returns:
        ``log alpha_t``, ``(B, L)``; a position no path reaches holds :data:`LOG_ZERO`.
    """
    zero = log_alpha.new_full((log_alpha.shape[0], 1), LOG_ZERO)
    from_left = torch.cat([zero, log_alpha[:, :-1]], dim=1)                       # s - 1
    from_skip = torch.where(skip, torch.cat([zero, zero, log_alpha[:, :-2]], dim=1), zero)  # s - 2
    total = torch.logsumexp(torch.stack([log_alpha, from_left, from_skip]), dim=0)
    return torch.maximum(total + log_emit, zero)


def ctc_log_alpha(log_probs: torch.Tensor, targets: torch.Tensor, input_lengths, target_lengths,
                  blank: int = BLANK) -> torch.Tensor:
    """The forward variables in log space, ``log alpha_t(s)``, over the alignment lattice.

    Args:
        log_probs: ``(B, T, C)`` log-probabilities per frame (a ``log_softmax``).
        targets: ``(B, S)`` int64 label ids, padded after each transcript's ``target_lengths``.
        input_lengths: ``(B,)`` frames per sequence, in ``1..T``; later frames are ignored.
        target_lengths: ``(B,)`` labels per transcript, in ``0..S``.
        blank: the blank's id.

    Returns:
        ``(B, T, 2S + 1)``: at step ``t`` (0-based), the log-probability of all path prefixes of
        ``t + 1`` frames that end at lattice position ``s``; after a sequence's last frame its
        values stay those of the last frame. Unreachable cells hold :data:`LOG_ZERO`.

    Raises:
        ValueError: on a shape, dtype or length that does not fit.
    """
    input_lengths, _ = _check(log_probs, targets, input_lengths, target_lengths)
    B, T, _ = log_probs.shape
    extended = extend_with_blanks(targets, blank)                         # (B, L)
    L = extended.shape[1]
    emit = log_probs.gather(2, extended.unsqueeze(1).expand(B, T, L))    # (B, T, L): log y_t(l'_s)
    skip = torch.zeros(B, L, dtype=torch.bool, device=log_probs.device)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    zero = log_probs.new_full((B, 1), LOG_ZERO)
    start = torch.full((B, L), LOG_ZERO, dtype=log_probs.dtype, device=log_probs.device)
    start[:, :2] = 0.0
    alpha = torch.maximum(start + emit[:, 0], zero)  # only s = 1, 2 (0-based 0, 1) can start
    alphas = [alpha]
    for t in range(1, T):
        still_running = (t < input_lengths.to(log_probs.device)).unsqueeze(1)  # (B, 1)
        alpha = torch.where(still_running, alpha_step(alpha, emit[:, t], skip), alpha)
        alphas.append(alpha)
    return torch.stack(alphas, dim=1)


def ctc_loss(log_probs: torch.Tensor, targets: torch.Tensor, input_lengths, target_lengths,
             blank: int = BLANK, reduction: str = "mean") -> torch.Tensor:
    """CTC's negative log-likelihood ``-log p(l | x)`` of each transcript, batch-first.

    Args:
        log_probs: ``(B, T, C)`` log-probabilities per frame (a ``log_softmax``).
        targets: ``(B, S)`` int64 label ids, padded after each transcript's length.
        input_lengths: ``(B,)`` frames per sequence.
        target_lengths: ``(B,)`` labels per transcript.
        blank: the blank's id.
        reduction: ``"none"`` (``(B,)``), ``"sum"``, or ``"mean"``: each loss divided by its
            transcript's length, then averaged, as ``torch.nn.CTCLoss`` does.

    Returns:
        The loss. A transcript that no path of its length can produce (too many labels for the
        frames) costs about ``1e30`` instead of infinity.

    Raises:
        ValueError: on a shape, dtype or length that does not fit, or an unknown reduction.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    log_alpha = ctc_log_alpha(log_probs, targets, input_lengths, target_lengths, blank)
    _, target_lengths = _check(log_probs, targets, input_lengths, target_lengths)
    final = log_alpha[:, -1]                                   # each sequence's last frame, (B, L)
    ends = (2 * target_lengths).to(final.device).unsqueeze(1)  # l'_{2S+1}: the trailing blank
    last_label = (ends - 1).clamp(min=0)                       # l'_{2S}: the last label, if any
    end_blank = final.gather(1, ends).squeeze(1)
    end_label = final.gather(1, last_label).squeeze(1)
    end_label = torch.where(target_lengths.to(final.device) > 0, end_label,
                            torch.full_like(end_label, LOG_ZERO))
    losses = -torch.logaddexp(end_blank, end_label)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return (losses / target_lengths.clamp(min=1).to(losses.dtype)).mean()


def greedy_decode(log_probs: torch.Tensor, input_lengths=None, blank: int = BLANK) -> list[list[int]]:
    """Best-path decoding: the most likely symbol at every frame, collapsed.

    Args:
        log_probs: ``(B, T, C)``.
        input_lengths: ``(B,)`` frames per sequence, or ``None`` for all ``T``.
        blank: the blank's id.

    Returns:
        One transcript (a list of label ids) per sequence.
    """
    if log_probs.dim() != 3:
        raise ValueError(f"log_probs must have shape (B, T, C), got {tuple(log_probs.shape)}")
    B, T, _ = log_probs.shape
    lengths = [T] * B if input_lengths is None else torch.as_tensor(input_lengths).tolist()
    best = log_probs.argmax(dim=2)
    return [collapse(best[b, :lengths[b]], blank) for b in range(B)]


def prefix_beam_search(log_probs: torch.Tensor, beam: int, blank: int = BLANK
                       ) -> list[tuple[list[int], float]]:
    """CTC prefix beam search over one sequence: the ``beam`` most likely transcripts.

    Each kept prefix carries two log-probabilities: of all paths so far that collapse to it and
    end in a blank, and of those that end in its last label (a repeat of that label then merges
    with it; only after a blank does it start a new label). At each frame every prefix is
    extended by every symbol, the probabilities of paths that reach the same prefix are added,
    and the ``beam`` most likely prefixes are kept.

    Args:
        log_probs: ``(T, C)`` log-probabilities of one sequence's frames.
        beam: how many prefixes to keep (``>= 1``).
        blank: the blank's id.

    Returns:
        Up to ``beam`` pairs ``(transcript, log-probability)``, most likely first.
    """
    if log_probs.dim() != 2:
        raise ValueError(f"log_probs must have shape (T, C) for one sequence, got "
                         f"{tuple(log_probs.shape)}")
    if beam < 1:
        raise ValueError(f"beam must be >= 1, got {beam}")
    table = log_probs.detach().double().cpu().tolist()
    beams = {(): (0.0, -math.inf)}  # prefix -> (log p ending in blank, log p ending in a label)
    for frame in table:
        grown: dict[tuple, list[float]] = {}

        def add(prefix, ends_blank, ends_label):
            old = grown.setdefault(prefix, [-math.inf, -math.inf])
            old[0] = _logaddexp(old[0], ends_blank)
            old[1] = _logaddexp(old[1], ends_label)

        for prefix, (p_blank, p_label) in beams.items():
            p_total = _logaddexp(p_blank, p_label)
            add(prefix, p_total + frame[blank], -math.inf)        # a blank: same prefix
            for symbol, log_y in enumerate(frame):
                if symbol == blank:
                    continue
                if prefix and symbol == prefix[-1]:
                    add(prefix, -math.inf, p_label + log_y)        # the repeat merges
                    add(prefix + (symbol,), -math.inf, p_blank + log_y)  # a new one, after a blank
                else:
                    add(prefix + (symbol,), -math.inf, p_total + log_y)
        ranked = sorted(grown.items(), key=lambda item: _logaddexp(*item[1]), reverse=True)
        beams = {prefix: tuple(p) for prefix, p in ranked[:beam]}
    results = [(list(prefix), _logaddexp(*p)) for prefix, p in beams.items()]
    return sorted(results, key=lambda result: result[1], reverse=True)


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high = max(a, b)
    return high + math.log1p(math.exp(-abs(a - b)))
