"""Fixtures shared by the tests: the student copies of every chapter, made once per run."""
from pathlib import Path

import pytest

from companion.grading import release
from tests.paths import BOOK


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> tuple[Path, list[Path]]:
    """The student copies of every chapter, written once per test run: ``(folder, files)``."""
    folder = tmp_path_factory.mktemp("student")
    return folder, release.release(folder, BOOK)
