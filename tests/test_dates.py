"""companion.data.dates: every format names the right date, splits share no date, batches pad right."""
import datetime
import re

import numpy as np
import pytest
import torch

from companion.data import dates


@pytest.mark.parametrize("name", sorted(dates.FORMATS))
def test_every_format_writes_the_date_it_is_given(name):
    """Parse each format back with a hand-written pattern and compare with the date."""
    months = {m.lower(): k + 1 for k, m in enumerate(dates.MONTHS)}
    months.update({m[:3].lower(): k + 1 for k, m in enumerate(dates.MONTHS)})
    write = dates.FORMATS[name]
    for day in dates.random_days(200, np.random.default_rng(1)) + [datetime.date(2011, 11, 12)]:
        text = write(day)
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
        month = next((months[w] for w in words if w in months), None)
        if name == "compact":
            year, month, d = int(text[:4]), int(text[4:6]), int(text[6:])
        elif name == "slashes_us":
            month, d, year = numbers
        elif name in ("dots_eu", "weekday_dots"):
            d, month, year = numbers
        else:
            d, year = numbers[0], numbers[-1]
        year = year if year >= 100 else (1900 + year if year >= 50 else 2000 + year)
        assert datetime.date(year, month, d) == day, (name, text)
        if "weekday" in name or name == "us_long":
            assert dates.DAYS[day.weekday()][:3].lower() in text.lower()


def test_ordinals():
    written = [dates.FORMATS["ordinal_of"](datetime.date(2000, 1, d)).split()[0]
               for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)]
    assert written == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_splits_share_no_date_and_are_seeded():
    splits = dates.date_splits(300, 50, 80, seed=3)
    assert [len(splits[k]) for k in ("train", "val", "test")] == [300, 50, 80]
    targets = {k: {t for _, t in v} for k, v in splits.items()}
    assert len(targets["train"]) == 300  # distinct dates
    assert not targets["train"] & targets["test"] and not targets["train"] & targets["val"]
    assert not targets["val"] & targets["test"]
    assert splits == dates.date_splits(300, 50, 80, seed=3)
    assert splits != dates.date_splits(300, 50, 80, seed=4)
    for source, target in splits["train"]:
        assert re.fullmatch(r"(19[5-9]\d|20[0-4]\d)-\d\d-\d\d", target)


def test_vocab_round_trip_and_padded_batches():
    splits = dates.date_splits(50, 5, 5, seed=0)
    vocab = dates.vocab_for(splits)
    texts = ["3rd of March 1998", "1/2/2003"]
    tokens, lengths = vocab.batch(texts, add_start=True)
    assert tokens.dtype == torch.int64 and tokens.shape == (2, len(texts[0]) + 2)
    assert lengths.tolist() == [len(texts[0]) + 2, len(texts[1]) + 2]
    assert (tokens[:, 0] == dates.SOS).all() and tokens[1, lengths[1] - 1] == dates.EOS
    assert (tokens[1, lengths[1]:] == dates.PAD).all()
    assert [vocab.decode(row) for row in tokens] == texts
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("März")
    source, source_lengths, target = dates.pair_tensors(splits["test"], vocab)
    assert source.shape[0] == target.shape[0] == 5 and target.shape[1] == 12  # SOS + 10 + EOS


def test_random_days_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="n must lie"):
        dates.random_days(0, np.random.default_rng(0))
