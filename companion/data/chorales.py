"""Bach's chorale melodies, from the corpus that ships inside ``music21``, parsed once and cached.

``music21==10.5.1`` (BSD 3-Clause) ships the four-part chorales of J. S. Bach as MusicXML; its
README says the music is believed to be in the public domain and the encodings are public domain
or used by permission. Each chorale's **soprano** (the melody) becomes a sequence of notes:
MIDI pitch (0 for a rest), duration in quarter notes, and whether the note carries a fermata,
which in a chorale marks the end of a phrase. Tied notes are merged into one.

Why the melody alone: a melody is one event at a time, so the course's language models and its
n-gram read it as they read text. Four voices at once need either chords as symbols (a vocabulary
of thousands, most seen once) or several outputs per time step.

Parsing the corpus with music21 takes about a minute, so it is done once by
``python -m benchmarks.chorales_prepare --save``, which writes the melodies to a NumPy archive
(:func:`save`, read back with :func:`load`, ``allow_pickle=False``); music21 is imported only by
:func:`parse_corpus`, with ``forceSource=True`` so that it never reads its own pickled cache.

- :func:`parse_corpus`: every usable chorale's melody, its BWV name and music21's key;
- :func:`save`, :func:`load`: the archive;
- :func:`split`: training, validation and test *pieces*, whole chorales held out.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

#: Durations a melody note may have, in quarter notes; a chorale with any other is left out.
DURATIONS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
REST = 0


def _melody(score) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The soprano of a music21 score as (pitches, durations, fermatas), or None if unusable."""
    parts = [p for p in score.parts if (p.partName or "").lower().startswith("soprano")]
    if len(parts) != 1:
        return None
    pitches, durations, fermatas = [], [], []
    for element in parts[0].flatten().notesAndRests:
        if element.duration.isGrace or element.isChord:
            return None
        tie = element.tie.type if getattr(element, "tie", None) is not None else None
        pitch = REST if element.isRest else int(element.pitch.midi)
        fermata = any(type(e).__name__ == "Fermata" for e in element.expressions)
        if tie in ("continue", "stop") and pitches and pitches[-1] == pitch:
            durations[-1] += float(element.quarterLength)
            fermatas[-1] = fermatas[-1] or fermata
            continue
        pitches.append(pitch)
        durations.append(float(element.quarterLength))
        fermatas.append(fermata)
    while pitches and pitches[-1] == REST:  # trailing rests carry nothing
        pitches.pop(), durations.pop(), fermatas.pop()
    if len(pitches) < 8 or any(d not in DURATIONS for d in durations) or sum(fermatas[:-1]) < 1:
        return None  # too short, an unusual duration, or phrase ends not marked
    fermatas[-1] = True  # the last note ends the last phrase, marked or not
    return (np.array(pitches, dtype=np.int64), np.array(durations, dtype=np.float64),
            np.array(fermatas, dtype=bool))


def parse_corpus() -> dict[str, np.ndarray]:
    """Parse every Bach chorale of the music21 corpus (slow: about a minute).

    Returns:
        The arrays :func:`save` writes: ``names`` (BWV numbers), ``pitches``, ``durations`` and
        ``fermatas`` of all melodies end to end, ``starts`` (each melody's first index, plus the
        total at the end), and music21's key of each chorale as ``tonics`` (pitch class, C = 0)
        and ``minor`` (bool), and ``tunes`` (:func:`tune_groups`), for :func:`split`. Duplicate
        melodies (the same tune with the same rhythm, in any key) are kept once, the first in
        BWV order.
    """
    from music21 import corpus

    melodies, names, tonics, minor, seen = [], [], [], [], set()
    for path in sorted(corpus.getComposer("bach"), key=lambda p: Path(p).name):
        if not str(path).endswith((".mxl", ".xml")):
            continue
        score = corpus.parse(path, forceSource=True)
        melody = _melody(score)
        if melody is None:
            continue
        intervals = tuple(np.diff(melody[0][melody[0] > REST]).tolist())
        if intervals + tuple(melody[1].tolist()) in seen:
            continue
        seen.add(intervals + tuple(melody[1].tolist()))
        key = score.analyze("key")
        melodies.append(melody)
        names.append(Path(path).stem)
        tonics.append(key.tonic.pitchClass)
        minor.append(key.mode == "minor")
    lengths = [len(m[0]) for m in melodies]
    return {"names": np.array(names), "pitches": np.concatenate([m[0] for m in melodies]),
            "durations": np.concatenate([m[1] for m in melodies]),
            "fermatas": np.concatenate([m[2] for m in melodies]),
            "starts": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "tonics": np.array(tonics, dtype=np.int64), "minor": np.array(minor, dtype=bool),
            "tunes": tune_groups([m[0] for m in melodies])}


