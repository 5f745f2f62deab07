"""Reading submissions and making student copies: cells found, solutions gone."""
import json
import re

import pytest

from companion.grading import notebooks, release
from companion.grading.notebooks import SubmissionError
from tests.paths import BOOK, CHAPTERS


def test_exercise_cells_are_read_from_ipynb_with_string_or_list_sources():
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": ["a = 1\n", "b = 2"]},
                    {"cell_type": "code", "metadata": {}, "source": "c = 3"},
                    {"cell_type": "markdown", "metadata": {"tags": ["exercise"]}, "source": "text"},
                    {"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": "d = 4"}]}
    assert notebooks.exercise_cells(json.dumps(nb).encode(), ".ipynb") == ["a = 1\nb = 2", "d = 4"]


@pytest.mark.parametrize("data, suffix, message", [
    (b"\xff\xfe", ".md", "not UTF-8"),
    (b'{"cells": [', ".ipynb", "not valid JSON"),
    (b"[1, 2]", ".ipynb", "no list of cells"),
    (b'{"cells": [{"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": 5}]}', ".ipynb",
     "neither text"),
    (b"x" * (notebooks.MAX_SUBMISSION_BYTES + 1), ".md", "larger than"),
    (b"[" * 100000 + b"]" * 100000, ".ipynb", "not valid JSON"),
])
def test_malformed_files_raise_a_clear_error(data, suffix, message):
    with pytest.raises(SubmissionError, match=message):
        notebooks.exercise_cells(data, suffix)


def test_suspicious_uses_are_flagged_and_plain_code_is_not():
    assert notebooks.suspicious_uses(["import numpy as np\nimport math\ny = np.tanh(1)"]) == []
    flags = notebooks.suspicious_uses(["import os\nfrom subprocess import run\nopen('x')\n"
                                       "exec('1')\n().__class__.__bases__", "def ("])
    assert flags == [".__bases__", ".__class__", "exec()", "import os", "import subprocess",
                     "open()", "unparsable cell"]


def test_defined_functions_counts_top_level_definitions():
    assert notebooks.defined_functions(["def f(): pass\ndef g(): pass", "def f(): pass", "def ("]) == \
        {"f": 2, "g": 1}


def test_solution_code_is_replaced_keeping_signature_and_indentation():
    source = "def f(x):\n    \"\"\"Doc.\"\"\"\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    assert notebooks.strip_solution_code(source) == \
        "def f(x):\n    \"\"\"Doc.\"\"\"\n    # Your code here.\n    raise NotImplementedError\n"
    for broken in ("### BEGIN SOLUTION\nx", "### END SOLUTION", "### BEGIN SOLUTION\n### BEGIN SOLUTION"):
        with pytest.raises(ValueError):
            notebooks.strip_solution_code(broken)


def test_solution_directives_are_removed_across_cells():
    text = "Intro\n\n```{solution-start} ex\n:class: dropdown\n```\n\nSecret words"
    kept, inside = notebooks.strip_solution_markdown(text, False)
    assert (kept, inside) == ("Intro", True)
    kept, inside = notebooks.strip_solution_markdown("More secret\n```{solution-end}\n```\n\nAfter", True)
    assert (kept, inside) == ("After", False)
    kept, _ = notebooks.strip_solution_markdown("A\n````{solution} ex\nhidden\n```python\nx\n```\n````\nB", False)
    assert kept == "A\nB"


def _solution_lines(text: str) -> set[str]:
    """Distinctive lines of every solution in a chapter: code between the markers and the
    content of solution directives, minus lines that also appear outside solutions."""
    import jupytext
    cells = jupytext.reads(text, fmt="md:myst").cells
    secret, public, inside = set(), set(), False
    for cell in cells:
        lines = [line.strip() for line in cell.source.split("\n")]
        if cell.cell_type == "code":
            in_marked = False
            for line in lines:
                if line in (notebooks.BEGIN, notebooks.END):
                    in_marked = line == notebooks.BEGIN
                    continue
                (secret if inside or in_marked else public).add(line)
        else:
            for line in lines:
                if re.match(r"(`{3,}|:{3,})\{solution-start", line):
                    inside = True
                elif re.match(r"(`{3,}|:{3,})\{solution-end", line):
                    inside = False
                (secret if inside else public).add(line)
    return {line for line in secret - public if len(line) >= 12}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_solution_text_reaches_a_student_copy(chapter, released):
    tmp_path, written = released
    secrets = _solution_lines(chapter.read_text())
    assert secrets, "a chapter with exercises has solutions to hide"
    for suffix in (".md", ".ipynb"):
        copy = (tmp_path / f"{chapter.stem}{suffix}").read_text()
        if suffix == ".ipynb":
            copy = "\n".join("".join(c["source"]) for c in json.loads(copy)["cells"])
        leaked = [line for line in secrets if line in copy]
        assert not leaked, f"{chapter.name}{suffix} leaks {leaked[:3]}"
        assert "solution-start" not in copy and notebooks.BEGIN not in copy
    assert len(written) == 2 * len(CHAPTERS)


def test_student_copies_keep_the_exercise_cells_visible_and_unsolved(released):
    tmp_path, _ = released
    copy = json.loads((tmp_path / "03_lstm.ipynb").read_text())
    exercise = [c for c in copy["cells"] if "exercise" in c["metadata"].get("tags", [])]
    assert len(exercise) == 2   # lstm_step and lstm_step_backward
    for cell, signature in zip(exercise, ("def lstm_step(x_t, h_prev, C_prev, W, b):",
                                          "def lstm_step_backward(dh, dC, x_t, h_prev, C_prev, W, b):")):
        assert "hide-input" not in cell["metadata"]["tags"]
        assert signature in "".join(cell["source"])
        assert "raise NotImplementedError" in "".join(cell["source"])


def test_chapter_ids_and_paths():
    assert release.chapter_id(release.chapter_path("lstm", BOOK)) == "lstm"
    with pytest.raises(ValueError, match="no chapter 'nope'"):
        release.chapter_path("nope", BOOK)
