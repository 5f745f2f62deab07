"""The exercises' references against independent answers, the judge's messages, and the
chapters: each chapter's own solution earns full marks from the grader, its student copy none."""
import numpy as np
import pytest
import torch

from companion.bptt import numerical_gradient, relative_error
from companion.exercises import EXERCISES, chapter_exercises, compare
from companion.grading import notebooks, release, sandbox
from companion.grading.gradebook import grade_submission
from tests.paths import CHAPTERS


def test_rnn_step_reference_is_the_tanh_recurrence():
    ex = EXERCISES["rnn_step"]
    a = ex.inputs(ex.cases[0], np.random.default_rng(0))
    expected = np.tanh(a["x_t"] @ a["W_xh"] + a["h_prev"] @ a["W_hh"] + a["b"])
    np.testing.assert_allclose(ex.reference(**a), expected, rtol=1e-12)


def test_step_backward_reference_matches_finite_differences():
    ex = EXERCISES["step_backward"]
    rng = np.random.default_rng(1)
    a = ex.inputs(ex.cases[0], rng)
    b = rng.normal(size=a["h"].shape[1])
    arrays = {"x": a["x_t"], "h_prev": a["h_prev"], "W_xh": a["W_xh"], "W_hh": a["W_hh"], "b": b}

    def step():
        return np.tanh(arrays["x"] @ arrays["W_xh"] + arrays["h_prev"] @ arrays["W_hh"] + arrays["b"])

    grads = ex.reference(a["dh"], step(), arrays["h_prev"], arrays["x"], arrays["W_xh"], arrays["W_hh"])
    for name, value in arrays.items():
        assert relative_error(grads[name], numerical_gradient(step, value, upstream=a["dh"])) < 1e-7


def test_lstm_step_reference_matches_torch_lstm_cell():
    ex = EXERCISES["lstm_step"]
    a = {k: torch.tensor(v) for k, v in ex.inputs(ex.cases[0], np.random.default_rng(2)).items()}
    H, I = a["h_prev"].shape[1], a["x_t"].shape[1]
    blocks = dict(zip("fiCo", a["W"].split(H, dim=1)))   # (H + I, H) each
    biases = dict(zip("fiCo", a["b"].split(H)))
    cell = torch.nn.LSTMCell(I, H, dtype=torch.float64)
    with torch.no_grad():  # torch's gate order is i, f, g, o; its weights are (4H, in)
        cell.weight_ih.copy_(torch.cat([blocks[g][H:].T for g in "ifCo"]))
        cell.weight_hh.copy_(torch.cat([blocks[g][:H].T for g in "ifCo"]))
        cell.bias_ih.copy_(torch.cat([biases[g] for g in "ifCo"]))
        cell.bias_hh.zero_()
    h, C = ex.reference(a["x_t"], a["h_prev"], a["C_prev"], a["W"], a["b"])
    h_torch, C_torch = cell(a["x_t"], (a["h_prev"], a["C_prev"]))
    torch.testing.assert_close(h, h_torch)
    torch.testing.assert_close(C, C_torch)


@pytest.mark.parametrize("got, message", [
    ({}, "missing"),
    ({"h": [[1.0, 2.0]]}, "of type list"),
    ({"h": np.ones((2, 1))}, "transposed"),
    ({"h": np.ones(2)}, "sum or index away"),
    ({"h": np.ones((1, 2), dtype=np.float32)}, "dtype float32"),
    ({"h": np.array([[1.0, np.nan]])}, "NaN"),
    ({"h": np.array([[-1.0, -2.0]])}, "wrong sign"),
    ({"h": np.array([[0.5, 1.0]])}, "same factor, 0.5"),
    ({"h": np.array([[1.0, 3.0]])}, "1 of 2 entries; first at index [0, 1]: expected 2, got 3"),
])
def test_compare_explains_the_first_mismatch(got, message):
    assert message in compare({"h": np.array([[1.0, 2.0]])}, got, rtol=1e-6, atol=1e-9)


def test_compare_accepts_a_match_within_tolerance_and_reports_gradients_by_name():
    expected = {"h": np.ones(3), "grad:W": np.ones(2)}
    assert compare(expected, {"h": np.ones(3) + 1e-12, "grad:W": np.ones(2)}, 1e-6, 1e-9) is None
    assert "gradient with respect to `W`" in compare(expected, {"h": np.ones(3), "grad:W": np.zeros(2)}, 1e-6, 1e-9)


def test_chapter_exercises_lists_known_chapters_in_the_error():
    assert [e.name for e in chapter_exercises("lstm")] == ["lstm_step", "lstm_step_backward"]
    with pytest.raises(ValueError, match="chapters with exercises"):
        chapter_exercises("glossary")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_auto_graded_exercises_that_match_the_registry(chapter):
    cells = notebooks.exercise_cells(chapter.read_bytes(), ".md")
    defined = set(notebooks.defined_functions(cells))
    registered = {e.name for e in chapter_exercises(release.chapter_id(chapter))}
    assert registered and registered <= defined, f"{chapter.name} defines {defined}, registry has {registered}"
    assert all(notebooks.BEGIN in cell for cell in cells)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
@pytest.mark.sandbox
@pytest.mark.slow
def test_the_chapter_earns_full_marks_and_its_student_copy_none(chapter, released):
    chapter_id = release.chapter_id(chapter)
    exercises = chapter_exercises(chapter_id)
    limits, isolation = sandbox.Limits(timeout_s=60), sandbox.probe_isolation()
    solved = grade_submission("author", chapter, chapter_id, exercises, limits, isolation)
    assert solved.status == "graded" and solved.points == solved.max_points, solved.tests
    folder, _ = released
    blank = grade_submission("student", folder / f"{chapter.stem}.ipynb", chapter_id, exercises, limits, isolation)
    assert blank.status == "graded" and blank.points == 0
    assert all("not written yet" in t.message for t in blank.tests.values())


def test_the_instructor_guide_tables_every_auto_graded_exercise_in_chapter_order():
    import sys

    sys.path.insert(0, str(CHAPTERS[0].parent / "_ext"))
    from exercise_table import chapter_order, table_rows

    guide = (CHAPTERS[0].parent / "instructor_guide.md").read_text()
    assert "```{exercise-table}" in guide
    rows = "\n".join(table_rows(list(EXERCISES.values()), chapter_order(CHAPTERS[0].parent)))
    positions = []
    for exercise in EXERCISES.values():
        signature = f"`{exercise.name}({', '.join(exercise.arguments)})`"
        assert rows.count(signature) == 1 and exercise.summary in rows, signature
        positions.append((rows.index(signature), CHAPTERS.index(next(
            c for c in CHAPTERS if c.stem.split("_", 1)[1] == exercise.chapter))))
    chapters_in_table_order = [chapter for _, chapter in sorted(positions)]
    assert chapters_in_table_order == sorted(chapters_in_table_order)
    with pytest.raises(ValueError, match="no chapter file"):
        table_rows([EXERCISES["rnn_step"].__class__(**{**EXERCISES["rnn_step"].__dict__, "chapter": "nowhere"})],
                   chapter_order(CHAPTERS[0].parent))
