"""Side-by-side timing, and the benchmark records the chapters quote.

Machines are noisy, so a speed claim in this course is a *ratio* measured in one run with the
candidates interleaved (A, B, C, A, B, C, ...), never an absolute time compared across runs.
The scripts in ``benchmarks/`` measure with :func:`interleaved_medians` and save a record with
:func:`save_record` or :func:`save_results`; a chapter quotes the record with :func:`load_record`,
so that rebuilding the book gives the same numbers.

A record is *current* while the code it measured is unchanged. That code is read at save time
from ``sys.modules``: every ``companion`` module the script imported (directly or not) and the
``benchmarks`` script and helpers themselves. Each is hashed as its syntax tree without
docstrings, so comments, docstrings and formatting never stale a record, while any change to
what runs does; a module's C++ source beside it (``companion/lstm_native.cpp``) is hashed whole;
the settings and the torch version are hashed too. ``tests/test_records.py``
fails on a record that is not current (rerun its command), and :func:`describe` says so in the
chapter that quotes it.
"""
from __future__ import annotations

import ast
import datetime
import hashlib
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

RECORDS = Path(__file__).resolve().parent / "results"
_BOOKKEEPING = {"benchmarks", __name__}  # this module and the package: they measure nothing


def interleaved_medians(runs: dict[str, Callable[[], object]], repeats: int, warmup: int = 2,
                        clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Median seconds of each run, with the runs interleaved round by round.

    Args:
        runs: name -> a function doing one complete measured piece of work.
        repeats: measured rounds; each round calls every run once.
        warmup: extra rounds first, not measured (allocators, caches, lazy initialisation).
        clock: the timer (a fake one in tests).

    Returns:
        name -> median seconds over the measured rounds.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    times: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(warmup + repeats):
        for name, run in runs.items():
            start = clock()
            run()
            elapsed = clock() - start
            if round_ >= warmup:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def code_fingerprint(source: str) -> str:
    """The syntax tree of Python ``source`` without docstrings, as text: what the code does,
    not how it is commented or formatted."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def measured_modules() -> list[str]:
    """The companion and benchmark modules loaded in this process, by name (the running script
    under its own name, not ``__main__``)."""
    names = {name for name in sys.modules
             if name.split(".")[0] in ("companion", "benchmarks") and name not in _BOOKKEEPING}
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name.startswith("benchmarks."):
        names.add(spec.name)
    return sorted(names)


def code_digest(modules: list[str], settings: dict, torch_version: str) -> str:
    """SHA-256 of the modules' fingerprints, the settings and the torch version.

    Raises:
        ValueError: if a module can no longer be found (it was renamed or removed).
    """
    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"module {name} measured by the record no longer exists")
        digest.update(name.encode() + b"\0")
        digest.update(code_fingerprint(Path(spec.origin).read_text(encoding="utf-8")).encode())
        native = Path(spec.origin).with_suffix(".cpp")  # C++ that the module compiles and runs
        if native.exists():
            digest.update(native.read_bytes())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update(torch_version.encode())
    return digest.hexdigest()


def save_record(name: str, medians: dict[str, float], reference: str, settings: dict,
                folder: Path = RECORDS) -> Path:
    """Write ``<folder>/<name>.json``: times, ratios to ``reference``, and context.

    Args:
        name: the record's name.
        medians: name -> median seconds, from :func:`interleaved_medians`.
        reference: the entry the ratios are relative to.
        settings: sizes, threads and anything else needed to reproduce the run.
        folder: where records live (``benchmarks/results``).
    """
    record = {
        "medians_ms": {k: round(v * 1e3, 3) for k, v in medians.items()},
        "ratios": {k: round(v / medians[reference], 4) for k, v in medians.items()},
        "reference": reference,
        "settings": settings,
    }
    return _write(name, record, folder)


def save_results(name: str, results: dict, settings: dict, folder: Path = RECORDS) -> Path:
    """Write ``<folder>/<name>.json`` for results that are not timings (e.g. the test MSE of
    several training seeds), with the same staleness check as :func:`save_record`."""
    return _write(name, {"results": results, "settings": settings}, folder)


def provenance() -> dict:
    """How, when and where a record was made: the command that reproduces it (from
    ``sys.argv`` of a ``python -m benchmarks.<script>`` run), the UTC date, and the machine."""
    script = Path(sys.argv[0])
    module = f"benchmarks.{script.stem}" if script.parent.name == "benchmarks" else script.name
    return {
        "command": " ".join([".venv/bin/python -m", module, *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"processor": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__, "threads": torch.get_num_threads()},
    }


def _write(name: str, record: dict, folder: Path) -> Path:
    modules = measured_modules()
    record = {**record, **provenance(), "measured_modules": modules,
              "code_sha256": code_digest(modules, record["settings"], torch.__version__)}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def load_record(name: str, folder: Path = RECORDS) -> dict:
    """Read a record, adding ``"current"``: whether the code it measured, its settings and the
    torch version are those of today."""
    record = json.loads((folder / f"{name}.json").read_text())
    try:
        now = code_digest(record["measured_modules"], record["settings"], torch.__version__)
    except ValueError:
        now = None
    record["current"] = record["code_sha256"] == now
    return record


def describe(record: dict) -> str:
    """One line saying how, when and where a record was made, for a chapter to print; it says
    so when the code has changed since."""
    machine = record["machine"]
    line = (f"{record['command']}  ({record['date'][:10]}, {machine['processor']}, "
            f"{machine['threads']} threads, torch {machine['torch']})")
    if not record.get("current", True):
        line += "  NOTE: the measured code has changed since; rerun the command to refresh"
    return line
