"""The grader against adversarial submissions, graded in one batch beside correct ones.

Every attack must end with the attacker at 0 points (or flagged for review) and nothing else
disturbed: the correct students, graded in the same run before and after the attackers, get full
marks, the gradebook and feedback are the grader's, and no file appears outside the grader's
folders. The table of outcomes is printed (``pytest -s``) for the closing notes.
"""
import csv
import dataclasses
import json
import os
import textwrap
from pathlib import Path

import pytest

from companion.exercises import chapter_exercises
from companion.grading import gradebook, sandbox
from companion.grading.gradebook import grade_folder

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CORRECT = """
import numpy as np


def rnn_step(x_t, h_prev, W_xh, W_hh, b):
    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b)


def many_to_one_logits(x, lengths, W_xh, W_hh, b, W_hy, b_y):
    ends = lengths.astype(int) - 1
    h = np.zeros((x.shape[0], W_hh.shape[0]))
    final = np.zeros_like(h)
    for t in range(x.shape[1]):
        h = np.tanh(b + x[:, t] @ W_xh + h @ W_hh)  # no "+ b)": the attacks below edit rnn_step only
        final[ends == t] = h[ends == t]
    return final @ W_hy + b_y
"""
CHAPTER_TESTS = [f"{ex.name}/{case.name}" for ex in chapter_exercises("rnn_basics") for case in ex.cases]
LIMITS = sandbox.Limits(timeout_s=8, cpu_s=4, memory_mb=1536, file_mb=16)


def markdown_submission(*cells: str) -> str:
    """A MyST notebook whose code cells are tagged ``exercise``."""
    body = "".join(f"```{{code-cell}} ipython3\n:tags: [exercise]\n\n{textwrap.dedent(c).strip()}\n```\n\n"
                   for c in cells)
    return ("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
            "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
            f"# My answers\n\n{body}")


def notebook_submission(*cells: str) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": textwrap.dedent(c),
         "outputs": [], "execution_count": None} for c in cells]})


