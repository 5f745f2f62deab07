"""Immediate feedback on an exercise: your function against the reference, on random inputs.

In a chapter, after filling in an exercise cell, run::

    check_exercise(rnn_step)

It calls your function on the same kinds of cases the instructor's grader uses (fresh random
inputs, several shapes), compares values, shapes, dtypes and, where the exercise asks for
PyTorch, gradients, and explains the first mismatch in words. It runs in your own kernel: it is
a help for learning, not the grade.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from companion.exercises import EXERCISES, compare
from companion.grading.protocol import run_case


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check_exercise`; true when every case passed."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return ("PASSED: " if self.passed else "NOT YET: ") + self.message


def check_exercise(function: Callable, name: str | None = None, seed: int = 0) -> CheckResult:
    """Compare a learner's exercise function with the reference on every case of the exercise.

    Args:
        function: your function, e.g. ``rnn_step``.
        name: the exercise's name, when your function is called something else.
        seed: seed for the random inputs (change it to test on other draws).

    Returns:
        A :class:`CheckResult`; it prints as ``PASSED: ...`` or ``NOT YET: <first mismatch>``.

    Raises:
        ValueError: if there is no exercise of that name.
    """
    name = name or getattr(function, "__name__", "")
    if name not in EXERCISES:
        raise ValueError(f"no auto-graded exercise named {name!r}; exercises: {sorted(EXERCISES)}")
    exercise = EXERCISES[name]
    rng = np.random.default_rng(seed)
    for case in exercise.cases:
        inputs = exercise.inputs(case, rng)
        expected = exercise.reference_outputs(case, inputs)
        try:
            got = run_case(function, exercise.meta(case), inputs)
        except NotImplementedError:
            return CheckResult(False, f"`{name}` is not written yet: replace `raise NotImplementedError` "
                                      "with your code.")
        except Exception as error:
            return CheckResult(False, f"on {case.description}, `{name}` raised "
                                      f"{type(error).__name__}: {error}")
        problem = compare(expected, got, exercise.rtol, exercise.atol)
        if problem is not None:
            return CheckResult(False, f"on {case.description}: {problem}")
    checked = "values, shapes, dtypes and gradients" if any(c.gradients for c in exercise.cases) \
        else "values, shapes and dtypes"
    return CheckResult(True, f"`{name}` matches the reference on all {len(exercise.cases)} cases "
                             f"({checked}, random inputs).")
