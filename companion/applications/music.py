"""Melodies as symbols, and how to hear and measure what a model writes.

Chapter :ref:`music`. A melody (:mod:`companion.data.chorales`) becomes a sequence of symbols,
one per note, each a (pitch, duration) pair, with a :data:`PHRASE` symbol after every note that
ends a phrase and an :data:`END` symbol after the last one. Any language model of the course then
reads and writes melodies: chapter 7's :class:`~companion.applications.charlm.CharLM` and its
n-gram baseline (:mod:`companion.applications.ngram`) run on these ids unchanged.

What a generated melody is like is measured against real ones with a key-finding algorithm
(Krumhansl & Kessler's profiles, :func:`estimate_key`), the share of notes in that key, the
melody's range and its intervals. :func:`synthesize` turns a melody into sound.
"""
from __future__ import annotations

import numpy as np
import torch

from companion.applications.charlm import tempered_probabilities

END, PHRASE, UNKNOWN = 0, 1, 2
#: Krumhansl & Kessler's (1982) probe-tone ratings of the twelve pitch classes, from the tonic.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
#: Pitch classes of each key, from its tonic: the major scale; natural minor with the raised
#: sixth and seventh that minor-key melodies use.
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 9, 10, 11)


class NoteVocabulary:
    """Ids for the (pitch, duration) pairs of the training melodies, most frequent first.

    Ids 0, 1 and 2 are :data:`END`, :data:`PHRASE` and :data:`UNKNOWN` (a pair never seen in
    training); notes start at 3.

    Args:
        melodies: dicts with ``pitches`` and ``durations`` (as :func:`companion.data.chorales.load`
            returns them), the training melodies only.
    """

    def __init__(self, melodies):
        counts: dict[tuple[int, float], int] = {}
        for melody in melodies:
            for pair in zip(melody["pitches"].tolist(), melody["durations"].tolist()):
                counts[pair] = counts.get(pair, 0) + 1
        self.notes = sorted(counts, key=lambda pair: (-counts[pair], pair))
        self.ids = {pair: k + 3 for k, pair in enumerate(self.notes)}

    @property
    def size(self) -> int:
        """The number of ids, special ones included."""
        return len(self.notes) + 3

    def encode(self, melody: dict) -> np.ndarray:
        """A melody's ids, ``(N,)`` int64: its notes, :data:`PHRASE` after each note with a
        fermata, and :data:`END` last."""
        ids = []
        for pitch, duration, fermata in zip(melody["pitches"].tolist(),
                                            melody["durations"].tolist(),
                                            melody["fermatas"].tolist()):
            ids.append(self.ids.get((pitch, duration), UNKNOWN))
            if fermata:
                ids.append(PHRASE)
        ids.append(END)
        return np.array(ids, dtype=np.int64)

    def stream(self, melodies) -> np.ndarray:
        """All melodies' ids end to end, after one leading :data:`END` (so that the first note
        is predicted from "a melody starts here"), ``(N,)`` int64."""
        return np.concatenate([[END], *[self.encode(m) for m in melodies]]).astype(np.int64)

    def decode(self, ids) -> dict:
        """A melody from ids, read up to the first :data:`END`; :data:`UNKNOWN` ids are skipped.

        Returns:
            ``{"pitches", "durations", "fermatas"}`` arrays, as :func:`encode` reads them.
        """
        pitches, durations, fermatas = [], [], []
        for symbol in np.asarray(ids).tolist():
            if symbol == END:
                break
            if symbol == PHRASE:
                if fermatas:
                    fermatas[-1] = True
            elif symbol != UNKNOWN:
                pitch, duration = self.notes[symbol - 3]
                pitches.append(pitch), durations.append(duration), fermatas.append(False)
        return {"pitches": np.array(pitches, dtype=np.int64),
                "durations": np.array(durations, dtype=np.float64),
                "fermatas": np.array(fermatas, dtype=bool)}


def estimate_key(pitches: np.ndarray, durations: np.ndarray) -> tuple[int, bool]:
    """Krumhansl-Schmuckler key finding: the key whose profile correlates best with the melody's
    duration-weighted pitch-class histogram.

    Returns:
        ``(tonic, minor)``: the tonic's pitch class (C = 0) and whether the key is minor.
    """
    sounding = np.asarray(pitches) > 0
    if not sounding.any():
        raise ValueError("the melody has no notes, only rests")
    histogram = np.bincount(np.asarray(pitches)[sounding] % 12,
                            weights=np.asarray(durations)[sounding], minlength=12)
    best = max(((np.corrcoef(histogram, np.roll(profile, tonic))[0, 1], tonic, minor)
                for minor, profile in ((False, MAJOR_PROFILE), (True, MINOR_PROFILE))
                for tonic in range(12)))
    return best[1], best[2]


def in_key_fraction(pitches: np.ndarray, tonic: int, minor: bool) -> float:
    """The share of a melody's notes (rests excluded) whose pitch class belongs to the key."""
    notes = np.asarray(pitches)[np.asarray(pitches) > 0]
    scale = {(tonic + step) % 12 for step in (MINOR_SCALE if minor else MAJOR_SCALE)}
    return float(np.mean([p % 12 in scale for p in notes.tolist()]))


