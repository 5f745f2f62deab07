"""Sequence to sequence: a GRU encoder-decoder, additive attention, teacher forcing, beam search.

Chapter :ref:`seq2seq`. Tokens are int64 ids with :data:`PAD` = 0 padding on
the right; ``S`` is the source length, ``T`` the target length, ``V`` the vocabulary size.

- :class:`Encoder`: embedding and a companion :class:`~companion.gru.GRU` (or a
  :class:`~companion.stack.Bidirectional` pair of them), giving a state per source position and a
  final state.
- :class:`AdditiveAttention`: Bahdanau et al.'s ``score(s, h_j) = v^T tanh(W_q s + W_k h_j)``,
  softmax over the *real* source positions only.
- :class:`Seq2Seq`: the decoder, with or without attention, trained by :meth:`Seq2Seq.forward`
  with a teacher-forcing ratio, and scored by :func:`masked_cross_entropy`.
- :func:`greedy_decode` and :func:`beam_search` (length-normalised) for inference.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from companion.gru import GRU, GRUCell
from companion.padding import step_mask
from companion.stack import Bidirectional
from companion.validation import check_lengths

#: The token ids the model reserves: padding, start of sequence, end of sequence. A vocabulary
#: built for it (e.g. :class:`companion.data.dates.Vocab`) numbers its symbols after them.
PAD, SOS, EOS = 0, 1, 2


class Memory(NamedTuple):
    """What the encoder hands the decoder."""

    outputs: torch.Tensor  # (B, S, E): a state per source position, zero at padding
    final: torch.Tensor    # (B, E): the state after each sequence's own last token
    mask: torch.Tensor     # (B, S): True at real positions
    keys: torch.Tensor | None  # (B, S, A): outputs projected once for attention, or None


def check_tokens(tokens: object, lengths: object = None, name: str = "source") -> torch.Tensor | None:
    """Check a padded token batch ``(B, S)`` of int64 ids and its lengths ``(B,)`` (if given).

    Returns:
        The lengths as an int64 tensor, or None when none were given.

    Raises:
        ValueError: naming the expected shape and dtype.
    """
    if not isinstance(tokens, torch.Tensor) or tokens.dim() != 2 or tokens.dtype != torch.int64:
        got = (f"{tuple(tokens.shape)} {tokens.dtype}" if isinstance(tokens, torch.Tensor)
               else type(tokens).__name__)
        raise ValueError(f"{name} tokens must be an int64 tensor of shape (B, S), got {got}")
    return None if lengths is None else check_lengths(lengths, tokens.shape[0], tokens.shape[1])


class Encoder(nn.Module):
    """Embeds source tokens and runs a GRU over them (two, one per direction, if bidirectional).

    Args:
        vocab_size: ``V``.
        embed_size: size of a token embedding.
        hidden_size: ``H`` of each direction's GRU.
        bidirectional: also read every sequence backwards and concatenate the two states.
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, bidirectional: bool = False):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        forward_rnn = GRU(embed_size, hidden_size)
        self.rnn = (Bidirectional(forward_rnn, GRU(embed_size, hidden_size)) if bidirectional
                    else forward_rnn)
        self.output_size = self.rnn.output_size

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> Memory:
        """Encode ``tokens`` ``(B, S)`` with ``lengths`` ``(B,)``; ``Memory.keys`` is left None."""
        lengths = check_tokens(tokens, lengths)
        # Told the lengths, the layer zeroes the outputs at padding and returns each sequence's
        # state at its own last token; a backward direction starts there too.
        outputs, state = self.rnn(self.embed(tokens), lengths=lengths)  # (B, S, E)
        return Memory(outputs, self.rnn.hidden(state), step_mask(lengths, tokens.shape[1]), None)


