"""The ``exercise-table`` directive: the instructor guide's table of auto-graded exercises, written
from the registry :data:`companion.exercises.EXERCISES` at build time, so that it can never list
fewer exercises, or other signatures, than the grader knows.

Rows follow the chapters' order (their file names, ``NN_<chapter id>.md``) and, within a chapter,
the registry's order; each chapter cell is a reference to the chapter's label, its id with
hyphens for underscores.
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def chapter_order(book: Path) -> dict[str, int]:
    """Chapter id -> position, from the numbered chapter files in ``book`` (``.md``, or ``.ipynb``
    as in the student edition)."""
    from companion.grading.release import chapter_id

    files = sorted({p.with_suffix(".md") for suffix in ("md", "ipynb") for p in book.glob(f"[0-9][0-9]_*.{suffix}")})
    return {chapter_id(path): position for position, path in enumerate(files)}


def table_rows(exercises, order: dict[str, int]) -> list[str]:
    """The table as MyST Markdown lines (the guide is a MyST page, and its parser reads them)."""
    unknown = sorted({e.chapter for e in exercises} - set(order))
    if unknown:
        raise ValueError(f"exercises registered for chapters with no chapter file: {unknown}")
    lines = ["| chapter | function | what it computes |", "|---|---|---|"]
    ranked = sorted(enumerate(exercises), key=lambda item: (order[item[1].chapter], item[0]))
    for _, exercise in ranked:
        label = exercise.chapter.replace("_", "-")
        lines.append(f"| {{ref}}`{label}` | `{exercise.name}({', '.join(exercise.arguments)})` | {exercise.summary} |")
    return lines


class ExerciseTable(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from companion.exercises import EXERCISES

        # the table depends on the registry, not on the page: read the page again on every build
        self.env.exercise_table_docs = getattr(self.env, "exercise_table_docs", set()) | {self.env.docname}
        page = Path(self.env.doc2path(self.env.docname))  # the guide sits beside the chapters
        rows = table_rows(list(EXERCISES.values()), chapter_order(page.parent))
        container = nodes.container()
        self.state.nested_parse(StringList(rows, source="exercise-table"), self.content_offset, container)
        return container.children


def _pages_with_a_table(app, env, added, changed, removed) -> list[str]:
    return sorted(doc for doc in getattr(env, "exercise_table_docs", set()) if doc in env.found_docs)


def _merge(app, env, docnames, other) -> None:
    env.exercise_table_docs = getattr(env, "exercise_table_docs", set()) | getattr(other, "exercise_table_docs", set())


def setup(app):
    app.add_directive("exercise-table", ExerciseTable)
    app.connect("env-get-outdated", _pages_with_a_table)
    app.connect("env-merge-info", _merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
