"""What a grading run writes next to ``gradebook.csv`` for the instructor's other tools: a long
gradebook (one row per student and test, in nbgrader's column names), a gradebook in Canvas's
import format, and a feedback page per student.

Canvas matches a row to a student by its ``ID``, ``SIS User ID`` or ``SIS Login ID`` column, so
those come from an optional roster that maps each submission's file name to the student; without a
roster the file name stands in for the name and ``SIS User ID``. The feedback page says what passed
and what failed, with the hint :func:`companion.exercises.compare` gives, but without the reference's
numbers: a student who could read them off the page could copy them into the next submission.
"""
from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

LONG_COLUMNS = ("assignment", "student_id", "test", "points", "max_points", "status", "timestamp")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
ROSTER_COLUMNS = ("file", "name", "canvas_id", "sis_user_id", "sis_login_id", "section")

# "expected 0.25, got 0.3" and "first at index [0, 2]": the reference's values and where they sit
_REFERENCE_VALUES = re.compile(r"; first at index \[[^\]]*\]: expected [^,]+, got \S+?\.(?=\s|$)")
_FACTOR = re.compile(r"off by the same factor, [^ ]+ ")


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster: the submission's file name (without suffix) and the LMS's ids."""

    file: str
    name: str
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def read_roster(path: Path) -> dict[str, RosterEntry]:
    """Read a roster CSV: a header with ``file`` and ``name`` and, optionally, ``canvas_id``,
    ``sis_user_id``, ``sis_login_id`` and ``section``; one row per student.

    Returns:
        The entries by file name.

    Raises:
        ValueError: if the file is missing or empty, a required column is missing, a column is
            unknown, or a file name is empty or appears twice; the message names the row.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ValueError(f"cannot read the roster {path}: {error.strerror}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in ("file", "name") if c not in header]
    unknown = [c for c in header if c not in ROSTER_COLUMNS]
    if missing or unknown:
        raise ValueError(f"roster {path}: columns must be {', '.join(ROSTER_COLUMNS)} (file and name "
                         f"required); missing {missing}, unknown {unknown}")
    roster: dict[str, RosterEntry] = {}
    for line, row in enumerate(reader, start=2):
        entry = RosterEntry(**{key: (row.get(key) or "").strip() for key in header})
        if not entry.file:
            raise ValueError(f"roster {path}, line {line}: the file column is empty")
        if entry.file in roster:
            raise ValueError(f"roster {path}, line {line}: {entry.file!r} appears twice")
        roster[entry.file] = entry
    if not roster:
        raise ValueError(f"roster {path} has no students")
    return roster


def check_roster(roster: dict[str, RosterEntry], students: set[str]) -> None:
    """Refuse a roster that does not describe exactly the students being graded.

    Raises:
        ValueError: naming the roster's students without a submission and the submissions
            without a roster entry.
    """
    unknown, unlisted = sorted(set(roster) - students), sorted(students - set(roster))
    if unknown or unlisted:
        parts = []
        if unknown:
            parts.append(f"the roster names {len(unknown)} student(s) with no submission: {', '.join(unknown[:5])}")
        if unlisted:
            parts.append(f"{len(unlisted)} submission(s) are not on the roster: {', '.join(unlisted[:5])}")
        raise ValueError("; ".join(parts))


def gradebook_long_csv(results: dict, exercises: list, timestamp: str) -> str:
    """One row per student and test: ``assignment, student_id, test, points, max_points, status,
    timestamp`` (``status`` is the submission's status, ``timestamp`` when it was graded)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LONG_COLUMNS)
    tests = [f"{ex.name}/{case.name}" for ex in exercises for case in ex.cases]
    for name in sorted(results):
        result = results[name]
        for test in tests:
            outcome = result.tests.get(test)
            writer.writerow([result.assignment, result.student, test, outcome.points if outcome else 0,
                             outcome.max_points if outcome else "", result.status,
                             result.graded_at or timestamp])
    return buffer.getvalue()


def canvas_csv(results: dict, assignment_title: str, roster: dict[str, RosterEntry] | None = None) -> str:
    """Canvas's gradebook import format: ``Student, ID, SIS User ID, SIS Login ID, Section`` and
    one column, named ``assignment_title``, holding each student's points."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*CANVAS_COLUMNS, assignment_title])
    for name in sorted(results):
        entry = (roster or {}).get(name) or RosterEntry(file=name, name=name, sis_user_id=name)
        writer.writerow([entry.name, entry.canvas_id, entry.sis_user_id, entry.sis_login_id, entry.section,
                         results[name].points])
    return buffer.getvalue()


def plain_hint(message: str) -> str:
    """A test's message without the reference's numbers (the hint in words stays)."""
    message = _REFERENCE_VALUES.sub(".", message)
    return _FACTOR.sub("off by the same factor everywhere ", message)


def feedback_html(result, descriptions: dict[str, str]) -> str:
    """A student's feedback page: the total, then every test with what it checks and the outcome.

    Args:
        result: a :class:`companion.grading.gradebook.StudentResult`.
        descriptions: what each test checks, by ``exercise/case``.
    """
    def cell(text: str) -> str:
        return f"<td>{html.escape(text)}</td>"

    rows = []
    for test, outcome in result.tests.items():
        verdict = "passed" if outcome.passed else "not yet"
        points = f"{outcome.points} / {outcome.max_points}"
        hint = "" if outcome.passed else plain_hint(outcome.message)
        rows.append(f'<tr class="{"pass" if outcome.passed else "fail"}">{cell(test)}'
                    f"{cell(descriptions.get(test, ''))}{cell(verdict)}{cell(points)}{cell(hint)}</tr>")
    status = "" if result.status == "graded" else (
        f"<p><strong>Your submission could not be graded ({html.escape(result.status)}).</strong> "
        "Every test below says why.</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Feedback: {html.escape(result.assignment)}, {html.escape(result.student)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #1a1a1a; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 0.4em; text-align: left; vertical-align: top; }}
tr.pass td:nth-child(3) {{ color: #1b5e20; }}
tr.fail td:nth-child(3) {{ color: #8b1a1a; font-weight: bold; }}
</style></head>
<body>
<main>
<h1>Feedback on {html.escape(result.assignment)} for {html.escape(result.student)}</h1>
<p>You scored <strong>{result.points} of {result.max_points}</strong> points.</p>
{status}
<table>
<caption>Each hidden test, what it checks, and what happened</caption>
<thead><tr><th scope="col">test</th><th scope="col">what it checks</th><th scope="col">result</th>
<th scope="col">points</th><th scope="col">hint</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p>The inputs are drawn at random for every grading run, so run <code>check_exercise</code> in your
notebook to try your function on inputs of your own.</p>
</main>
</body>
</html>
"""