def tune_groups(melodies, run: int = 12) -> np.ndarray:
    """A tune id per melody: melodies that share a run of ``run`` consecutive intervals (in
    semitones, rests skipped) are the same tune, and so is any chain of them.

    Bach harmonised many hymn tunes more than once, in other keys, rhythms and ornaments; holding
    out one harmonisation while training on another would test memory, not generalisation.

    Args:
        melodies: each melody's MIDI pitches (0 for a rest).
        run: how many identical consecutive intervals make two melodies one tune.

    Returns:
        int64 ``(len(melodies),)``, ids numbered in order of first appearance.
    """
    parent = list(range(len(melodies)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    first_seen: dict[tuple, int] = {}
    for k, pitches in enumerate(melodies):
        steps = np.diff(np.asarray(pitches)[np.asarray(pitches) > REST]).tolist()
        for start in range(len(steps) - run + 1):
            owner = first_seen.setdefault(tuple(steps[start:start + run]), k)
            parent[root(k)] = root(owner)
    roots = [root(k) for k in range(len(melodies))]
    ids: dict[int, int] = {}
    return np.array([ids.setdefault(r, len(ids)) for r in roots], dtype=np.int64)


def save(arrays: dict[str, np.ndarray], path) -> None:
    """Write :func:`parse_corpus`'s arrays to a NumPy archive (no pickled objects)."""
    np.savez_compressed(path, **arrays)


def load(path) -> list[dict]:
    """The melodies of an archive written by :func:`save`.

    Returns:
        One dict per chorale: ``name``, ``pitches`` ``(N,)`` int64, ``durations`` ``(N,)``
        float64, ``fermatas`` ``(N,)`` bool, ``tonic`` (int), ``minor`` (bool) and ``tune``.
    """
    with np.load(Path(path), allow_pickle=False) as archive:
        data = {key: archive[key] for key in archive.files}
    starts = data["starts"]
    if len(starts) != len(data["names"]) + 1 or starts[-1] != len(data["pitches"]):
        raise RuntimeError(f"{path} does not have the layout chorales.save writes")
    return [{"name": str(data["names"][k]),
             "pitches": data["pitches"][starts[k]:starts[k + 1]],
             "durations": data["durations"][starts[k]:starts[k + 1]],
             "fermatas": data["fermatas"][starts[k]:starts[k + 1]],
             "tonic": int(data["tonics"][k]), "minor": bool(data["minor"][k]),
             "tune": int(data["tunes"][k])}
            for k in range(len(data["names"]))]


def split(tunes: np.ndarray, fractions: tuple[float, float] = (0.8, 0.1), seed: int = 0
          ) -> dict[str, np.ndarray]:
    """Indices of training, validation and test chorales, whole *tunes* held out: every chorale
    of a tune goes to the same part, so no held-out melody was heard in training in another
    harmonisation.

    Args:
        tunes: each chorale's tune id, ``(N,)``.
        fractions: the training and validation shares of the tunes; the test part gets the rest.
        seed: seed of the shuffle of the tunes.

    Returns:
        ``{"train", "val", "test"}`` -> sorted int64 indices, disjoint, together ``range(N)``.
    """
    tunes = np.asarray(tunes)
    train_share, val_share = fractions
    distinct = np.unique(tunes)
    if not (0 < train_share and 0 < val_share and train_share + val_share < 1) or len(distinct) < 3:
        raise ValueError(f"need 3 or more tunes and positive shares summing below 1, got "
                         f"{len(distinct)}, {fractions}")
    order = np.random.default_rng(seed).permutation(distinct)
    n_train, n_val = round(train_share * len(order)), round(val_share * len(order))
    parts = {"train": order[:n_train], "val": order[n_train:n_train + n_val],
             "test": order[n_train + n_val:]}
    return {name: np.flatnonzero(np.isin(tunes, chosen)) for name, chosen in parts.items()}
