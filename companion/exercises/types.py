"""What an auto-graded exercise is: its hidden test cases, its signature, and how a result is judged.

:mod:`companion.exercises` holds the registry of the course's exercises built from these types;
the learner's check and the instructor's grader judge every result with :func:`compare`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from companion.grading.protocol import run_case

Inputs = dict[str, np.ndarray]


@dataclass(frozen=True)
class Case:
    """One hidden test: how to draw its inputs, and what it is worth.

    Args:
        name: short id, used in gradebook columns as ``exercise/name``.
        description: what the case exercises, in words, for feedback.
        make_inputs: draws the arguments from a random generator, float64 arrays.
        points: points for passing.
        gradients: also compare gradients (torch exercises only).
    """

    name: str
    description: str
    make_inputs: Callable[[np.random.Generator], Inputs]
    points: int = 1
    gradients: bool = False


@dataclass(frozen=True)
class Exercise:
    """An auto-graded function: its name and signature, what it returns, and its tests.

    Args:
        name: the function's name in the chapter's exercise cell.
        chapter: the chapter id (``01_rnn_basics.md`` is ``rnn_basics``).
        arguments: positional argument names, in order.
        outputs: names of the returned arrays; ``returns`` says how they are packed.
        returns: ``"array"`` (one array), ``"tuple"`` (in ``outputs`` order) or ``"dict"``.
        framework: ``"numpy"`` (arguments are arrays) or ``"torch"`` (float64 tensors).
        reference: the correct function, built from companion code.
        cases: the hidden tests.
        summary: what the function computes, in a few words (the instructor guide's table).
    """

    name: str
    chapter: str
    arguments: tuple[str, ...]
    outputs: tuple[str, ...]
    returns: str
    framework: str
    reference: Callable
    cases: tuple[Case, ...]
    summary: str = ""
    rtol: float = 1e-6
    atol: float = 1e-9

    def meta(self, case: Case) -> dict:
        """The plain-data description that :func:`~companion.grading.protocol.run_case` needs."""
        return {"name": self.name, "arguments": list(self.arguments), "outputs": list(self.outputs),
                "returns": self.returns, "framework": self.framework, "gradients": case.gradients}

    def inputs(self, case: Case, rng: np.random.Generator) -> Inputs:
        """Draw a case's arguments, plus a random ``probe:<output>`` per output for gradients."""
        inputs = case.make_inputs(rng)
        if case.gradients:
            expected = run_case(self.reference, {**self.meta(case), "gradients": False}, inputs)
            for name in self.outputs:
                inputs[f"probe:{name}"] = rng.normal(size=expected[name].shape)
        return inputs

    def reference_outputs(self, case: Case, inputs: Inputs) -> Inputs:
        """The reference's outputs (and gradients) for one case's inputs."""
        return run_case(self.reference, self.meta(case), inputs)

    @property
    def max_points(self) -> int:
        return sum(case.points for case in self.cases)


def compare(expected: Inputs, got: dict, rtol: float, atol: float) -> str | None:
    """Judge one case: ``None`` when every output matches, else the first mismatch in words.

    Arrays must be plain ``numpy.ndarray`` of exactly the expected shape and dtype, finite, and
    within ``atol + rtol * |expected|`` of the reference everywhere. Outputs are checked before
    gradients, so a wrong forward pass is reported as such.
    """
    for key, want in expected.items():
        label = f"the gradient with respect to `{key[5:]}`" if key.startswith("grad:") else f"`{key}`"
        if key not in got:
            return f"{label} is missing from what the function returned."
        value = got[key]
        if type(value) is not np.ndarray:
            return f"{label} is of type {type(value).__name__}, not an array."
        if value.dtype != want.dtype:
            return (f"{label} has dtype {value.dtype}, but should be {want.dtype} like the inputs "
                    "(avoid casting, or creating arrays without a dtype).")
        if value.shape != want.shape:
            hint = ""
            if value.shape == want.shape[::-1] and value.ndim > 1:
                hint = " It looks transposed."
            elif value.ndim < want.ndim:
                hint = " Did you sum or index away an axis (for example the batch)?"
            return f"{label} has shape {tuple(value.shape)}, but should have shape {tuple(want.shape)}.{hint}"
        if not np.all(np.isfinite(value)):
            return f"{label} contains NaN or infinite values; the reference is finite."
        wrong = np.abs(value - want) > atol + rtol * np.abs(want)
        if wrong.any():
            index = tuple(int(i) for i in np.argwhere(wrong)[0])
            hint = ""
            ratio = value[index] / want[index] if want[index] != 0 else 0.0
            if np.allclose(value, -want, rtol=rtol, atol=atol):
                hint = " Every entry has the wrong sign."
            elif ratio and np.allclose(value, ratio * want, rtol=1e-4, atol=atol):
                hint = f" Every entry is off by the same factor, {ratio:.4g} (a mean instead of a sum?)."
            elif key.startswith("grad:"):
                hint = (" The forward values were right, so check the backward path "
                        "(a detach, a NumPy round trip or an in-place operation breaks it).")
            return (f"{label} differs from the reference in {int(wrong.sum())} of {wrong.size} entries; "
                    f"first at index {list(index)}: expected {want[index]:.6g}, got {value[index]:.6g}.{hint}")
    return None
