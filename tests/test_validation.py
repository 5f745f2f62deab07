"""companion.validation: errors name the argument, the expected shape and what arrived."""
import pytest
import torch

from companion.validation import check_lengths, check_sequence, check_state


def test_valid_inputs_pass():
    check_sequence(torch.zeros(2, 3, 4), 4, torch.float32)
    check_state(torch.zeros(2, 5), 2, 5, torch.float32)
    lengths = check_lengths([3, 1], 2, 3)
    assert lengths.dtype == torch.int64 and lengths.tolist() == [3, 1]


def test_argument_name_is_reported():
    with pytest.raises(ValueError, match=r"^inputs must have shape \(B, T, I\)"):
        check_sequence(torch.zeros(2, 3), 4, torch.float32, name="inputs")
    with pytest.raises(ValueError, match=r"^h0 must have shape \(B, H\) = \(2, 5\)"):
        check_state(torch.zeros(5), 2, 5, torch.float32, name="h0")


@pytest.mark.parametrize(
    "lengths, message",
    [
        ([3], r"lengths must have shape \(B,\) = \(2,\), got \(1,\)"),
        ([[3, 1]], r"lengths must have shape \(B,\) = \(2,\), got \(1, 2\)"),
        ([3.0, 1.0], r"lengths must be integers, got torch.float32"),
        ([4, 1], r"every length must lie in 1..T = 1..3, got \[4, 1\]"),
        ([3, 0], r"every length must lie in 1..T = 1..3, got \[3, 0\]"),
    ],
)
def test_bad_lengths(lengths, message):
    with pytest.raises(ValueError, match=message):
        check_lengths(lengths, 2, 3)
