"""companion.applications.music: the symbols round-trip, key finding, measures, synthesis."""
import numpy as np
import pytest

from companion.applications import music


def melody(pitches, durations, fermatas):
    return {"pitches": np.array(pitches), "durations": np.array(durations, dtype=float),
            "fermatas": np.array(fermatas, dtype=bool)}


C_MAJOR_TUNE = melody([60, 62, 64, 65, 67, 0, 67, 65, 64, 62, 60], [1] * 5 + [0.5] + [1] * 4 + [2],
                      [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])


def test_encode_and_decode_round_trip_with_phrase_marks():
    vocab = music.NoteVocabulary([C_MAJOR_TUNE])
    ids = vocab.encode(C_MAJOR_TUNE)
    assert ids[-1] == music.END and (ids == music.PHRASE).sum() == 2
    assert ids[ids.tolist().index(music.PHRASE) - 1] == vocab.ids[(67, 1.0)]
    back = vocab.decode(ids)
    for key in ("pitches", "durations", "fermatas"):
        np.testing.assert_array_equal(back[key], C_MAJOR_TUNE[key])
    assert vocab.size == len(set(zip(C_MAJOR_TUNE["pitches"].tolist(),
                                     C_MAJOR_TUNE["durations"].tolist()))) + 3
    unseen = melody([61], [1.0], [1])
    assert vocab.encode(unseen).tolist() == [music.UNKNOWN, music.PHRASE, music.END]
    stream = vocab.stream([C_MAJOR_TUNE, C_MAJOR_TUNE])
    assert stream[0] == music.END and len(stream) == 1 + 2 * len(ids)


def test_key_finding_on_scales_and_their_transpositions():
    durations = np.ones(8)
    assert music.estimate_key(np.array([60, 62, 64, 65, 67, 69, 71, 72]), durations) == (0, False)
    a_minor = np.array([57, 59, 60, 62, 64, 65, 68, 69])  # harmonic minor, tonic weighted
    assert music.estimate_key(a_minor, np.array([3, 1, 1, 1, 2, 1, 1, 3.0])) == (9, True)
    for shift in range(12):
        tonic, minor = music.estimate_key(C_MAJOR_TUNE["pitches"] + shift * (C_MAJOR_TUNE["pitches"] > 0),
                                          C_MAJOR_TUNE["durations"])
        assert (tonic, minor) == (shift % 12, False)
    with pytest.raises(ValueError, match="rests"):
        music.estimate_key(np.zeros(3), np.ones(3))


def test_measures_of_a_melody():
    assert music.in_key_fraction(np.array([60, 61, 62, 0]), 0, False) == pytest.approx(2 / 3)
    assert music.in_key_fraction(np.array([68, 66, 70]), 9, True) == pytest.approx(2 / 3)  # G#, F# in A minor; Bb not
    assert music.intervals(np.array([60, 0, 64, 62])).tolist() == [4, -2]
    assert music.cadence_on_triad(C_MAJOR_TUNE, 0, False) == 1.0
    assert music.cadence_on_triad(C_MAJOR_TUNE, 7, False) == 0.5  # G major: G yes, C no


def test_synthesis_has_the_notes_length_and_pitch():
    rate = 8000
    audio = music.synthesize(np.array([69, 0]), np.array([1.0, 0.5]), beats_per_minute=60, rate=rate)
    assert audio.dtype == np.float32 and len(audio) == int(1.5 * rate)
    assert np.abs(audio).max() == pytest.approx(0.8, rel=1e-6)
    assert np.all(audio[rate:] == 0)  # the rest is silent
    spectrum = np.abs(np.fft.rfft(audio[:rate]))
    assert np.argmax(spectrum) == 440  # 1 s of A4: the strongest component at 440 Hz
    with pytest.raises(ValueError, match="as many durations"):
        music.synthesize(np.array([60, 62]), np.array([1.0]))
