"""Recognising spoken digits: a recurrent acoustic model trained with CTC, and how to score it.

Chapter :ref:`speech`. The data are :mod:`companion.data.spoken_digits` (13 MFCCs per frame);
the loss and decoders are :mod:`companion.ctc`. Symbol ids: 0 is CTC's blank and digit ``d`` is
``d + 1``, so a recogniser scores :data:`SYMBOLS` = 11 symbols per frame.

- :class:`Recogniser`: stacked GRU layers (bidirectional, or one-way for streaming) and a linear
  layer giving log-probabilities per frame ``(B, T, 11)``;
- :func:`ctc_batch`: utterances and transcripts as the padded tensors :func:`~companion.ctc.ctc_loss`
  takes;
- :func:`transcribe`: greedy or beam-search decoding back to digits;
- :func:`edit_distance` and :func:`digit_error_rate`: the recogniser's score.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from companion.ctc import BLANK, greedy_decode, prefix_beam_search
from companion.gru import GRU
from companion.stack import Bidirectional, Stacked

SYMBOLS = 11  # the blank and the ten digits


def standardiser(frames, indices) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of every MFCC over the frames of the recordings ``indices``
    (the training ones: the test recordings must not shape the scaling)."""
    stacked = np.concatenate([frames[i] for i in indices])
    return stacked.mean(axis=0), stacked.std(axis=0)


def ctc_batch(utterances, transcripts) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad utterances and transcripts for :func:`~companion.ctc.ctc_loss`.

    Args:
        utterances: ``(T_i, F)`` arrays.
        transcripts: one list of digits per utterance.

    Returns:
        ``(x, input_lengths, targets, target_lengths)``: float32 ``(B, T, F)``, ``(B,)``, int64
        targets ``(B, S)`` holding digit ``d`` as symbol ``d + 1`` (0 is the blank, also used as
        padding), ``(B,)``.
    """
    tensors = [torch.as_tensor(np.asarray(u, dtype=np.float32)) for u in utterances]
    x = nn.utils.rnn.pad_sequence(tensors, batch_first=True)
    input_lengths = torch.tensor([len(t) for t in tensors])
    target_lengths = torch.tensor([len(t) for t in transcripts])
    targets = torch.full((len(transcripts), max(1, int(target_lengths.max()))), BLANK,
                         dtype=torch.int64)
    for row, transcript in enumerate(transcripts):
        targets[row, :len(transcript)] = torch.tensor(transcript, dtype=torch.int64) + 1
    return x, input_lengths, targets, target_lengths


class Recogniser(nn.Module):
    """GRU layers over MFCC frames and a per-frame classifier over the blank and the digits.

    Args:
        input_size: features per frame (13 MFCCs).
        hidden_size: ``H`` of every GRU (per direction).
        layers: how many GRU layers are stacked.
        bidirectional: each layer reads both ways (the whole utterance must be there first);
            without it the model can transcribe while the speaker is still talking.
    """

    def __init__(self, input_size: int, hidden_size: int, layers: int = 2, bidirectional: bool = True):
        super().__init__()
        stack, size = [], input_size
        for _ in range(layers):
            layer = (Bidirectional(GRU(size, hidden_size), GRU(size, hidden_size)) if bidirectional
                     else GRU(size, hidden_size))
            stack.append(layer)
            size = layer.output_size
        self.rnn = Stacked(stack)
        self.out = nn.Linear(size, SYMBOLS)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the 11 symbols at every frame, ``(B, T, 11)``, for ``x``
        ``(B, T, F)`` with ``lengths`` ``(B,)``."""
        outputs, _ = self.rnn(x, lengths=lengths)
        return self.out(outputs).log_softmax(dim=2)


@torch.no_grad()
def transcribe(model: Recogniser, x: torch.Tensor, lengths: torch.Tensor, beam: int = 1) -> list[list[int]]:
    """The digits the model hears in each utterance: greedy decoding (``beam=1``) or CTC prefix
    beam search with ``beam`` prefixes."""
    model.eval()
    log_probs = model(x, lengths)
    if beam == 1:
        symbols = greedy_decode(log_probs, lengths)
    else:
        symbols = [prefix_beam_search(log_probs[b, :int(lengths[b])], beam)[0][0]
                   for b in range(len(lengths))]
    return [[s - 1 for s in row] for row in symbols]


def edit_distance(a, b) -> int:
    """The fewest insertions, deletions and substitutions that turn sequence ``a`` into ``b``
    (Levenshtein), by dynamic programming over one row."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def digit_error_rate(hypotheses, references) -> float:
    """Edit distance summed over utterances, per reference digit (the word error rate of
    speech recognition, with digits for words)."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("the references hold no digits")
    return sum(edit_distance(h, r) for h, r in zip(hypotheses, references)) / total


def save_recognisers(models: dict[str, Recogniser], settings: dict, path) -> None:
    """Save several recognisers' weights (float32) with the settings that rebuild them:
    ``settings[name]`` holds ``input_size``, ``hidden_size``, ``layers`` and ``bidirectional``."""
    torch.save({"settings": settings,
                "state_dicts": {name: model.state_dict() for name, model in models.items()}}, path)


def load_recognisers(path) -> tuple[dict[str, Recogniser], dict]:
    """The recognisers saved by :func:`save_recognisers`, in eval mode, and their settings."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    models = {}
    for name, state in saved["state_dicts"].items():
        model = Recogniser(**saved["settings"][name])
        model.load_state_dict(state)
        models[name] = model.eval()
    return models, saved["settings"]
