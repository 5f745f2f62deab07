"""Side-by-side timing, and the benchmark records the chapters quote.

Machines are noisy, so a speed claim in this course is a *ratio* measured in one run with the
candidates interleaved (A, B, C, A, B, C, ...), never an absolute time compared across runs.
The scripts in ``benchmarks/`` measure with :func:`interleaved_medians` and save a record with
:func:`save_record`; a chapter quotes the record with :func:`load_record`, so that rebuilding
the book gives the same numbers, and ``tests/test_timing.py`` fails when the code a record
measured has changed since (rerun the script to refresh it).
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "benchmarks" / "results"


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


def source_digest(*modules: str) -> str:
    """SHA-256 of the named companion modules' source, e.g. ``source_digest("lstm")``."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update((REPO / "companion" / f"{module}.py").read_bytes())
    return digest.hexdigest()


def save_record(name: str, medians: dict[str, float], reference: str, settings: dict,
                measured_modules: tuple[str, ...]) -> Path:
    """Write ``benchmarks/results/<name>.json``: times, ratios to ``reference``, and context.

    Args:
        name: the record's name.
        medians: name -> median seconds, from :func:`interleaved_medians`.
        reference: the entry the ratios are relative to.
        settings: sizes, threads and anything else needed to reproduce the run.
        measured_modules: companion modules whose code the record measured.
    """
    record = {
        "medians_ms": {k: round(v * 1e3, 3) for k, v in medians.items()},
        "ratios": {k: round(v / medians[reference], 4) for k, v in medians.items()},
        "reference": reference,
        "settings": settings,
    }
    return _write(name, record, measured_modules)


def save_results(name: str, results: dict, settings: dict,
                 measured_modules: tuple[str, ...]) -> Path:
    """Write ``benchmarks/results/<name>.json`` for results that are not timings (e.g. the test
    MSE of several training seeds), with the same staleness check as :func:`save_record`."""
    return _write(name, {"results": results, "settings": settings}, measured_modules)


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


def _write(name: str, record: dict, measured_modules: tuple[str, ...]) -> Path:
    record = {**record, **provenance(), "measured_modules": list(measured_modules),
              "source_sha256": source_digest(*measured_modules)}
    RECORDS.mkdir(parents=True, exist_ok=True)
    path = RECORDS / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def load_record(name: str) -> dict:
    """Read a record saved by :func:`save_record`, adding ``"current"``: whether the measured
    modules are unchanged since it was taken."""
    record = json.loads((RECORDS / f"{name}.json").read_text())
    record["current"] = record["source_sha256"] == source_digest(*record["measured_modules"])
    return record


def describe(record: dict) -> str:
    """One line saying how, when and where a record was made, for a chapter to print."""
    machine = record["machine"]
    return (f"{record['command']}  ({record['date'][:10]}, {machine['processor']}, "
            f"{machine['threads']} threads, torch {machine['torch']})")
