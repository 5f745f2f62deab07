"""The student edition: the sources of a second book in which no solution appears.

``make student`` builds it. The chapters come with the outputs of the full build's executions,
taken from its execution cache (jupyter-cache, matched to each chapter's code as myst-nb matches
them), so the student edition shows the same figures and numbers without running anything again;
from each one :func:`companion.grading.release.strip_notebook` removes the solutions exactly as for the
released student copies, and the outputs of the ``check_exercise`` cells (which say PASSED for the
reference solution) are cleared. Every other page is linked in unchanged, except that references
to a chapter's glued numbers name the ``.ipynb`` the chapter now is. The book's configuration is
the full edition's with execution off and sphinx-exercise's ``hide_solutions`` on.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from companion.grading.release import chapter_files, strip_notebook

CHECK_CALL = "check_exercise("
_GLUE_PATH = re.compile(r"(\b\d\d_[A-Za-z0-9_]+)\.md::")


def student_notebook(executed):
    """An executed chapter notebook (nbformat) without solutions and without check results."""
    notebook = strip_notebook(executed)
    for cell in notebook.cells:
        if cell.cell_type == "code" and CHECK_CALL in cell.source:
            cell.outputs, cell.execution_count = [], None
        if cell.cell_type == "markdown":
            cell.source = _GLUE_PATH.sub(r"\1.ipynb::", cell.source)
    return notebook


def student_config(config_text: str) -> str:
    """The full edition's ``_config.yml`` with execution off and solutions hidden."""
    import yaml

    config = yaml.safe_load(config_text)
    config["title"] = f"{config.get('title', 'Book')} (student edition)"
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    return yaml.safe_dump(config, sort_keys=False)


def _link(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target.resolve(), link)


def executed_chapter(path: Path, cache):
    """The chapter at ``path`` as a notebook with its cached outputs, or ``None`` if the cache
    holds no execution of its current code."""
    import jupytext
    import nbformat

    notebook = nbformat.from_dict(jupytext.read(path, fmt="md:myst"))
    try:
        _, merged = cache.merge_match_into_notebook(notebook, nb_meta=("kernelspec", "language_info", "widgets"))
    except KeyError:
        return None
    return merged


def instructor_stub(text: str) -> str:
    """A page's label and title, and a line saying the page is in the full edition only."""
    label = re.search(r"^\(([\w-]+)\)=$", text, re.M)
    title = re.search(r"^# (.+)$", text, re.M)
    head = f"({label.group(1)})=\n" if label else ""
    name = title.group(1) if title else "Instructors"
    return (f"{head}# {name}\n\nThis page is for instructors: it is part of the full edition of the book, "
            "not of this student edition.\n")


def write_sources(root: Path, book: Path, cache_path: Path, out: Path, linked: tuple[str, ...],
                  instructor_only: tuple[str, ...] = ()) -> list[Path]:
    """Write the student edition's sources into ``out`` (emptied first).

    Args:
        root: the folder holding ``_config.yml`` and ``_toc.yml``.
        book: the chapters' folder (its other files are linked, its pages rewritten).
        cache_path: the full build's execution cache (``_build/.jupyter_cache``).
        out: the student edition's source folder.
        linked: folders beside ``book`` that pages include code from (e.g. ``companion``).
        instructor_only: pages of ``book`` (file names) that become a one-line stub keeping their
            label and title, such as the instructor guide, whose worked example holds solutions.

    Returns:
        The chapter notebooks written.

    Raises:
        ValueError: if a chapter's current code has no execution in the cache (build the full
            edition first); nothing is written then.
    """
    import nbformat
    from jupyter_cache import get_cache

    if not Path(cache_path).is_dir():
        raise ValueError(f"no execution cache at {cache_path}: build the full book first (make book)")
    cache = get_cache(cache_path)
    chapters = chapter_files(book)
    executed = {path.name: executed_chapter(path, cache) for path in chapters}
    missing = [name for name, notebook in executed.items() if notebook is None]
    if missing:
        raise ValueError(f"no execution of the current code in {cache_path} for {', '.join(missing)}: "
                         "build the full book first (make book)")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "_config.yml").write_text(student_config((root / "_config.yml").read_text()))
    shutil.copy(root / "_toc.yml", out / "_toc.yml")
    for name in linked:
        _link(root / name, out / name)
    target = out / book.name
    target.mkdir()
    chapter_names = {p.name for p in chapters}
    for path in sorted(book.iterdir()):
        if path.name in chapter_names or path.name.startswith("."):
            continue
        if path.name in instructor_only:
            (target / path.name).write_text(instructor_stub(path.read_text()))
        elif path.suffix == ".md":
            (target / path.name).write_text(_GLUE_PATH.sub(r"\1.ipynb::", path.read_text()))
        else:
            _link(path, target / path.name)
    written = []
    for path in chapters:
        notebook = student_notebook(executed[path.name])
        destination = target / f"{path.stem}.ipynb"
        nbformat.write(notebook, destination)
        written.append(destination)
    return written