class AdditiveAttention(nn.Module):
    """Bahdanau attention: ``a_j = softmax_j(v^T tanh(W_q q + W_k k_j))`` over real positions.

    Args:
        query_size: size of the query (the decoder state).
        key_size: size of each key (an encoder state).
        attention_size: size of the hidden layer of the score.
    """

    def __init__(self, query_size: int, key_size: int, attention_size: int):
        super().__init__()
        self.W_q = nn.Linear(query_size, attention_size, bias=False)
        self.W_k = nn.Linear(key_size, attention_size)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor,
                projected_keys: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend from ``query`` ``(B, Q)`` over ``keys`` ``(B, S, K)`` where ``mask`` ``(B, S)``.

        Args:
            projected_keys: ``W_k keys`` ``(B, S, A)`` if already computed (it does not change
                from one decoder step to the next).

        Returns:
            ``(context, weights)``: the weighted sum of keys ``(B, K)`` and the weights
            ``(B, S)``, which sum to 1 over real positions and are 0 at padding.
        """
        projected = self.W_k(keys) if projected_keys is None else projected_keys
        scores = self.v(torch.tanh(projected + self.W_q(query).unsqueeze(1))).squeeze(2)
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)
        return context, weights


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder, with or without additive attention.

    Without attention the decoder sees the source only through the encoder's final state (its
    initial state, and a fixed context at every step); with attention it also looks back at every
    source position at every step.

    Args:
        vocab_size: ``V``, shared by source and target.
        embed_size: token embedding size.
        hidden_size: ``H`` of the encoder (per direction) and the decoder.
        attention: use :class:`AdditiveAttention`.
        bidirectional: a bidirectional encoder.
    """

    def __init__(self, vocab_size: int, embed_size: int = 32, hidden_size: int = 64,
                 attention: bool = True, bidirectional: bool = False):
        super().__init__()
        self.encoder = Encoder(vocab_size, embed_size, hidden_size, bidirectional)
        context_size = self.encoder.output_size
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        self.init_state = nn.Linear(context_size, hidden_size)
        self.attention = AdditiveAttention(hidden_size, context_size, hidden_size) if attention else None
        self.cell = GRUCell(embed_size + context_size, hidden_size)
        self.out = nn.Linear(hidden_size + context_size + embed_size, vocab_size)

    def encode(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[Memory, torch.Tensor]:
        """The encoder's :class:`Memory` (keys projected once) and the decoder's first state."""
        memory = self.encoder(source, lengths)
        if self.attention is not None:
            memory = memory._replace(keys=self.attention.W_k(memory.outputs))
        return memory, torch.tanh(self.init_state(memory.final))

    def step(self, token: torch.Tensor, state: torch.Tensor, memory: Memory
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One decoder step: previous token ``(B,)`` and state ``(B, H)`` -> logits ``(B, V)``,
        the new state, and the attention weights ``(B, S)`` (None without attention)."""
        embedded = self.embed(token)
        weights = None
        if self.attention is None:
            context = memory.final
        else:
            context, weights = self.attention(state, memory.outputs, memory.mask, memory.keys)
        state = self.cell(torch.cat([embedded, context], dim=1), state)
        logits = self.out(torch.cat([state, context, embedded], dim=1))
        return logits, state, weights

    def forward(self, source: torch.Tensor, source_lengths: torch.Tensor, target_in: torch.Tensor,
                teacher_forcing: float = 1.0, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Decode ``target_in`` ``(B, T)`` (SOS first), for training.

        Args:
            teacher_forcing: probability, per example and step, of feeding the true previous
                token; otherwise the model's own most likely token from the previous step.
            generator: random generator for those choices (seeded training).

        Returns:
            ``(logits, weights)``: ``(B, T, V)`` and the attention weights ``(B, T, S)`` or None.
        """
        if not 0.0 <= teacher_forcing <= 1.0:
            raise ValueError(f"teacher_forcing must lie in [0, 1], got {teacher_forcing}")
        check_tokens(target_in, name="target")
        memory, state = self.encode(source, source_lengths)
        token = target_in[:, 0]
        logits, weights = [], []
        for t in range(target_in.shape[1]):
            step_logits, state, step_weights = self.step(token, state, memory)
            logits.append(step_logits)
            weights.append(step_weights)
            if t + 1 < target_in.shape[1]:
                token = target_in[:, t + 1]
                if teacher_forcing < 1.0:
                    own = step_logits.argmax(dim=1)
                    use_true = torch.rand(token.shape, generator=generator) < teacher_forcing
                    token = torch.where(use_true, token, own)
        stacked = None if self.attention is None else torch.stack(weights, dim=1)
        return torch.stack(logits, dim=1), stacked


def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy summed over the real (non-PAD) target tokens, divided by their number.

    Averaging per sequence first, or over all ``B * T`` positions padding included, would
    weigh short and long targets differently; this is the mean over real tokens.

    Args:
        logits: ``(B, T, V)``.
        targets: ``(B, T)`` token ids, :data:`PAD` where there is no token.
    """
    if logits.shape[:2] != targets.shape:
        raise ValueError(f"logits (B, T, V) and targets (B, T) disagree: "
                         f"{tuple(logits.shape)} vs {tuple(targets.shape)}")
    total = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=PAD,
                            reduction="sum")
    return total / (targets != PAD).sum()


@torch.no_grad()
def greedy_decode(model: Seq2Seq, source: torch.Tensor, lengths: torch.Tensor, max_length: int
                  ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Feed back the most likely token at every step until EOS or ``max_length`` tokens.

    Returns:
        ``(tokens, weights)``: ``(B, max_length)`` ids (PAD after each EOS) and the attention
        weights ``(B, max_length, S)`` (None without attention).
    """
    memory, state = model.encode(source, lengths)
    token = torch.full((source.shape[0],), SOS, dtype=torch.int64)
    done = torch.zeros(source.shape[0], dtype=torch.bool)
    tokens, weights = [], []
    for _ in range(max_length):
        logits, state, step_weights = model.step(token, state, memory)
        token = logits.argmax(dim=1)
        tokens.append(torch.where(done, PAD, token))
        weights.append(step_weights)
        done |= token == EOS
        if done.all():
            break
    stacked = None if model.attention is None else torch.stack(weights, dim=1)
    return torch.stack(tokens, dim=1), stacked


@torch.no_grad()
def beam_search(model: Seq2Seq, source: torch.Tensor, lengths: torch.Tensor, beam_size: int,
                max_length: int, alpha: float = 1.0) -> list[list[int]]:
    """Length-normalised beam search, one source sequence at a time.

    Keeps the ``beam_size`` best partial outputs by total log-probability; a hypothesis that
    emits EOS is finished and scored by ``log p / length ** alpha``, so longer outputs are not
    penalised just for having more factors below 1. Stops when ``beam_size`` hypotheses have
    finished or after ``max_length`` steps. With ``beam_size=1`` it is :func:`greedy_decode`.

    Returns:
        For each source sequence, the best output's token ids (EOS included if emitted).
    """
    if beam_size < 1:
        raise ValueError(f"beam_size must be >= 1, got {beam_size}")
    results = []
    for row in range(source.shape[0]):
        length = int(lengths[row])
        memory, state = model.encode(source[row:row + 1, :length], lengths[row:row + 1])
        beams = [([], 0.0, state)]  # (tokens, log-probability, decoder state)
        finished: list[tuple[float, list[int]]] = []
        for _ in range(max_length):
            k = len(beams)
            tokens = torch.tensor([b[0][-1] if b[0] else SOS for b in beams])
            states = torch.cat([b[2] for b in beams])
            expanded = Memory(*(None if m is None else m.expand(k, *m.shape[1:]) for m in memory))
            logits, states, _ = model.step(tokens, states, expanded)
            totals = torch.tensor([b[1] for b in beams]).unsqueeze(1) + F.log_softmax(logits, dim=1)
            best = totals.flatten().topk(beam_size - len(finished))
            beams_next = []
            for score, flat in zip(best.values.tolist(), best.indices.tolist()):
                parent, token = divmod(flat, logits.shape[1])
                hypothesis = beams[parent][0] + [token]
                if token == EOS:
                    finished.append((score / len(hypothesis) ** alpha, hypothesis))
                else:
                    beams_next.append((hypothesis, score, states[parent:parent + 1]))
            beams = beams_next
            if not beams or len(finished) >= beam_size:
                break
        if not finished:  # nothing ended within max_length: take the best unfinished one
            finished = [(b[1] / len(b[0]) ** alpha, b[0]) for b in beams]
        results.append(max(finished, key=lambda f: f[0])[1])
    return results
