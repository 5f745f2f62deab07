"""The learner's check: passes the reference, explains a mistake, handles unwritten code."""
import numpy as np
import pytest

from companion.exercises.check import CheckResult, check_exercise
from companion.exercises import EXERCISES


def test_every_reference_passes_its_own_check():
    for name, exercise in EXERCISES.items():
        result = check_exercise(exercise.reference, name=name)
        assert result and f"all {len(exercise.cases)} cases" in result.message


def test_a_wrong_function_gets_a_reason_not_an_exception():
    def rnn_step(x_t, h_prev, W_xh, W_hh, b):
        return np.tanh(x_t @ W_xh + h_prev @ W_hh)  # forgot the bias

    result = check_exercise(rnn_step)
    assert not result
    assert repr(result).startswith("NOT YET: on a batch of 3") and "differs from the reference" in repr(result)


def test_unwritten_and_crashing_functions():
    def rnn_step(*args):
        raise NotImplementedError

    assert "not written yet" in check_exercise(rnn_step).message

    def lstm_step(*args):
        return args[0] @ args[0]  # shapes do not fit

    result = check_exercise(lstm_step)
    assert "raised RuntimeError" in result.message


def test_gradients_are_checked_for_torch_exercises():
    reference = EXERCISES["lstm_step"].reference

    def lstm_step(x_t, h_prev, C_prev, W, b):
        h, C = reference(x_t, h_prev, C_prev, W, b)
        return h, C.detach()  # right values, broken gradient

    result = check_exercise(lstm_step)
    assert "no gradient" in result.message or "gradient with respect to" in result.message


def test_unknown_exercise_raises_value_error():
    with pytest.raises(ValueError, match="no auto-graded exercise named 'mystery'"):
        check_exercise(lambda: None, name="mystery")
    assert isinstance(check_exercise(EXERCISES["rnn_step"].reference, name="rnn_step"), CheckResult)
