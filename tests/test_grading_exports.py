"""companion.grading.exports: the long and Canvas gradebooks, the roster and the feedback page."""
import csv
import io

import numpy as np
import pytest

from companion.exercises import EXERCISES, compare
from companion.grading import exports
from companion.grading.gradebook import StudentResult
from companion.grading.gradebook import TestResult as Outcome  # not collected as a test class

EXERCISE = EXERCISES["rnn_step"]
TESTS = [f"rnn_step/{case.name}" for case in EXERCISE.cases]


def _result(name, passed, status="graded", message="on a batch: `h` differs"):
    tests = {t: Outcome(p, case.points if p else 0, case.points, "passed" if p else message)
             for t, case, p in zip(TESTS, EXERCISE.cases, passed)}
    return StudentResult(name, "rnn_basics", status, sum(t.points for t in tests.values()),
                         EXERCISE.max_points, tests, graded_at="2026-12-02T03:00:00+00:00")


RESULTS = {"ada": _result("ada", [True] * 4), "ben": _result("ben", [True, False, True, False]),
           "cy": _result("cy", [False] * 4, status="timeout")}


def test_the_long_gradebook_has_one_row_per_student_and_test():
    rows = list(csv.DictReader(io.StringIO(exports.gradebook_long_csv(RESULTS, [EXERCISE], "now"))))
    assert len(rows) == 3 * len(TESTS) and tuple(rows[0]) == exports.LONG_COLUMNS
    ben = [r for r in rows if r["student_id"] == "ben"]
    assert [int(r["points"]) for r in ben] == [t.points for t in RESULTS["ben"].tests.values()]
    assert {r["status"] for r in rows if r["student_id"] == "cy"} == {"timeout"}
    assert sum(int(r["points"]) for r in rows) == sum(r.points for r in RESULTS.values())


def test_canvas_rows_carry_the_roster_ids_and_the_points(tmp_path):
    roster_file = tmp_path / "roster.csv"
    roster_file.write_text("file,name,canvas_id,sis_user_id,sis_login_id,section\n"
                           "ada,\"Lovelace, Ada\",101,S1,ada@uni,A\nben,Ben Bo,102,S2,ben@uni,B\n"
                           "cy,Cy Young,103,S3,cy@uni,A\n")
    roster = exports.read_roster(roster_file)
    rows = list(csv.reader(io.StringIO(exports.canvas_csv(RESULTS, "RNN step (auto)", roster))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "RNN step (auto)"]
    assert rows[1] == ["Lovelace, Ada", "101", "S1", "ada@uni", "A", str(RESULTS["ada"].points)]
    assert [r[-1] for r in rows[1:]] == [str(RESULTS[n].points) for n in ("ada", "ben", "cy")]
    plain = list(csv.reader(io.StringIO(exports.canvas_csv(RESULTS, "t"))))
    assert plain[2][:3] == ["ben", "", "ben"]  # without a roster the file name is name and SIS id


@pytest.mark.parametrize("text,problem", [
    ("name,file,colour\nada,ada,red\n", "unknown \\['colour'\\]"),
    ("file,canvas_id\nada,1\n", "missing \\['name'\\]"),
    ("file,name\nada,Ada\nada,Ada again\n", "line 3: 'ada' appears twice"),
    ("file,name\n,Nobody\n", "line 2: the file column is empty"),
    ("file,name\n", "no students"),
])
def test_bad_rosters_are_refused_with_the_line(tmp_path, text, problem):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=problem):
        exports.read_roster(path)
    with pytest.raises(ValueError, match="cannot read the roster"):
        exports.read_roster(tmp_path / "missing.csv")


def test_a_roster_must_fit_the_submissions():
    roster = {n: exports.RosterEntry(n, n.title()) for n in ("ada", "ben", "zed")}
    with pytest.raises(ValueError, match="with no submission: zed; 1 submission\\(s\\) are not on the roster: cy"):
        exports.check_roster(roster, {"ada", "ben", "cy"})
    exports.check_roster(roster, {"ada", "ben", "zed"})


def test_feedback_pages_keep_the_hint_and_drop_the_reference_values():
    want = {"h": np.array([[0.123456, 0.5], [0.25, -1.5]])}
    got = {"h": np.array([[0.123456, 0.5], [0.75, -1.5]])}
    message = "on a batch of 3: " + compare(want, got, 1e-6, 1e-9)
    assert "0.25" in message and "0.75" in message           # what the JSON keeps for the instructor
    scaled = "on a batch: " + compare(want, {"h": want["h"] * 2}, 1e-6, 1e-9)
    result = _result("ben", [True, False, True, False], message=message)
    result.tests[TESTS[3]] = Outcome(False, 0, 2, scaled)
    page = exports.feedback_html(result, {t: f"what {t} checks" for t in TESTS})
    assert "0.25" not in page and "0.75" not in page and "index [1, 0]" not in page
    assert "differs from the reference in 1 of 4 entries" in page
    assert "off by the same factor everywhere" in page and "(a mean instead of a sum?)" in page
    assert page.count('class="pass"') == 2 and page.count('class="fail"') == 2
    assert f"{result.points} of {result.max_points}" in page and "what rnn_step/small checks" in page


def test_feedback_pages_escape_what_a_student_controls():
    result = _result("eve", [False] * 4, message="on x: your function raised <script>alert(1)</script>")
    page = exports.feedback_html(result, {})
    assert "<script>" not in page and "&lt;script&gt;" in page
    timeout = exports.feedback_html(_result("cy", [False] * 4, status="timeout"), {})
    assert "could not be graded (timeout)" in timeout
