"""Chapter 13's auto-graded exercise: the reference against a direct loop, and a wrong answer
(the plain mean over padded steps) failing its cases."""
import numpy as np

from companion.exercises import chapter_exercises, compare
from companion.exercises.applications import masked_mean_inputs, masked_mean_reference


def test_reference_is_the_mean_over_each_sequences_real_steps():
    case = masked_mean_inputs(5, 7, 3, garbage=50.0)(np.random.default_rng(0))
    pooled = masked_mean_reference(**case)
    for b, n in enumerate(case["lengths"]):
        np.testing.assert_allclose(pooled[b], case["outputs"][b, :n].mean(0))


def test_the_plain_mean_fails_the_padded_cases():
    exercise = chapter_exercises("applications")[0]
    assert exercise.name == "mean_over_words"
    rng = np.random.default_rng(1)
    for case in exercise.cases:
        inputs = exercise.inputs(case, rng)
        expected = exercise.reference(**inputs)
        plain = inputs["outputs"].mean(1)
        full = (inputs["lengths"] == inputs["outputs"].shape[1]).all()
        verdict = compare({"pooled": expected}, {"pooled": plain}, exercise.rtol, exercise.atol)
        assert (verdict is None) == bool(full), case.name
