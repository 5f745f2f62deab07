"""companion.data.memory_tasks: the synthetic tasks hold what their docstrings promise."""
import numpy as np
import pytest
import torch

from companion.data.memory_tasks import ADDING_BASELINE_MSE, adding_problem, copy_task, echo_task


def test_adding_problem_structure():
    x, y = adding_problem(500, 30, seed=1)
    assert x.shape == (500, 30, 2) and y.shape == (500, 1)
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    values, markers = x[..., 0], x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert (markers.sum(1) == 2).all() and set(markers.unique().tolist()) == {0.0, 1.0}
    # one marker in each half
    assert (markers[:, :15].sum(1) == 1).all() and (markers[:, 15:].sum(1) == 1).all()
    torch.testing.assert_close(y[:, 0], (values * markers).sum(1))


def test_adding_problem_baseline_is_one_sixth():
    """Always predicting 1 gives MSE = Var(U1 + U2) = 1/6; checked on 200k draws."""
    _, y = adding_problem(200_000, 10, seed=0)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert float(((y - 1.0) ** 2).mean()) == pytest.approx(1 / 6, abs=0.002)
    assert float(y.mean()) == pytest.approx(1.0, abs=0.005)  # so 1 is the best constant


def test_generators_are_seeded():
    for make in (lambda s: adding_problem(20, 10, seed=s), lambda s: copy_task(20, 3, 5, seed=s),
                 lambda s: echo_task(20, 10, 2, seed=s)):
        first, again, other = make(0), make(0), make(1)
        for a, b in zip(first, again):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        assert not torch.equal(first[0], other[0])


def test_copy_task_layout():
    x, y = copy_task(50, n_symbols=4, delay=6, seed=2, alphabet=5)
    T = 2 * 4 + 6
    assert x.shape == (50, T, 7) and y.shape == (50, T) and y.dtype == torch.int64
    tokens = x.argmax(-1)
    assert (x.sum(-1) == 1).all()  # one-hot
    assert ((tokens[:, :4] >= 2) & (tokens[:, :4] <= 6)).all()
    assert (tokens[:, 4 + 6] == 1).all()  # the "go" signal
    assert (tokens[:, 4:10] == 0).all() and (tokens[:, 11:] == 0).all()
    assert torch.equal(y[:, -4:], tokens[:, :4]) and (y[:, :-4] == 0).all()


def test_echo_task_targets_are_the_delayed_inputs():
    x, y = echo_task(40, 12, delay=3, seed=5, alphabet=4)
    tokens = x.argmax(-1)
    assert (y[:, :3] == -100).all()
    assert torch.equal(y[:, 3:], tokens[:, :-3])
    freq = np.bincount(tokens.flatten().numpy(), minlength=4) / tokens.numel()
    assert np.allclose(freq, 0.25, atol=0.05)


def test_bad_sizes_raise_value_error():
    with pytest.raises(ValueError, match="length"):
        adding_problem(10, 1, seed=0)
    with pytest.raises(ValueError, match="delay"):
        echo_task(10, 5, delay=5, seed=0)
    with pytest.raises(ValueError, match="n_symbols"):
        copy_task(10, 0, 3, seed=0)
