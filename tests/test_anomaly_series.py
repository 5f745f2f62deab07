"""companion.data.anomaly_series: aeon's labelled series, read as files, labels checked."""
import sys

import numpy as np
import pytest

from companion.data import anomaly_series as an


def test_the_ecg_series_has_normal_training_data_and_three_labelled_anomalies():
    train, train_labels = an.series("ecg", "train")
    test, test_labels = an.series("ecg", "test")
    assert train.shape == test.shape == (10000,) and train_labels.sum() == 0
    runs = an.labelled_runs(test_labels)
    assert runs == [(1560, 1660), (6600, 6700), (6940, 7040)]
    assert test_labels.sum() == sum(stop - start for start, stop in runs)
    assert "aeon" not in sys.modules  # read as files, never imported


def test_the_ucr_record_has_one_anomaly_after_its_training_part():
    train, _ = an.series("bleeding", "train")
    test, labels = an.series("bleeding", "test")
    assert len(train) == 1200 and len(test) == 7501
    np.testing.assert_array_equal(test[:1200], train)  # the archive's test file starts with it
    assert an.labelled_runs(labels) == [(4187, 4199)]


def test_the_daphnet_excerpt_has_no_label_at_all():
    _, labels = an.series("daphnet")
    assert len(labels) == 7040 and labels.sum() == 0


def test_labelled_runs_at_the_edges_and_bad_input():
    assert an.labelled_runs(np.array([1, 1, 0, 0, 1])) == [(0, 2), (4, 5)]
    assert an.labelled_runs(np.zeros(4)) == []
    with pytest.raises(ValueError, match=r"\(T,\)"):
        an.labelled_runs(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="unknown series"):
        an.series("daphnet", "train")