def intervals(pitches: np.ndarray) -> np.ndarray:
    """Semitones from each note to the next, rests skipped, ``(notes - 1,)`` int64."""
    notes = np.asarray(pitches)[np.asarray(pitches) > 0]
    return np.diff(notes).astype(np.int64)


def cadence_on_triad(melody: dict, tonic: int, minor: bool) -> float:
    """The share of phrase-ending notes (fermatas) on the tonic triad of the key."""
    triad = {tonic % 12, (tonic + (3 if minor else 4)) % 12, (tonic + 7) % 12}
    ends = np.asarray(melody["pitches"])[np.asarray(melody["fermatas"], dtype=bool)]
    ends = ends[ends > 0]
    if len(ends) == 0:
        raise ValueError("the melody has no phrase end on a note")
    return float(np.mean([p % 12 in triad for p in ends.tolist()]))


def synthesize(pitches: np.ndarray, durations: np.ndarray, beats_per_minute: float = 80.0,
               rate: int = 8000) -> np.ndarray:
    """A melody as sound: each note a sum of three harmonics with a short attack and a decay.

    Args:
        pitches: MIDI pitches, 0 for a rest, ``(N,)``.
        durations: in quarter notes, ``(N,)``.
        beats_per_minute: quarter notes per minute.
        rate: samples per second.

    Returns:
        float32 samples in ``[-1, 1]``, ``(rate * total seconds,)``.
    """
    if len(pitches) != len(durations) or len(pitches) == 0:
        raise ValueError(f"need as many durations as pitches, at least one; got {len(pitches)} "
                         f"and {len(durations)}")
    pieces = []
    for pitch, duration in zip(np.asarray(pitches).tolist(), np.asarray(durations).tolist()):
        t = np.arange(int(rate * duration * 60.0 / beats_per_minute)) / rate
        if pitch <= 0:
            pieces.append(np.zeros_like(t))
            continue
        frequency = 440.0 * 2.0 ** ((pitch - 69) / 12)
        tone = sum(np.sin(2 * np.pi * k * frequency * t) / k ** 2 for k in (1, 2, 3))
        envelope = np.minimum(t / 0.02, 1.0) * np.exp(-2.5 * t)
        release = np.clip((t[-1] - t) / 0.03, 0.0, 1.0) if len(t) else t
        pieces.append(tone * envelope * release)
    audio = np.concatenate(pieces)
    peak = np.abs(audio).max()
    return (audio / peak * 0.8 if peak > 0 else audio).astype(np.float32)


def draw_piano_roll(ax, melody: dict, title: str) -> None:
    """Draw a melody as a piano roll: one bar per note (time in quarter notes, MIDI pitch), phrase
    ends marked with a dot."""
    onsets = np.concatenate([[0.0], np.cumsum(melody["durations"])[:-1]])
    for onset, pitch, duration, fermata in zip(onsets, melody["pitches"], melody["durations"],
                                               melody["fermatas"]):
        if pitch > 0:
            ax.broken_barh([(onset, duration * 0.95)], (pitch - 0.4, 0.8), color="tab:blue")
            if fermata:
                ax.plot(onset + duration / 2, pitch + 1.2, "v", color="tab:red", markersize=4)
    ax.set_xlabel("time (quarter notes)")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(title)


@torch.no_grad()
def sample_melodies(model, vocabulary: NoteVocabulary, count: int, temperature: float,
                    seed: int = 0, max_symbols: int = 200) -> list[dict]:
    """Generate ``count`` melodies at once, each from "a melody starts here" (:data:`END`) until
    the model writes :data:`END` or ``max_symbols`` symbols.

    Args:
        model: a :class:`~companion.applications.charlm.CharLM` over ``vocabulary``'s ids.
        temperature: as :func:`~companion.applications.charlm.tempered_probabilities`.

    Returns:
        The melodies, decoded by :meth:`NoteVocabulary.decode`.
    """
    if count < 1 or max_symbols < 1:
        raise ValueError(f"count and max_symbols must be >= 1, got {count}, {max_symbols}")
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    symbols = torch.full((count, 1), END, dtype=torch.int64)
    logits, state = model(symbols)
    written = []
    for _ in range(max_symbols):
        probabilities = tempered_probabilities(logits[:, -1], temperature)  # (count, V)
        symbols = torch.multinomial(probabilities, 1, generator=generator)  # (count, 1)
        written.append(symbols)
        logits, state = model(symbols, state)
    ids = torch.cat(written, dim=1).numpy()
    return [vocabulary.decode(row) for row in ids]


@torch.no_grad()
def phrase_end_probabilities(model, ids: np.ndarray) -> np.ndarray:
    """The model's probability that :data:`PHRASE` comes next, after every symbol of ``ids``
    but the last, read in one pass from a zero state: ``(N - 1,)``."""
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.int64)
    if ids.dim() != 1 or len(ids) < 2:
        raise ValueError(f"ids must have shape (N,) with N >= 2, got {tuple(ids.shape)}")
    model.eval()
    logits, _ = model(ids[None, :-1])
    return torch.softmax(logits[0], dim=-1)[:, PHRASE].double().numpy()
