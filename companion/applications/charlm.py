"""A character-level language model: an RNN that reads text and predicts the next character.

This is many-to-many with the targets shifted by one: at every step the model sees character
``t`` and outputs a distribution over character ``t + 1``. Trained by cross-entropy, it is scored
in *bits per character* (bpc), the average of ``-log2 p(next character)`` over held-out text;
perplexity is ``2 ** bpc``, the number of equally likely characters the model is as unsure as.
Sampling one character at a time, each fed back as the next input, generates text;
:func:`tempered_probabilities` sharpens (T < 1) or flattens (T > 1) each distribution first.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from companion.dropout import InputDropout, sequence_dropout
from companion.gru import GRU
from companion.lstm import LSTM
from companion.stack import Stacked

LAYERS = {"gru": GRU, "lstm": LSTM}
ARCHITECTURE = ("num_layers", "dropout", "variational", "residual", "tie_weights")


class CharLM(nn.Module):
    """Embedding, one or more recurrent layers (the companion's GRU or LSTM), a linear read-out.

    Args:
        vocab_size: ``V``, the number of symbols.
        hidden_size: ``H``, units of each recurrent layer.
        embedding_size: ``E``, size of each character's learned vector.
        layer: ``"gru"`` or ``"lstm"``.
        num_layers: recurrent layers, stacked (:class:`~companion.stack.Stacked`).
        dropout: probability of dropping each number of the embeddings, of every layer's
            outputs and of the read-out's input, in training only.
        variational: one dropout mask per sequence for all steps
            (:class:`~companion.dropout.VariationalDropout`) instead of a fresh one per step.
        residual: add each layer's input to its output (layers 2 and up).
        tie_weights: the read-out uses the embedding matrix as its weights (Press & Wolf
            2017); needs ``embedding_size == hidden_size`` and saves ``V * H`` parameters.

    Chapters :ref:`char-rnn` and :ref:`deep-rnns`.
    """

    def __init__(self, vocab_size: int, hidden_size: int, embedding_size: int = 32,
                 layer: str = "gru", num_layers: int = 1, dropout: float = 0.0,
                 variational: bool = False, residual: bool = False, tie_weights: bool = False):
        super().__init__()
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {sorted(LAYERS)}, got {layer!r}")
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        if tie_weights and embedding_size != hidden_size:
            raise ValueError(f"tied weights need embedding_size == hidden_size, got "
                             f"{embedding_size} and {hidden_size}")
        self.vocab_size, self.layer_name = vocab_size, layer
        self.embed = nn.Embedding(vocab_size, embedding_size)
        self.drop = sequence_dropout(dropout, variational)
        layers = [LAYERS[layer](embedding_size if k == 0 else hidden_size, hidden_size)
                  for k in range(num_layers)]
        # dropout on each layer's input, the first one's being the embeddings
        self.rnn = Stacked([InputDropout(one, sequence_dropout(dropout, variational))
                            for one in layers], residual=residual)
        self.head = nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            self.head.weight = self.embed.weight

    def forward(self, ids: torch.Tensor, state=None):
        """Next-character logits for every position.

        Args:
            ids: character ids, shape ``(B, T)``, int64.
            state: the recurrent state to start from (``None``: zeros).

        Returns:
            ``(logits, state)``: logits of shape ``(B, T, V)`` and the final state.
        """
        if ids.dim() != 2 or ids.dtype != torch.int64:
            raise ValueError(f"ids must be an int64 tensor of shape (B, T), got {ids.dtype} {tuple(ids.shape)}")
        outputs, state = self.rnn(self.embed(ids), state)
        return self.head(self.drop(outputs)), state


def lm_batches(ids: np.ndarray, batch_size: int, length: int, seed: int
               ) -> Callable[[int], tuple[torch.Tensor, torch.Tensor]]:
    """Random windows of a text for :func:`companion.train.fit`: ``step -> (inputs, targets)``.

    Each batch holds ``batch_size`` windows of ``length + 1`` characters starting at random
    places (seeded by ``seed`` and the step); inputs are the first ``length`` characters and
    targets the last ``length``, shapes ``(B, length)``.
    """
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.int64)
    if len(ids) <= length + 1:
        raise ValueError(f"the text ({len(ids)} characters) must be longer than length + 1 = {length + 1}")

    def batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
        starts = torch.randint(0, len(ids) - length - 1, (batch_size,), generator=generator)
        windows = ids[starts[:, None] + torch.arange(length + 1)]
        return windows[:, :-1], windows[:, 1:]

    return batch


def lm_loss(model: CharLM, batch) -> torch.Tensor:
    """Mean cross-entropy (nats per character) of a batch ``(inputs, targets)``."""
    inputs, targets = batch
    logits, _ = model(inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@torch.no_grad()
def log2_probabilities(model: CharLM, ids: np.ndarray, streams: int = 16, warmup: int = 64
                       ) -> np.ndarray:
    """``log2 p(ids[t] | ids[:t])`` under the model for every ``t >= 1``, shape ``(N - 1,)``.

    The text is cut into ``streams`` consecutive regions read side by side as one batch; each
    region's model first reads the ``warmup`` characters before it (scored by the previous
    region), so every character is scored once and, except near the start, with at least
    ``warmup`` characters of context.
    """
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.int64)
    targets = len(ids) - 1
    per_stream = math.ceil(targets / streams)
    rows, masks = [], []
    for start in range(0, targets, per_stream):
        end = min(start + per_stream, targets)
        first = max(start - warmup, 0)
        window = ids[first:end + 1]
        pad = per_stream + warmup + 1 - len(window)
        rows.append(F.pad(window, (0, pad)))
        scored = torch.zeros(per_stream + warmup, dtype=torch.bool)
        scored[start - first:end - first] = True
        masks.append(scored)
    batch, scored = torch.stack(rows), torch.stack(masks)
    model.eval()
    logits, _ = model(batch[:, :-1])
    log_p = F.log_softmax(logits, dim=-1).gather(-1, batch[:, 1:, None])[..., 0]
    return (log_p[scored] / math.log(2)).numpy().astype(np.float64)


def bits_per_char(model: CharLM, ids: np.ndarray, first: int = 1) -> float:
    """Average ``-log2 p`` of the characters ``ids[first:]``, each given all text before it."""
    if not 1 <= first < len(ids):
        raise ValueError(f"first must lie in 1..{len(ids) - 1}, got {first}")
    return float(-np.mean(log2_probabilities(model, ids)[first - 1:]))


def tempered_probabilities(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``softmax(logits / temperature)`` over the last axis; temperature 0 puts all mass on the argmax.

    Args:
        logits: shape ``(..., V)``.
        temperature: ``>= 0``. Below 1 sharpens the distribution, above 1 flattens it.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return F.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    return F.softmax(logits / temperature, dim=-1)


@torch.no_grad()
def sample(model: CharLM, prompt: np.ndarray, length: int, temperature: float,
           seed: int = 0) -> np.ndarray:
    """Generate ``length`` characters after ``prompt`` (ids, shape ``(P,)``), one at a time.

    The prompt is read once to set the state; then each sampled character is fed back in.
    Returns the generated ids only, shape ``(length,)``.
    """
    prompt = torch.as_tensor(np.asarray(prompt), dtype=torch.int64)
    if prompt.dim() != 1 or len(prompt) == 0:
        raise ValueError(f"prompt must be a non-empty 1-D array of ids, shape (P,), got {tuple(prompt.shape)}")
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    logits, state = model(prompt[None])
    out = []
    for _ in range(length):
        probabilities = tempered_probabilities(logits[0, -1], temperature)
        next_id = torch.multinomial(probabilities, 1, generator=generator)
        out.append(int(next_id))
        logits, state = model(next_id[None], state)
    return np.array(out, dtype=np.int64)


def save_weights(model: CharLM, path, settings: dict) -> None:
    """Save the weights in float16 (half the size; the tests bound the loss) with ``settings``."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({"state_dict": state, "settings": settings}, path)


def load_weights(path) -> tuple[CharLM, dict]:
    """A :class:`CharLM` built from a file written by :func:`save_weights`, and its settings."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    settings = saved["settings"]
    model = CharLM(settings["vocab_size"], settings["hidden_size"], settings["embedding_size"],
                   settings["layer"], **{key: settings[key] for key in ARCHITECTURE if key in settings})
    model.load_state_dict({k: v.float() if v.is_floating_point() else v
                           for k, v in saved["state_dict"].items()})
    return model.eval(), settings
