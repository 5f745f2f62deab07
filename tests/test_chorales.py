"""companion.data.chorales: the committed archive against music21 parsing the corpus again, the
melody rules on hand-made scores, and the split by tune."""
import numpy as np
import pytest

from benchmarks.records import RECORDS, load_record
from companion.data import chorales

ARCHIVE = RECORDS / "chorales.npz"


@pytest.fixture(scope="module")
def melodies():
    return chorales.load(ARCHIVE)


def test_the_archive_holds_what_its_record_says(melodies):
    record = load_record("chorales_prepare")["results"]
    assert len(melodies) == record["melodies"]
    assert sum(len(m["pitches"]) for m in melodies) == record["notes"]
    assert len({m["tune"] for m in melodies}) == record["tunes"]
    for m in melodies:
        assert m["fermatas"][-1] and m["pitches"][-1] > 0
        assert set(m["durations"].tolist()) <= set(chorales.DURATIONS)
        assert ((m["pitches"] == 0) | ((m["pitches"] >= 55) & (m["pitches"] <= 84))).all()


@pytest.mark.slow
def test_the_archive_matches_music21_parsing_the_files_again(melodies):
    from music21 import corpus

    for m in melodies[::40]:
        score = corpus.parse(f"bach/{m['name']}", forceSource=True)
        pitches, durations, fermatas = chorales._melody(score)
        np.testing.assert_array_equal(pitches, m["pitches"])
        np.testing.assert_array_equal(durations, m["durations"])
        np.testing.assert_array_equal(fermatas, m["fermatas"])
        key = score.analyze("key")
        assert (key.tonic.pitchClass, key.mode == "minor") == (m["tonic"], m["minor"])


def test_ties_merge_and_unusable_scores_are_refused():
    from music21 import note, stream, tie, expressions

    def score_of(notes):
        part = stream.Part()
        part.partName = "Soprano"
        for n in notes:
            part.append(n)
        return stream.Score([part])

    def n(name, length, tie_type=None, fermata=False):
        made = note.Note(name, quarterLength=length)
        if tie_type:
            made.tie = tie.Tie(tie_type)
        if fermata:
            made.expressions.append(expressions.Fermata())
        return made

    tune = [n("C4", 1), n("D4", 1, "start"), n("D4", 1, "stop", fermata=True)] + \
           [n(x, 1) for x in ("E4", "F4", "G4", "A4", "G4", "F4")]
    pitches, durations, fermatas = chorales._melody(score_of(tune))
    assert pitches.tolist() == [60, 62, 64, 65, 67, 69, 67, 65]
    assert durations.tolist() == [1, 2, 1, 1, 1, 1, 1, 1]
    assert fermatas.tolist() == [False, True, False, False, False, False, False, True]
    assert chorales._melody(score_of([n("C4", 1) for _ in range(9)])) is None  # no phrase end marked
    assert chorales._melody(score_of(tune[:-1] + [n("G4", 1.25)])) is None  # unusual duration


def test_split_keeps_each_tune_in_one_part():
    tunes = np.array([0, 0, 1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9, 9])
    parts = chorales.split(tunes, (0.6, 0.2), seed=1)
    together = np.concatenate(list(parts.values()))
    assert sorted(together.tolist()) == list(range(len(tunes)))
    for a in parts:
        for b in parts:
            if a != b:
                assert not set(tunes[parts[a]]) & set(tunes[parts[b]])
    with pytest.raises(ValueError, match="3 or more tunes"):
        chorales.split(np.zeros(5, dtype=int))
