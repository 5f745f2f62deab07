"""Collect every chapter (a MyST markdown notebook) as an nbval test.

nbval runs ``.ipynb`` files, so each chapter is converted with jupytext into the git-ignored
``_build/nbval/`` folder and handed to nbval's collector; every code cell becomes one test that
fails if the cell raises. Freshly converted notebooks have no stored outputs to compare, so the
run uses ``--nbval-lax`` (set in pyproject.toml) and each chapter asserts its own key facts.

Run one chapter:  .venv/bin/python -m pytest book/01_rnn_basics.md
"""
from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import py
from nbval.plugin import IPyNbFile

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "_build" / "nbval"


def _is_chapter(path: Path) -> bool:
    """A chapter is a .md file in book/ whose jupytext front matter names a kernel."""
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "jupytext:" in head and "kernelspec:" in head


class ChapterNotebook(IPyNbFile):
    """nbval's notebook collector, registered under the chapter's own ``.md`` path.

    pytest selects tests by the path they were collected from, so keeping the ``.md`` path makes
    ``pytest book/02_bptt.md`` run that chapter; nbval itself reads ``fspath``, which points at
    the converted notebook.
    """

    notebook_path: Path

    @property
    def fspath(self):
        return py.path.local(self.notebook_path)


def pytest_collect_file(file_path: Path, parent):
    if not _is_chapter(file_path):
        return None
    if not (parent.config.option.nbval or parent.config.option.nbval_lax):
        return None
    NOTEBOOK_DIR.mkdir(parents=True, exist_ok=True)
    notebook_path = NOTEBOOK_DIR / (file_path.stem + ".ipynb")
    nbformat.write(jupytext.read(file_path), notebook_path)
    chapter = ChapterNotebook.from_parent(parent, path=file_path)
    chapter.notebook_path = notebook_path
    return chapter