def attacks(out: Path, canary: Path) -> dict[str, str]:
    """Student name -> exercise cell source, for the ``rnn_basics`` assignment."""
    forged = "student,points\\nmallory,999\\n"
    return {
        "infinite_loop": "def rnn_step(*args):\n    while True:\n        pass",
        "sleep_forever": "import time\ndef rnn_step(*args):\n    time.sleep(10**6)",
        "memory_bomb": "import numpy as np\nhog = []\ndef rnn_step(*args):\n"
                       "    while True:\n        hog.append(np.ones(10**7))",
        "fork_bomb": "import os\nwhile True:\n    os.fork()\n" + CORRECT,
        "sys_exit": "import sys\nsys.exit(0)\n" + CORRECT,
        "os_exit": "import os\nos._exit(0)\n" + CORRECT,
        "kill_parent": "import os\nfor pid in (os.getppid(), -1, 1, 0):\n    try:\n        os.kill(pid, 9)\n"
                       "    except OSError:\n        pass\n" + CORRECT.replace("np.tanh(", "0 * np.tanh("),
        "patch_allclose": "import numpy as np\nimport torch\nnp.allclose = lambda *a, **k: True\n"
                          "np.testing.assert_allclose = lambda *a, **k: None\n"
                          "np.array_equal = np.isclose = lambda *a, **k: True\n"
                          "torch.allclose = torch.equal = lambda *a, **k: True\n"
                          "def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n    return np.zeros_like(h_prev)",
        "lying_subclass": "import numpy as np\nclass Liar(np.ndarray):\n    def __eq__(self, other):\n"
                          "        return True\n    __ne__ = lambda self, other: False\n"
                          "def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n    return np.zeros_like(h_prev).view(Liar)",
        "lying_object": "class Anything:\n    shape = property(lambda self: (3, 5))\n"
                        "    def __eq__(self, other):\n        return True\n"
                        "def rnn_step(*args):\n    return Anything()",
        "object_array": "import numpy as np\ndef rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                        "    out = np.empty(h_prev.shape, dtype=object)\n    out[...] = 0.5\n    return out",
        "nan_output": "import numpy as np\ndef rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                      "    return np.full(h_prev.shape, np.nan)",
        "wrong_dtype": CORRECT.replace("+ b)", "+ b).astype(np.float32)"),
        "broadcastable": CORRECT.replace("+ b)", "+ b)[None]"),
        "fake_gradebook": "import os\n" + "\n".join(
            f"try:\n    open({str(p)!r}, 'w').write({forged!r})\nexcept OSError:\n    pass"
            for p in (out / "gradebook.csv", out / "feedback" / "correct_first.json", canary,
                      Path("gradebook.csv"))) + "\nimport numpy as np\ndef rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                                                "    return np.zeros_like(h_prev)",
        "fake_markers": "import numpy as np\nprint('PASSED 4/4', '{\"points\": 4, \"status\": \"graded\"}')\n"
                        "def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n    print('all tests passed')\n"
                        "    return np.ones_like(h_prev)",
        "read_reference": "import importlib\nsteal = importlib.import_module('companion.exercises')\n"
                          "def rnn_step(*args):\n    return steal.EXERCISES['rnn_step'].reference(*args)",
        "read_reference_file": "import numpy as np\n"
                               f"source = open({str(ROOT / 'companion' / 'bptt.py')!r}).read()\n" + CORRECT,
        "huge_output": "import numpy as np\nprint('x' * 10**8)\n" + CORRECT,
        # 24 MB per case, over the 16 MB file limit; small enough to use little CPU time
        "huge_array": "import numpy as np\ndef rnn_step(*args):\n    return np.ones(3 * 10**6)",
        "pickle_bomb": "import pickle, numpy as np\nclass Evil:\n    def __reduce__(self):\n"
                       "        return (print, ('pwned',))\n"
                       "def rnn_step(x_t, h_prev, W_xh, W_hh, b):\n"
                       "    out = np.empty(h_prev.shape, dtype=object)\n    out[...] = Evil()\n    return out",
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade every attack with two correct students, in one run with two jobs."""
    root = tmp_path_factory.mktemp("grading")
    submissions, out, canary = root / "submissions", root / "out", root / "canary.csv"
    submissions.mkdir()
    for name, source in attacks(out, canary).items():
        (submissions / f"{name}.md").write_text(markdown_submission(source))
    (submissions / "correct_first.md").write_text(markdown_submission(CORRECT))
    (submissions / "zz_correct_last.ipynb").write_text(notebook_submission(CORRECT))
    (submissions / "malformed_json.ipynb").write_text('{"cells": [')
    (submissions / "not_utf8.md").write_bytes(b"\xff\xfe" + "é".encode("latin-1") * 10)
    (submissions / "deleted_cell.md").write_text(markdown_submission("x = 1"))
    (submissions / "duplicated_cell.md").write_text(
        markdown_submission(CORRECT.replace("np.tanh(", "2 * np.tanh("), CORRECT))
    (submissions / "twice.md").write_text(markdown_submission(CORRECT))
    (submissions / "twice.ipynb").write_text(notebook_submission(CORRECT))
    results = grade_folder("rnn_basics", submissions, out, jobs=2, limits=LIMITS, progress=False)
    print("\nstudent               status        points  flags / first message")
    for name, r in sorted(results.items()):
        first = next((t.message for t in r.tests.values() if not t.passed), "")
        print(f"{name:<21} {r.status:<13} {r.points}/{r.max_points}  {'; '.join(r.flags)[:40]} | {first[:90]}")
    return results, out, canary


def test_correct_students_get_full_marks_beside_the_attackers(batch):
    results, _, _ = batch
    for name in ("correct_first", "zz_correct_last"):
        assert results[name].status == "graded"
        assert results[name].points == results[name].max_points == sum(
            ex.max_points for ex in chapter_exercises("rnn_basics"))


@pytest.mark.parametrize("attack", sorted(set(attacks(Path("o"), Path("c"))) - {"read_reference_file"}) + [
    "malformed_json", "not_utf8", "deleted_cell", "twice"])
def test_every_attack_scores_zero(batch, attack):
    """Zero for the attacked exercise, rnn_step (some attacks carry a correct many_to_one_logits)."""
    results, _, _ = batch
    attacked = {k: t.points for k, t in results[attack].tests.items() if k.startswith("rnn_step/")}
    assert attacked and sum(attacked.values()) == 0, results[attack]


def test_failures_have_the_status_that_explains_them(batch):
    results, _, _ = batch
    expected = {"infinite_loop": "cpu-limit", "sleep_forever": "timeout", "os_exit": "no-result",
                "malformed_json": "malformed", "not_utf8": "malformed", "twice": "ambiguous",
                "huge_array": "file-limit"}
    for name, status in expected.items():
        assert results[name].status == status, (name, results[name].status)
    assert "not valid JSON" in results["malformed_json"].tests["rnn_step/small"].message
    assert "no cell tagged `exercise` defines `rnn_step`" in results["deleted_cell"].tests["rnn_step/small"].message
    assert "dtype float32" in results["wrong_dtype"].tests["rnn_step/small"].message
    assert "shape (1, 3, 5)" in results["broadcastable"].tests["rnn_step/small"].message
    assert "NaN" in results["nan_output"].tests["rnn_step/small"].message
    assert "object array" in results["object_array"].tests["rnn_step/small"].message
    assert "File too large" in results["huge_output"].tests["rnn_step/small"].message
    assert "differs from the reference" in results["patch_allclose"].tests["rnn_step/small"].message


def test_the_child_cannot_read_the_reference_and_is_flagged_for_trying(batch):
    results, _, _ = batch
    assert results["read_reference"].points == 0
    assert "import importlib" in results["read_reference"].flags
    reader = results["read_reference_file"]
    assert "open()" in reader.flags
    if sandbox.probe_isolation().landlock_abi:  # reading the file fails, so nothing gets defined
        assert reader.points == 0 and "PermissionError" in reader.tests["rnn_step/small"].message


def test_duplicate_definitions_are_flagged_and_the_last_is_graded(batch):
    results, _, _ = batch
    r = results["duplicated_cell"]
    assert r.points == r.max_points
    assert any("defined 2 times" in flag for flag in r.flags)


def test_nothing_a_child_writes_or_prints_reaches_the_gradebook(batch):
    results, out, canary = batch
    assert not canary.exists()
    rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    assert set(rows) == set(results)
    for name, r in results.items():
        assert int(rows[name]["points"]) == r.points
        saved = json.loads((out / "feedback" / f"{name}.json").read_text())
        assert saved["points"] == r.points and saved["status"] == r.status
    assert rows["fake_markers"]["points"] == "0" and rows["fake_gradebook"]["points"] == "0"


def test_the_grader_survives_and_leaves_no_process_behind(batch):
    import subprocess
    # every child's command line holds the child's source; none may outlive its grading
    leftover = subprocess.run(["pgrep", "-f", "CONFINEMENT_FAILED = 70"], capture_output=True, text=True)
    assert leftover.stdout.split() == []


def test_rerun_skips_unchanged_and_regrades_one_student(batch, tmp_path, capsys):
    submissions, out = tmp_path / "s", tmp_path / "o"
    submissions.mkdir()
    for name in ("ann", "ben"):
        (submissions / f"{name}.md").write_text(markdown_submission(CORRECT))
    grade_folder("rnn_basics", submissions, out, limits=LIMITS, progress=False)
    capsys.readouterr()
    grade_folder("rnn_basics", submissions, out, limits=LIMITS, progress=False)
    assert "0 graded now" in capsys.readouterr().out
    (submissions / "ben.md").write_text(markdown_submission("def rnn_step(*args):\n    return 0"))
    results = grade_folder("rnn_basics", submissions, out, student="ben", limits=LIMITS, progress=False)
    assert "1 graded now" in capsys.readouterr().out
    assert results["ben"].points == 0 and results["ann"].points == results["ann"].max_points
    with pytest.raises(ValueError, match="no submission for student 'carl'"):
        grade_folder("rnn_basics", submissions, out, student="carl", limits=LIMITS, progress=False)


def test_an_interrupted_run_keeps_the_students_already_graded(tmp_path, monkeypatch):
    submissions, out = tmp_path / "s", tmp_path / "o"
    submissions.mkdir()
    for name in ("a1", "a2", "a3"):
        (submissions / f"{name}.md").write_text(markdown_submission(CORRECT))
    real = sandbox.run_submission
    calls = []

    def interrupted_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox, "run_submission", interrupted_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        grade_folder("rnn_basics", submissions, out, jobs=1, limits=LIMITS, progress=False)
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [row["student"] for row in rows] == ["a1", "a2"]
    assert all(row["points"] == row["max_points"] for row in rows)


def test_unknown_assignment_and_bad_names_are_reported(tmp_path, capsys):
    (tmp_path / "bad name!.md").write_text(markdown_submission(CORRECT))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="no auto-graded exercises for chapter 'nope'"):
        grade_folder("nope", tmp_path, tmp_path / "out", progress=False)
    with pytest.raises(ValueError, match="no submissions in") as refused:
        grade_folder("rnn_basics", tmp_path, tmp_path / "out", limits=LIMITS, progress=False)
    assert "ignored 'bad name!.md'" in str(refused.value) and "'notes.txt'" in str(refused.value)
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_every_run_writes_the_lms_gradebooks_and_a_feedback_page(batch):
    results, out, _ = batch
    long_rows = list(csv.DictReader((out / "gradebook_long.csv").open()))
    tests = CHAPTER_TESTS
    assert len(long_rows) == len(results) * len(tests)
    assert set(long_rows[0]) == {"assignment", "student_id", "test", "points", "max_points", "status", "timestamp"}
    for row in long_rows:
        result = results[row["student_id"]]
        assert row["assignment"] == "rnn_basics" and row["status"] == result.status
        assert int(row["points"]) == result.tests[row["test"]].points
        assert row["timestamp"] == result.graded_at and row["timestamp"].endswith("+00:00")
    canvas = list(csv.DictReader((out / "canvas.csv").open()))
    assert list(canvas[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert {row["Student"]: int(row["rnn_basics"]) for row in canvas} == {n: r.points for n, r in results.items()}
    page = (out / "feedback" / "correct_first.html").read_text()
    assert f"{results['correct_first'].points} of {results['correct_first'].max_points}" in page
    assert page.count('class="pass"') == len(tests)


def test_grader_digest_changes_with_the_assignment():
    assert gradebook.grader_digest("lstm") != gradebook.grader_digest("bptt")
    assert gradebook.grader_digest("lstm") == gradebook.grader_digest("lstm")  # stable


def test_editing_an_exercise_regrades_the_cached_submissions(tmp_path, capsys, monkeypatch):
    """An instructor fixes an exercise's reference: the old grades must not survive."""
    submissions, out = tmp_path / "s", tmp_path / "o"
    submissions.mkdir()
    (submissions / "ann.md").write_text(markdown_submission(CORRECT))
    first = grade_folder("rnn_basics", submissions, out, limits=LIMITS, progress=False)
    assert first["ann"].points == first["ann"].max_points
    registered = gradebook.chapter_exercises
    step, *others = registered("rnn_basics")
    assert step.name == "rnn_step"

    def halved_reference(x_t, h_prev, W_xh, W_hh, b):
        return 0.5 * step.reference(x_t, h_prev, W_xh, W_hh, b)

    edited = [dataclasses.replace(step, reference=halved_reference), *others]
    monkeypatch.setattr(gradebook, "chapter_exercises",
                        lambda chapter: edited if chapter == "rnn_basics" else registered(chapter))
    capsys.readouterr()
    again = grade_folder("rnn_basics", submissions, out, limits=LIMITS, progress=False)
    assert "1 graded now" in capsys.readouterr().out
    assert again["ann"].points < again["ann"].max_points  # judged against the edited reference


def test_links_fifos_and_huge_files_are_refused_without_reading_them(tmp_path):
    submissions = tmp_path / "s"
    submissions.mkdir()
    (submissions / "link.md").symlink_to("/dev/zero")
    os.mkfifo(submissions / "fifo.md")
    with open(submissions / "huge.md", "wb") as f:
        f.truncate(10 * 2**30)  # sparse: 10 GiB that would take long to read
    results = grade_folder("rnn_basics", submissions, tmp_path / "o", limits=LIMITS, progress=False)
    assert {name: r.status for name, r in results.items()} == {"link": "malformed", "fifo": "malformed",
                                                               "huge": "malformed"}
    assert "larger than 2 MiB" in results["huge"].tests["rnn_step/small"].message


def test_a_grader_failure_costs_one_student_not_the_run(tmp_path, monkeypatch):
    submissions = tmp_path / "s"
    submissions.mkdir()
    for name in ("ok", "unlucky"):
        (submissions / f"{name}.md").write_text(markdown_submission(CORRECT))
    real = gradebook.grade_submission

    def flaky(student, *args):
        if student == "unlucky":
            raise RuntimeError("disk full")
        return real(student, *args)

    monkeypatch.setattr(gradebook, "grade_submission", flaky)
    results = grade_folder("rnn_basics", submissions, tmp_path / "o", limits=LIMITS, progress=False)
    assert results["ok"].points == results["ok"].max_points
    assert results["unlucky"].status == "grader-error"
    assert "disk full" in results["unlucky"].tests["rnn_step/small"].message
