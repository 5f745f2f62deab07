"""companion.data.digits: scikit-learn's digits as row sequences, and balanced subsets."""
import pytest
import torch

from companion.data import digits


def test_digits_are_sequences_of_rows_with_a_fixed_split():
    x_train, y_train, x_test, y_test = digits.digits_sequences()
    assert x_train.shape == (1300, 8, 8) and x_test.shape == (digits.DIGITS_TEST_SIZE, 8, 8)
    assert y_train.dtype == torch.int64 and set(y_train.tolist()) == set(range(10))
    assert 0.0 <= float(x_train.min()) and float(x_train.max()) == 1.0
    again = digits.digits_sequences()
    assert torch.equal(again[0], x_train) and torch.equal(again[3], y_test)
    # no image is in both splits
    train_rows = {tuple(img.flatten().tolist()) for img in x_train}
    test_rows = [tuple(img.flatten().tolist()) for img in x_test]
    assert sum(row in train_rows for row in test_rows) < 10  # a few digits are drawn identically
    # row t of the sequence is row t of the image scikit-learn ships
    from sklearn.datasets import load_digits
    images = load_digits().images / 16.0
    match = [i for i in range(len(images)) if (images[i] == x_test[0].numpy()).all()]
    assert match, "the first test sequence is one of the images, read row by row"


def test_balanced_subset_draws_the_same_number_per_class():
    labels = torch.tensor([0] * 5 + [1] * 3 + [2] * 4)
    rows = digits.balanced_subset(labels, 2, seed=0)
    assert torch.bincount(labels[rows]).tolist() == [2, 2, 2]
    assert torch.equal(rows, digits.balanced_subset(labels, 2, seed=0))
    assert rows.tolist() == sorted(set(rows.tolist()))
    with pytest.raises(ValueError, match="class 1 has 3 examples"):
        digits.balanced_subset(labels, 4, seed=0)
