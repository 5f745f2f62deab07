"""companion.profiling: the counters count what they say, and the indexing pitfall is quadratic."""
import pytest
import torch

from companion.profiling import CountNumbers, CountOps, loop_backward_numbers


def test_counters_count_known_operations_and_numbers():
    x, W = torch.randn(4, 3), torch.randn(3, 5)
    with CountOps() as ops, CountNumbers() as numbers:
        torch.tanh(x @ W)  # one mm and one tanh, each writing a (4, 5) result
    assert ops.count == 2
    assert numbers.numbers == 2 * 4 * 5
    with CountOps() as fresh:
        pass
    assert fresh.count == 0  # a new counter starts at zero


def test_indexing_in_a_loop_makes_backward_quadratic_and_unbind_does_not():
    index = [loop_backward_numbers("index", T) for T in (100, 400)]
    unbind = [loop_backward_numbers("unbind", T) for T in (100, 400)]
    assert index[1] / index[0] > 15   # four times T: sixteen times the numbers written
    assert unbind[1] / unbind[0] < 4.5  # four times
    assert index[0] > 50 * unbind[0]
    with pytest.raises(ValueError, match="loop_over"):
        loop_backward_numbers("slice", 10)
