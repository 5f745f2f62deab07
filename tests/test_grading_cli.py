"""python -m companion.grading: bad arguments get one clear line and exit status 2, and nothing is
written."""
import subprocess
import sys

import pytest

from tests.paths import BOOK, ROOT


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "companion.grading", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _one_line_error(run, fragment):
    assert run.returncode == 2, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines and fragment in lines[-1], run.stderr
    return lines


@pytest.fixture
def submissions(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ada.md").write_text("```python\nx = 1\n```\n")
    return folder


def test_a_missing_submissions_folder(tmp_path):
    run = _run("grade", "rnn_basics", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert len(_one_line_error(run, "does not exist or is not a folder")) == 1
    assert not (tmp_path / "out").exists()


def test_an_unknown_assignment(submissions, tmp_path):
    run = _run("grade", "no_such_chapter", submissions, "--out", tmp_path / "out")
    assert len(_one_line_error(run, "no auto-graded exercises for chapter 'no_such_chapter'")) == 1
    assert not (tmp_path / "out").exists()


def test_an_empty_submissions_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    run = _run("grade", "rnn_basics", tmp_path / "empty", "--out", tmp_path / "out")
    assert len(_one_line_error(run, "no submissions in")) == 1
    assert not (tmp_path / "out").exists()


def test_a_roster_naming_unknown_students(submissions, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("file,name\nada,Ada\nbob,Bob\n")
    run = _run("grade", "rnn_basics", submissions, "--out", tmp_path / "out", "--roster", roster)
    assert len(_one_line_error(run, "the roster names 1 student(s) with no submission: bob")) == 1
    assert not (tmp_path / "out").exists()


def test_a_missing_option_and_an_unknown_command_are_usage_errors(submissions, tmp_path):
    _one_line_error(_run("grade", "rnn_basics", submissions), "the following arguments are required: --out")
    _one_line_error(_run("publish"), "invalid choice: 'publish'")


def test_release_refuses_a_folder_that_is_not_a_book(tmp_path):
    run = _run("release", "--out", tmp_path / "out", "--book", tmp_path / "nope")
    assert len(_one_line_error(run, "is not a folder of chapters")) == 1
    assert not (tmp_path / "out").exists()
    assert BOOK.is_dir()
