"""Translating dates between formats with :class:`companion.seq2seq.Seq2Seq`: training and scoring.

Chapter :ref:`seq2seq`. The data are :mod:`companion.data.dates`; the model, the masked loss and
the decoders are :mod:`companion.seq2seq`.
"""
from __future__ import annotations

import torch

from companion.data.dates import pair_tensors
from companion.seq2seq import Seq2Seq, beam_search, greedy_decode, masked_cross_entropy
from companion.train import fit


def train_translator(model: Seq2Seq, data: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
                     steps: int, lr: float = 3e-3, batch_size: int = 64,
                     teacher_forcing: float = 1.0, seed: int = 0):
    """Train with Adam on random batches of ``data`` (from :func:`companion.data.dates.pair_tensors`).

    Each batch is cut to its longest source, the decoder reads ``target[:, :-1]`` and the loss is
    :func:`~companion.seq2seq.masked_cross_entropy` against ``target[:, 1:]``; gradients are clipped at norm 1.

    Returns:
        The :class:`~companion.train.History` of :func:`~companion.train.fit`.
    """
    source, lengths, target = data
    draws = torch.Generator().manual_seed(seed)
    forcing = torch.Generator().manual_seed(seed + 1)

    def batch(step: int):
        rows = torch.randint(0, len(source), (batch_size,), generator=draws)
        return source[rows, :int(lengths[rows].max())], lengths[rows], target[rows]

    def loss(model: Seq2Seq, batch) -> torch.Tensor:
        src, src_lengths, tgt = batch
        logits, _ = model(src, src_lengths, tgt[:, :-1], teacher_forcing, forcing)
        return masked_cross_entropy(logits, tgt[:, 1:])

    return fit(model, loss, batch, steps, lr=lr, clip_norm=1.0, seed=seed)


def evaluate(model: Seq2Seq, pairs, vocab, beam_size: int | None = None,
             max_length: int = 12) -> dict[str, float]:
    """Exact-match and token accuracy of decoded outputs against the targets of ``pairs``.

    Args:
        pairs: ``(source, target)`` strings.
        vocab: the :class:`~companion.data.dates.Vocab` of the model.
        beam_size: ``None`` for :func:`~companion.seq2seq.greedy_decode`, else
            :func:`~companion.seq2seq.beam_search` with it.
        max_length: most tokens to decode (the ISO date is 10 characters and EOS).

    Returns:
        ``{"exact_match": ..., "token_accuracy": ...}``: the fraction of outputs equal to the
        target, and the fraction of target characters matched at their position.
    """
    source, lengths, _ = pair_tensors(pairs, vocab)
    if beam_size is None:
        outputs = greedy_decode(model, source, lengths, max_length)[0].tolist()
    else:
        outputs = beam_search(model, source, lengths, beam_size, max_length)
    predicted = [vocab.decode(ids) for ids in outputs]
    targets = [t for _, t in pairs]
    exact = sum(p == t for p, t in zip(predicted, targets)) / len(targets)
    matched = sum(a == b for p, t in zip(predicted, targets) for a, b in zip(p, t))
    return {"exact_match": exact, "token_accuracy": matched / sum(len(t) for t in targets)}
