"""Lint, as part of ``make test``: ruff on the package, tests, benchmarks, the book's extensions
and every chapter's code cells; codespell on the prose and the code. The configuration is in
pyproject.toml (``[tool.ruff]``, ``[tool.codespell]``)."""
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE = ["companion", "tests", "benchmarks", "book/_ext"]
# A chapter is a notebook: its imports may come in later cells (E402), and an exercise cell
# imports numpy again so that it runs on its own (F811).
CHAPTER_IGNORES = "E402,F811"


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing_in_the_code():
    result = run("ruff", "check", "--no-cache", *CODE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing_in_the_chapters_code_cells(tmp_path):
    for chapter in sorted((ROOT / "book").glob("*.md")):
        if "jupytext:" not in chapter.read_text()[:400]:
            continue
        cells = [c.source for c in jupytext.read(chapter).cells if c.cell_type == "code"]
        (tmp_path / f"{chapter.stem.replace('-', '_')}.py").write_text("\n\n\n".join(cells) + "\n")
    result = run("ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"),
                 "--extend-ignore", CHAPTER_IGNORES, str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_codespell_finds_nothing():
    result = run("codespell_lib", "book", "README.md", *CODE)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("tool, source, expected", [
    ("ruff", "import os\n", "F401"),
    ("codespell", "The rec" + "ieved value.\n", "received"),  # split, or this file misspells it
])
def test_the_linters_catch_a_planted_mistake(tmp_path, tool, source, expected):
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    command = ("ruff", "check", "--no-cache", str(planted)) if tool == "ruff" else ("codespell_lib", str(planted))
    result = run(*command)
    assert result.returncode != 0 and expected in result.stdout
