"""Student copies of the chapters: every solution replaced or removed, in ``.md`` and ``.ipynb``."""
from __future__ import annotations

from pathlib import Path

from companion.grading.notebooks import EXERCISE_TAG, strip_solution_code, strip_solution_markdown

_HIDING_TAGS = {"hide-input", "remove-input", "hide-cell"}


def chapter_files(book: Path) -> list[Path]:
    """The chapters in the folder ``book``, ``NN_name.md``, in order."""
    return sorted(book.glob("[0-9][0-9]_*.md"))


def chapter_id(path: Path) -> str:
    """``01_rnn_basics.md`` -> ``rnn_basics``: the id that assignments and exercises use."""
    return path.stem.split("_", 1)[1]


def chapter_path(chapter: str, book: Path) -> Path:
    """The chapter file for an id; ValueError listing the ids when there is none."""
    for path in chapter_files(book):
        if chapter_id(path) == chapter:
            return path
    raise ValueError(f"no chapter {chapter!r}; chapters: {[chapter_id(p) for p in chapter_files(book)]}")


def strip_notebook(notebook):
    """A chapter notebook (nbformat or jupytext) with its solutions stripped, in place.

    Exercise cells keep their signature and docstring, the solution between the markers becomes
    ``raise NotImplementedError``, and their hiding tag is dropped so the learner sees them;
    sphinx-exercise solutions (``solution-start`` ... ``solution-end`` and ``{solution}``) are
    removed with every code cell inside them.
    """
    kept, inside = [], False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source, inside = strip_solution_markdown(cell.source, inside)
            if cell.source.strip():
                kept.append(cell)
        elif not inside:
            tags = cell.metadata.get("tags", [])
            if EXERCISE_TAG in tags:
                cell.source = strip_solution_code(cell.source)
                cell.metadata["tags"] = [tag for tag in tags if tag not in _HIDING_TAGS]
                if "outputs" in cell:
                    cell.outputs, cell.execution_count = [], None
            kept.append(cell)
    notebook.cells = kept
    return notebook


def student_copy(text: str):
    """The jupytext notebook of a chapter (MyST text) with its solutions stripped: see
    :func:`strip_notebook`."""
    import jupytext

    return strip_notebook(jupytext.reads(text, fmt="md:myst"))


def release(out: Path, book: Path) -> list[Path]:
    """Write the student copy of every chapter into ``out`` as ``NN_name.md`` and ``NN_name.ipynb``.

    Returns:
        The files written.
    """
    import jupytext

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in chapter_files(book):
        notebook = student_copy(path.read_text(encoding="utf-8"))
        for suffix, fmt in ((".md", "md:myst"), (".ipynb", "ipynb")):
            target = out / f"{path.stem}{suffix}"
            jupytext.write(notebook, target, fmt=fmt)
            written.append(target)
    return written
