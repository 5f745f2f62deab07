"""Grade a folder of submissions into ``gradebook.csv`` and ``feedback/NAME.json`` (and, by
:mod:`companion.grading.exports`, ``gradebook_long.csv``, ``canvas.csv`` and ``feedback/NAME.html``).

Each student is graded on their own: the submission is parsed here, its exercise cells run in a
confined child (:mod:`companion.grading.sandbox`) on hidden inputs drawn for this run, and the
child's arrays are compared here with the reference (:func:`companion.exercises.compare`).
Whatever happens to one student, the others are graded; the gradebook is rewritten atomically
after every student, so an interrupted run keeps what it finished, and a re-run skips students
whose submission and grader are unchanged.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import inspect
import io
import json
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from companion.exercises import Exercise, chapter_exercises, compare
from companion.progress import show_progress_default
from companion.grading import exports, notebooks, sandbox
from companion.grading.protocol import case_key

STUDENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
SUFFIXES = (".ipynb", ".md")


@dataclass
class TestResult:
    """The outcome of one hidden test for one student: pass or fail, points, and feedback."""

    passed: bool
    points: int
    max_points: int
    message: str


@dataclass
class StudentResult:
    """One row of the gradebook and the content of ``feedback/NAME.json``."""

    student: str
    assignment: str
    status: str  # graded, or why not: malformed, ambiguous, timeout, cpu-limit, crashed, ...
    points: int
    max_points: int
    tests: dict[str, TestResult]
    flags: list[str] = field(default_factory=list)
    submission_sha256: str = ""
    grader_digest: str = ""
    seconds: float = 0.0
    log_tail: str = ""
    graded_at: str = ""  # when, in UTC (ISO 8601)


def _source_of(function: Callable) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):  # built in, or made at run time: its name is all there is
        return getattr(function, "__qualname__", repr(type(function)))


def exercise_fingerprint(exercise: Exercise) -> str:
    """Everything that decides how an exercise is graded, as text: its signature, tolerances,
    the reference's source, and every case (name, points, gradients, how its inputs are drawn)."""
    cases = [(case.name, case.description, case.points, case.gradients,
              _source_of(case.make_inputs)) for case in exercise.cases]
    return repr((exercise.name, exercise.arguments, exercise.outputs, exercise.returns,
                 exercise.framework, exercise.rtol, exercise.atol, _source_of(exercise.reference),
                 cases))


