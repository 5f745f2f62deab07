"""Collect every chapter (a MyST markdown notebook) as an nbval test, and check it is deterministic.

nbval runs ``.ipynb`` files, so each chapter is converted with jupytext into the git-ignored
``_build/nbval/`` folder and handed to nbval's collector; every code cell becomes one test that
fails if the cell raises. Freshly converted notebooks have no stored outputs to compare, so the
run uses ``--nbval-lax`` (set in pyproject.toml) and each chapter asserts its own key facts.

After a chapter's last cell, one more test compares every value the chapter glued in this run
with the value the book build glued (myst-nb's ``_build/jupyter_execute/book/NN.glue.json``), so
``make test``, which builds the book first, checks that seeded chapters give the same numbers
twice without executing any chapter a third time. Glued timings (``*_seconds``) are left out.
A last test reads the kernel's peak resident memory and fails above 1.5 GiB (Binder's sessions
get 2 GB).

Run one chapter:  .venv/bin/python -m pytest book/01_rnn_basics.md
"""
from __future__ import annotations

import json
from pathlib import Path

import jupytext
import nbformat
import py
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "_build" / "nbval"
BUILD_GLUE = ROOT / "_build" / "jupyter_execute" / "book"  # NN_name.glue.json, by the build
# Glued figures named ``*_seconds`` measure this machine's speed now: no two runs agree on them.
TIMING_SUFFIX = "_seconds"


def _is_chapter(path: Path) -> bool:
    """A chapter is a .md file in book/ whose jupytext front matter names a kernel."""
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "jupytext:" in head and "kernelspec:" in head


def glued_values(outputs) -> dict[str, str]:
    """Every glued name in a list of cell outputs, with its plain-text value."""
    values = {}
    for output in outputs:
        record = output.get("metadata", {}).get("scrapbook", {})
        name = record.get("name")
        if name and not name.endswith(TIMING_SUFFIX):
            # a live kernel keys the value under the record's mime prefix; the build strips it
            prefix = record.get("mime_prefix", "")
            data = {key.removeprefix(prefix): value for key, value in output["data"].items()}
            values[name] = data.get("text/plain", repr(sorted(data)))
    return values


class SameGlueAsTheBookBuild(pytest.Item):
    """The chapter's glued values in this run equal those of the book build."""

    def __init__(self, *, cells: list[IPyNbCell], build_glue: Path, **kwargs):
        super().__init__(**kwargs)
        self.cells = cells
        self.build_glue = build_glue

    def runtest(self):
        if not self.build_glue.exists():
            pytest.skip(f"no book build to compare with ({self.build_glue}); run make book")
        now = {}
        for cell in self.cells:
            now.update(glued_values(cell.test_outputs or []))
        built = glued_values(json.loads(self.build_glue.read_text(encoding="utf-8")).values())
        assert built, "the book build glued nothing"
        different = {name: (built[name], now.get(name)) for name in built if built[name] != now.get(name)}
        assert not different and now.keys() == built.keys(), (
            f"glued values differ between the book build and this run: {different}; "
            f"only in one of them: {sorted(now.keys() ^ built.keys())}")

    def reportinfo(self):
        return self.path, 0, "glued values equal the book build's"


#: Binder gives a session at most 2 GB; a chapter's kernel must stay well inside it.
PEAK_MEMORY_LIMIT = 1.5 * 2**30


def peak_resident_bytes(pid: int) -> int:
    """A live process's peak resident memory so far (``VmHWM`` in ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


class PeakMemoryFitsBinder(pytest.Item):
    """The kernel that ran the chapter's cells peaked at no more than 1.5 GiB resident."""

    def __init__(self, *, chapter: "ChapterNotebook", **kwargs):
        super().__init__(**kwargs)
        self.chapter = chapter

    def runtest(self):
        manager = self.chapter.kernel.km
        process = getattr(manager.provisioner, "process", None) if manager.provisioner else None
        if process is None or not Path("/proc").exists():
            pytest.skip("the kernel's process cannot be inspected here")
        peak = peak_resident_bytes(process.pid)
        assert peak <= PEAK_MEMORY_LIMIT, (
            f"{self.chapter.path.name} peaked at {peak / 2**30:.2f} GiB resident, over the "
            f"{PEAK_MEMORY_LIMIT / 2**30:.1f} GiB a Binder session can afford")

    def reportinfo(self):
        return self.path, 0, "peak memory fits a Binder session"


class ChapterNotebook(IPyNbFile):
    """nbval's notebook collector, registered under the chapter's own ``.md`` path.

    pytest selects tests by the path they were collected from, so keeping the ``.md`` path makes
    ``pytest book/02_bptt.md`` run that chapter; nbval itself reads ``fspath``, which points at
    the converted notebook.
    """

    notebook_path: Path
    _starting_kernel = False

    @property
    def fspath(self):
        # nbval starts the kernel in fspath's folder: book/, as the book build does, so that
        # relative paths in a chapter mean the same in both runs.
        return py.path.local(self.path if self._starting_kernel else self.notebook_path)

    def setup(self):
        self._starting_kernel = True
        try:
            super().setup()
        finally:
            self._starting_kernel = False

    def collect(self):
        cells = list(super().collect())
        for cell in cells:
            cell.add_marker("chapters")
            cell.add_marker("slow")
            yield cell
        check = SameGlueAsTheBookBuild.from_parent(
            self, name="glued values equal the book build's", cells=cells,
            build_glue=BUILD_GLUE / f"{self.path.stem}.glue.json")
        check.add_marker("chapters")
        check.add_marker("slow")
        yield check
        memory = PeakMemoryFitsBinder.from_parent(self, name="peak memory fits Binder",
                                                  chapter=self)
        memory.add_marker("chapters")
        memory.add_marker("slow")
        yield memory


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
