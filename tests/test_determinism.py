"""Seeded chapters glue the same numbers every time: one chapter, executed twice, compared."""
from pathlib import Path

import jupytext
import nbclient
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "01_rnn_basics.md"


def glued_values(chapter: Path) -> dict[str, str]:
    """Execute a chapter in a fresh kernel and return every glued name with its plain-text value."""
    notebook = jupytext.read(chapter)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(chapter.parent)}}).execute()
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = output["data"].get("text/plain", repr(sorted(output["data"])))
    return values


@pytest.mark.slow
def test_a_chapter_glues_identical_values_on_two_runs(monkeypatch):
    monkeypatch.setenv("COMPANION_PROGRESS", "0")  # kernels inherit it: no progress bars
    first, second = glued_values(CHAPTER), glued_values(CHAPTER)
    assert len(first) > 10, "the chapter glued almost nothing"
    different = {k: (first[k], second.get(k)) for k in first if first[k] != second.get(k)}
    assert not different and first.keys() == second.keys(), different
