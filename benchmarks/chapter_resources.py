"""Every chapter's execution time and its kernel's peak resident memory, side by side.

    .venv/bin/python -m benchmarks.chapter_resources [PATTERN ...]

Each chapter is executed as a reader's kernel runs it (jupytext, then nbclient with a fresh
``python3`` kernel started in ``book/``), one chapter at a time; before the kernel is shut down,
its peak resident memory is read from ``/proc/<pid>/status`` (``VmHWM``). Binder gives a session
2 GB; ``book/conftest.py`` fails a chapter whose kernel peaks above 1.5 GiB. Time is printed, not
asserted: it depends on the machine and on what else runs.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import jupytext
import nbclient

ROOT = Path(__file__).resolve().parents[1]
LIMIT_GIB = 1.5


def peak_resident_bytes(pid: int) -> int:
    """A live process's peak resident memory so far (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def measure(path: Path) -> tuple[float, int]:
    """Execute one chapter; return its seconds and its kernel's peak resident bytes."""
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        peak = peak_resident_bytes(client.km.provisioner.process.pid)
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="parts of chapter file names (default: all)")
    args = parser.parse_args()
    os.environ.setdefault("COMPANION_PROGRESS", "0")
    chapters = sorted((ROOT / "book").glob("[0-9][0-9]_*.md"))
    if args.patterns:
        chapters = [c for c in chapters if any(p in c.name for p in args.patterns)]
    print(f"{'chapter':24s} {'seconds':>8s} {'peak GiB':>9s}")
    for chapter in chapters:
        seconds, peak = measure(chapter)
        flag = "  over the limit" if peak > LIMIT_GIB * 2**30 else ""
        print(f"{chapter.name:24s} {seconds:8.1f} {peak / 2**30:9.2f}{flag}", flush=True)


if __name__ == "__main__":
    main()
