"""Reading chapters and submissions: exercise cells out, solutions stripped for student copies.

A submission is untrusted text. It is read with a size limit, must be UTF-8, and is parsed as
JSON (``.ipynb``) or as a MyST markdown notebook (``.md``, by jupytext) in the grader's process,
which never executes it; only the source of cells tagged ``exercise`` is kept.
"""
from __future__ import annotations

import ast
import json
import re

MAX_SUBMISSION_BYTES = 2 * 2**20
EXERCISE_TAG = "exercise"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# Modules and calls an exercise never needs; their use is flagged for the instructor to read.
_SUSPICIOUS_MODULES = {"os", "sys", "subprocess", "socket", "ctypes", "signal", "shutil", "pickle",
                       "importlib", "builtins", "threading", "multiprocessing", "gc", "inspect", "companion"}
_SUSPICIOUS_CALLS = {"open", "exec", "eval", "compile", "__import__", "globals", "getattr", "setattr"}


class SubmissionError(ValueError):
    """The file cannot be read as a notebook; the message says why, for the student."""


def _tags(cell: dict) -> list:
    metadata = cell.get("metadata")
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
    return tags if isinstance(tags, list) else []


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise SubmissionError("a cell's source is neither text nor a list of lines")


def exercise_cells(data: bytes, suffix: str) -> list[str]:
    """The sources of the code cells tagged ``exercise``, in order.

    Args:
        data: the file's bytes.
        suffix: ``".ipynb"`` or ``".md"``.

    Raises:
        SubmissionError: if the file is too large, not UTF-8, or not a notebook.
    """
    if len(data) > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"the file is larger than {MAX_SUBMISSION_BYTES // 2**20} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SubmissionError(f"the file is not UTF-8 text (byte {error.start})") from None
    if suffix == ".ipynb":
        try:
            notebook = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise SubmissionError(f"the notebook is not valid JSON ({str(error)[:100]})") from None
        cells = notebook.get("cells") if isinstance(notebook, dict) else None
        if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
            raise SubmissionError("the notebook has no list of cells")
    else:
        import jupytext
        try:
            cells = jupytext.reads(text, fmt="md:myst").cells
        except Exception as error:  # jupytext's parse errors have no common base class
            raise SubmissionError(f"the markdown notebook could not be read ({type(error).__name__})") from None
    return [_source(cell) for cell in cells
            if cell.get("cell_type") == "code" and EXERCISE_TAG in _tags(cell)]


def defined_functions(sources: list[str]) -> dict[str, int]:
    """How many times each top-level function is defined across the cells (unparsable cells: none)."""
    counts: dict[str, int] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                counts[node.name] = counts.get(node.name, 0) + 1
    return counts


def suspicious_uses(sources: list[str]) -> list[str]:
    """Imports and calls an exercise does not need (``os``, ``open``, ``exec``, ...), for review.

    Flags do not change a score; they point the instructor at what to read.
    """
    found = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            found.add("unparsable cell")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(f"import {a.name}" for a in node.names if a.name.split(".")[0] in _SUSPICIOUS_MODULES)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in _SUSPICIOUS_MODULES:
                found.add(f"import {node.module}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _SUSPICIOUS_CALLS:
                found.add(f"{node.func.id}()")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr != "__init__":
                found.add(f".{node.attr}")
    return sorted(found)


# ----- student copies ---------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{(solution-start|solution-end|solution)\}")


def strip_solution_code(source: str) -> str:
    """Replace each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block with ``raise NotImplementedError``.

    Raises:
        ValueError: on an unmatched marker.
    """
    lines, inside = [], False
    for line in source.split("\n"):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            lines += [f"{indent}# Your code here.", f"{indent}raise NotImplementedError"]
        elif marker == END:
            if not inside:
                raise ValueError(f"{END} without {BEGIN}")
            inside = False
        elif not inside:
            lines.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(lines)


def strip_solution_markdown(text: str, inside: bool) -> tuple[str, bool]:
    """Remove sphinx-exercise solutions from one markdown cell.

    Args:
        text: the cell's markdown.
        inside: whether an earlier cell opened a ``solution-start`` that is not closed yet.

    Returns:
        The remaining text, and whether a solution is still open at the cell's end (the code
        cells until it closes belong to the solution and are dropped by the caller).
    """
    kept, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        if match:
            fence, kind = match.group(1), match.group(2)
            close = next((k for k in range(i + 1, len(lines)) if lines[k].strip() == fence), len(lines) - 1)
            inside = {"solution-start": True, "solution-end": False}.get(kind, inside)
            i = close + 1
            continue
        if not inside:
            kept.append(lines[i])
        i += 1
    return "\n".join(kept).strip("\n"), inside