def grader_digest(assignment: str) -> str:
    """Changes whenever anything that grading ``assignment`` runs changes, so that no cached
    result outlives it: every module of the companion (the grader, the exercise registry with its
    references, cases and tolerances, and the companion code the references call) and the
    fingerprint of each of the assignment's exercises as they are defined in this process."""
    package = Path(notebooks.__file__).resolve().parents[1]  # companion/
    digest = hashlib.sha256(assignment.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    for exercise in chapter_exercises(assignment):
        digest.update(exercise_fingerprint(exercise).encode())
    return digest.hexdigest()[:16]


def _clean(text: str, limit: int = 600) -> str:
    text = "".join(c if c.isprintable() or c == "\n" else "?" for c in text)
    return text if len(text) <= limit else text[:limit] + " ..."


def _all_failed(exercises: list[Exercise], message: str) -> dict[str, TestResult]:
    return {f"{ex.name}/{case.name}": TestResult(False, 0, case.points, message)
            for ex in exercises for case in ex.cases}


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _not_graded(student: str, assignment: str, exercises: list[Exercise], status: str,
                message: str) -> StudentResult:
    """A result of 0 points for a student whose submission could not be graded at all."""
    return StudentResult(student, assignment, status, 0, sum(ex.max_points for ex in exercises),
                         _all_failed(exercises, f"not graded: {message}"), graded_at=_now())


def grade_submission(student: str, path: Path, assignment: str, exercises: list[Exercise],
                     limits: sandbox.Limits, isolation: sandbox.Isolation) -> StudentResult:
    """Grade one file. Never raises for anything the file contains."""
    started = time.perf_counter()
    max_points = sum(ex.max_points for ex in exercises)

    def finish(status, tests, **extra):
        points = sum(t.points for t in tests.values()) if status == "graded" else 0
        return StudentResult(student, assignment, status, points, max_points, tests,
                             seconds=round(time.perf_counter() - started, 2), graded_at=_now(), **extra)

    try:
        data = read_submission(path)
        sha = hashlib.sha256(data).hexdigest()
        cells = notebooks.exercise_cells(data, path.suffix)
    except (notebooks.SubmissionError, OSError) as error:
        return finish("malformed", _all_failed(exercises, f"not graded: {error}"))
    flags = notebooks.suspicious_uses(cells)
    definitions = notebooks.defined_functions(cells)
    flags += [f"{ex.name} defined {definitions[ex.name]} times (the last one was graded)"
              for ex in exercises if definitions.get(ex.name, 0) > 1]

    rng = np.random.default_rng(secrets.randbits(128))
    inputs, expected = {}, {}
    for ex in exercises:
        for case in ex.cases:
            case_inputs = ex.inputs(case, rng)
            expected[ex.name, case.name] = ex.reference_outputs(case, case_inputs)
            inputs.update({case_key(ex.name, case.name, key): value
                           for key, value in case_inputs.items()})
    jobs = [{"meta": ex.meta(ex.cases[0]), "cases": [{"name": c.name, "gradients": c.gradients} for c in ex.cases]}
            for ex in exercises]
    preload_torch = any(ex.framework == "torch" for ex in exercises) or any("torch" in c for c in cells)
    run = sandbox.run_submission([{"index": i, "source": s} for i, s in enumerate(cells)], jobs, inputs,
                                 preload_torch, limits, isolation)
    common = dict(flags=flags, submission_sha256=sha, log_tail=_clean(run.log_tail, 2000))
    if run.status != "graded":
        return finish(run.status, _all_failed(exercises, f"not graded: {run.problem}"), **common)

    cell_errors = [_clean(bytes(v).decode("utf-8", "replace")) for k, v in sorted(run.outputs.items())
                   if k.startswith("cell|") and v.dtype == np.uint8]
    tests = {}
    for ex in exercises:
        for case in ex.cases:
            prefix = case_key(ex.name, case.name, "")
            got = {key[len(prefix):]: value for key, value in run.outputs.items() if key.startswith(prefix)}
            error = got.pop("error", None)
            if definitions.get(ex.name, 0) == 0:
                message = (f"no cell tagged `exercise` defines `{ex.name}` (was the cell deleted, renamed "
                           "or its tag removed?)")
            elif error is not None:
                text = _clean(bytes(error).decode("utf-8", "replace"))
                message = (f"`{ex.name}` is not written yet (it raises NotImplementedError)"
                           if text == "NotImplementedError" else f"on {case.description}, your function raised {text}")
                if cell_errors:
                    message += f" (an exercise cell also failed: {cell_errors[0]})"
            else:
                problem = compare(expected[ex.name, case.name], got, ex.rtol, ex.atol)
                message = "passed" if problem is None else f"on {case.description}: {problem}"
            passed = message == "passed"
            tests[f"{ex.name}/{case.name}"] = TestResult(passed, case.points if passed else 0, case.points, message)
    return finish("graded", tests, **common)


def read_submission(path: Path) -> bytes:
    """A submission's bytes: a regular file (not a link, a FIFO or a device) of at most the size limit.

    Raises:
        SubmissionError: otherwise.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise notebooks.SubmissionError(f"the file cannot be opened ({error.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise notebooks.SubmissionError("the submission is not a regular file")
        data = f.read(notebooks.MAX_SUBMISSION_BYTES + 1)
    if len(data) > notebooks.MAX_SUBMISSION_BYTES:
        raise notebooks.SubmissionError(f"the file is larger than {notebooks.MAX_SUBMISSION_BYTES // 2**20} MiB")
    return data


def _sha256_or_none(path: Path) -> str | None:
    try:
        return hashlib.sha256(read_submission(path)).hexdigest()
    except notebooks.SubmissionError:
        return None


def find_submissions(folder: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Submissions by student name, and the names of files that were ignored, with why."""
    by_student: dict[str, list[Path]] = {}
    ignored = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix not in SUFFIXES:
            ignored.append(f"{path.name!r}: not a .ipynb or .md file")
        elif not STUDENT_NAME.fullmatch(path.stem):
            ignored.append(f"{path.name!r}: a student name may hold only letters, digits, '.', '_' and '-'")
        else:
            by_student.setdefault(path.stem, []).append(path)
    return by_student, ignored


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _load_feedback(path: Path) -> StudentResult | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["tests"] = {k: TestResult(**v) for k, v in data["tests"].items()}
        return StudentResult(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def gradebook_csv(results: dict[str, StudentResult], exercises: list[Exercise]) -> str:
    """The CSV text: student, points, max_points, status, flags, then one column per test."""
    columns = [f"{ex.name}/{case.name}" for ex in exercises for case in ex.cases]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "points", "max_points", "status", "flags", *columns])
    for name in sorted(results):
        r = results[name]
        writer.writerow([r.student, r.points, r.max_points, r.status, "; ".join(r.flags),
                         *[r.tests[c].points if c in r.tests else "" for c in columns]])
    return buffer.getvalue()


def grade_folder(assignment: str, submissions: Path, out: Path, jobs: int = 2, student: str | None = None,
                 force: bool = False, limits: sandbox.Limits = sandbox.Limits(),
                 progress: bool | None = None, roster: Path | None = None,
                 canvas_title: str | None = None) -> dict[str, StudentResult]:
    """Grade every submission in a folder (or one student) and write the gradebook and feedback.

    Args:
        assignment: a chapter id with auto-graded exercises, such as ``"lstm"``.
        submissions: folder with one ``NAME.ipynb`` or ``NAME.md`` per student.
        out: output folder; receives ``gradebook.csv`` and ``feedback/NAME.json``.
        jobs: submissions graded at the same time.
        student: grade only this student, keeping everyone else's earlier results.
        force: re-grade even when the submission and the grader are unchanged.
        limits: per-submission time and memory limits.
        progress: show a progress bar (default: as for training, off under CI).
        roster: CSV mapping file names to students and sections (:func:`exports.read_roster`);
            it must list exactly the students in ``submissions``.
        canvas_title: the assignment's column name in ``canvas.csv`` (default: ``assignment``).

    Returns:
        Every student's result, by name (cached ones included).

    Raises:
        ValueError: before anything is written, for an unknown assignment, a missing or empty
            submissions folder, an unknown ``student`` or a roster that does not fit.
    """
    from tqdm import tqdm

    exercises = chapter_exercises(assignment)
    if not Path(submissions).is_dir():
        raise ValueError(f"the submissions folder {submissions} does not exist or is not a folder")
    by_student, ignored = find_submissions(submissions)
    if not by_student:
        raise ValueError(f"no submissions in {submissions}: expected one NAME.ipynb or NAME.md per student"
                         + (f"; ignored {'; '.join(ignored[:3])}" if ignored else ""))
    if student is not None and student not in by_student:
        raise ValueError(f"no submission for student {student!r} in {submissions}")
    students = None
    if roster is not None:
        students = exports.read_roster(roster)
        exports.check_roster(students, set(by_student))
    descriptions = {f"{ex.name}/{case.name}": f"{ex.name}: {case.description}" for ex in exercises
                    for case in ex.cases}
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    digest = grader_digest(assignment)
    isolation = sandbox.probe_isolation()
    results: dict[str, StudentResult] = {}
    todo = []
    for name, paths in by_student.items():
        previous = _load_feedback(feedback_dir / f"{name}.json")
        unchanged = (previous is not None and len(paths) == 1 and previous.grader_digest == digest
                     and previous.submission_sha256 == _sha256_or_none(paths[0]))
        if previous is not None and (student not in (None, name) or unchanged and not force):
            results[name] = previous
        elif len(paths) > 1:
            message = f"{len(paths)} files for one student ({', '.join(p.name for p in paths)})"
            results[name] = _not_graded(name, assignment, exercises, "ambiguous", message)
            results[name].grader_digest = digest
        elif student in (None, name):
            todo.append((name, paths[0]))
    lock = threading.Lock()

    def write_gradebooks() -> None:
        _write_atomically(out / "gradebook.csv", gradebook_csv(results, exercises))
        _write_atomically(out / "gradebook_long.csv", exports.gradebook_long_csv(results, exercises, _now()))
        _write_atomically(out / "canvas.csv", exports.canvas_csv(results, canvas_title or assignment, students))

    def record(result: StudentResult) -> None:
        with lock:
            results[result.student] = result
            _write_atomically(feedback_dir / f"{result.student}.json", json.dumps(asdict(result), indent=1))
            _write_atomically(feedback_dir / f"{result.student}.html", exports.feedback_html(result, descriptions))
            write_gradebooks()

    for result in list(results.values()):
        record(result)
    started = time.perf_counter()
    show = show_progress_default() if progress is None else progress
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(todo), desc=f"grading {assignment}", disable=not show) as bar:
        futures = {pool.submit(grade_submission, name, path, assignment, exercises, limits, isolation): name
                   for name, path in todo}
        for future in as_completed(futures):
            name = futures[future]
            try:
                result = future.result()
            except Exception as error:  # a bug in the grader itself: this student only, said plainly
                result = _not_graded(name, assignment, exercises, "grader-error", f"the grader failed ({error!r})")
            result.grader_digest = digest
            record(result)
            bar.update()
    with lock:
        write_gradebooks()
    _print_summary(results, len(todo), time.perf_counter() - started, ignored, isolation)
    return results


def _print_summary(results, graded_now, seconds, ignored, isolation) -> None:
    statuses: dict[str, int] = {}
    for result in results.values():
        statuses[result.status] = statuses.get(result.status, 0) + 1
    full = sum(r.points == r.max_points for r in results.values())
    print(f"{len(results)} students ({graded_now} graded now in {seconds:.1f} s, "
          f"{len(results) - graded_now} from earlier runs); {full} with full marks")
    print("status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    flagged = sorted(r.student for r in results.values() if r.flags)
    if flagged:
        print(f"flagged for review: {', '.join(flagged)}")
    for line in ignored:
        print(f"ignored {line}")
    print(f"isolation: {isolation.describe()}")
