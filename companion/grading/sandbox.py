"""Run one submission in a confined child process and bring back only its arrays.

What the parent does (the child's side is :mod:`companion.grading.child`):

- a fresh temporary working directory per submission, holding only ``job.json`` (the exercise
  cells, written by the grader) and ``inputs.npz`` (the hidden test inputs, drawn now);
- ``python -I`` (no user site, no ``PYTHON*`` variables), a scrubbed environment, one thread,
  its own session and process group, stdin closed, output to a private file of which only the
  tail is kept;
- when the grader runs as root, the child becomes an unprivileged user (``nobody``, no
  supplementary groups) once its interpreter and libraries are loaded, before any submitted code;
- a wall-clock timeout after which the whole process group is killed, and a kill of the group
  after a normal exit too;
- the result file is opened without following links, must be a regular file under a size
  limit, and is read with ``allow_pickle=False``; only keys carrying this run's nonce count.
"""
from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from companion.grading import child, protocol


def _child_source() -> str:
    """``protocol.py`` and ``child.py`` as one program, the child's import of the protocol
    replaced by the protocol itself (the child runs isolated from the companion)."""
    child_text = Path(child.__file__).read_text(encoding="utf-8")
    line = "from companion.grading.protocol import case_key, run_case"
    if line not in child_text:
        raise RuntimeError("child.py no longer imports the protocol as the sandbox expects")
    protocol_text = Path(protocol.__file__).read_text(encoding="utf-8")
    return protocol_text + "\n\n" + child_text.replace(line, "pass", 1)


CHILD_SOURCE = _child_source()
MAX_RESULT_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. ``memory_mb`` is address space, which PyTorch's import alone
    reserves about 1 GiB of."""

    timeout_s: float = 60.0
    cpu_s: int = 30
    memory_mb: int = 3072
    file_mb: int = 64
    open_files: int = 64


@dataclass(frozen=True)
class Isolation:
    """The isolation layers this machine offers, found by :func:`probe_isolation`."""

    uid: int | None        # the unprivileged user the child runs as (None: the grader's own)
    gid: int | None
    landlock_abi: int      # 0: no Landlock
    seccomp: bool
    notes: tuple[str, ...] = ()
    seccomp_library: bool = False  # the filter is built by libseccomp (else the built-in one)

    def describe(self) -> str:
        user = f"as uid {self.uid}" if self.uid is not None else "as the grader's own user"
        landlock = f"Landlock ABI {self.landlock_abi}" if self.landlock_abi else "no Landlock"
        text = (f"child process {user}, rlimits, process-group kill, {landlock}, "
                f"{self._seccomp_text()}")
        return text + "".join(f"; {note}" for note in self.notes)

    def _seccomp_text(self) -> str:
        if not self.seccomp:
            return "no seccomp filter"
        return "seccomp filter (libseccomp)" if self.seccomp_library else "seccomp filter (built in)"


@dataclass
class ChildRun:
    """What came back from one child: a status, and arrays only when the status is ``graded``."""

    status: str            # graded, timeout, cpu-limit, file-limit, crashed, no-result, sandbox-error
    problem: str           # why it was not graded, in words ("" when graded)
    outputs: dict[str, np.ndarray]
    log_tail: str
    wall_s: float


def _scrubbed_environment(home: str) -> dict[str, str]:
    threads = "1"
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "PYTHONHASHSEED": "0"}


def probe_isolation() -> Isolation:
    """Find which isolation layers this machine and this user can apply."""
    notes = []
    uid = gid = None
    if os.geteuid() == 0:
        try:
            nobody = pwd.getpwnam("nobody")
            uid, gid = nobody.pw_uid, nobody.pw_gid
        except KeyError:
            notes.append("no user 'nobody' on this machine, so the child keeps the grader's user")
    abi = child.landlock_abi()
    seccomp = os.uname().machine == "x86_64" and os.path.exists("/proc/self/status") and \
        "Seccomp:" in Path("/proc/self/status").read_text()
    library = seccomp and child.libseccomp_filter(os.getpid()) is not None
    if seccomp and not library:
        notes.append("libseccomp or its binding pyseccomp is missing, so the built-in seccomp filter is used")
    return Isolation(uid, gid, abi, seccomp, tuple(notes), seccomp_library=library)


def _read_outputs(path: Path, nonce: str) -> dict[str, np.ndarray]:
    """Load the child's result file defensively; raise ValueError if it is not acceptable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ValueError("the submission's process ended without returning results") from None
    except OSError as error:
        raise ValueError(f"the result file could not be opened safely ({error.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESULT_BYTES:
            raise ValueError("the result file is not a regular file of acceptable size")
        try:
            with zipfile.ZipFile(f) as archive:
                if sum(member.file_size for member in archive.infolist()) > MAX_RESULT_BYTES:
                    raise ValueError("the results are larger than the limit")
            f.seek(0)
            with np.load(f, allow_pickle=False) as archive:
                return _nonce_arrays(archive, nonce)
        except ValueError:
            raise
        except Exception as error:  # a corrupt zip or npy: the child's fault, never the grader's
            raise ValueError(f"the result file is malformed ({type(error).__name__})") from None


def _nonce_arrays(archive, nonce: str) -> dict[str, np.ndarray]:
    """The arrays whose key carries this run's nonce; an array that needs unpickling becomes an error."""
    prefix, arrays = nonce + "|", {}
    for key in archive.files:
        if key.startswith(prefix):
            try:
                arrays[key[len(prefix):]] = archive[key]
            except ValueError:  # an object array: loading it would mean unpickling
                case = key[len(prefix):].rsplit("|", 1)[0]
                text = f"TypeError: `{key.rsplit('|', 1)[-1]}` is an object array, which the grader refuses"
                arrays[f"{case}|error"] = np.frombuffer(text.encode(), dtype=np.uint8)
    return arrays


def _log_tail(log, limit: int = 4000) -> str:
    log.seek(0, os.SEEK_END)
    size = log.tell()
    log.seek(max(0, size - limit))
    return log.read().decode("utf-8", "replace")


def run_submission(cells: list[dict], exercises: list[dict], inputs: dict[str, np.ndarray],
                   preload_torch: bool, limits: Limits, isolation: Isolation) -> ChildRun:
    """Execute exercise cells in a confined child and return what it computed.

    Args:
        cells: ``[{"index": i, "source": code}]``, the submission's exercise cells in order.
        exercises: ``[{"meta": Exercise.meta(...), "cases": [{"name", "gradients"}]}]``.
        inputs: ``{"<exercise>|<case>|<argument>": array}``.
        preload_torch: import PyTorch before confinement (the exercises or the cells use it).
        limits: time, memory and file limits.
        isolation: the layers to apply, from :func:`probe_isolation`; the child refuses to
            run the submission if one of them fails.
    """
    nonce = secrets.token_hex(16)
    job = {"nonce": nonce, "cells": cells, "exercises": exercises, "preload_torch": preload_torch,
           "landlock_abi": isolation.landlock_abi, "seccomp": isolation.seccomp,
           "seccomp_library": isolation.seccomp_library,
           "limits": {"cpu_s": limits.cpu_s, "memory_bytes": limits.memory_mb * 2**20,
                      "file_bytes": limits.file_mb * 2**20, "open_files": limits.open_files,
                      # without seccomp, a zero process limit for the unprivileged user stops forks (and threads)
                "processes": 0 if isolation.uid is not None and not isolation.seccomp else None},
           "drop_to": None if isolation.uid is None else [isolation.uid, isolation.gid]}
    workdir = Path(tempfile.mkdtemp(prefix="rnn-grade-"))
    try:
        (workdir / "job.json").write_text(json.dumps(job), encoding="utf-8")
        np.savez(workdir / "inputs.npz", **inputs)
        if isolation.uid is not None:
            for path in (workdir, workdir / "job.json", workdir / "inputs.npz"):
                os.chown(path, isolation.uid, isolation.gid)
        with tempfile.TemporaryFile() as log:
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-I", "-c", CHILD_SOURCE], cwd=workdir, env=_scrubbed_environment(str(workdir)),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                close_fds=True)
            timed_out = False
            try:
                process.wait(timeout=limits.timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                process.wait()
            wall = time.perf_counter() - started
            tail = _log_tail(log)
        code = process.returncode
        if timed_out:
            return ChildRun("timeout", f"it ran longer than {limits.timeout_s:g} s and was stopped", {}, tail, wall)
        if code == -signal.SIGXCPU:
            return ChildRun("cpu-limit", f"it used more than {limits.cpu_s} s of CPU time", {}, tail, wall)
        if code in (-signal.SIGXFSZ, child.RESULTS_TOO_LARGE):
            return ChildRun("file-limit",
                            f"its results or output exceeded the {limits.file_mb} MiB file-size limit",
                            {}, tail, wall)
        if code == child.CONFINEMENT_FAILED:
            return ChildRun("sandbox-error", "the grader could not confine it, so it was not run", {}, tail, wall)
        if code != 0:
            how = f"signal {-code}" if code < 0 else f"exit status {code}"
            return ChildRun("crashed", f"its process ended with {how} before returning results", {}, tail, wall)
        try:
            outputs = _read_outputs(workdir / "outputs.npz", nonce)
        except ValueError as error:
            return ChildRun("no-result", f"{error} (did it call os._exit?)", {}, tail, wall)
        return ChildRun("graded", "", outputs, tail, wall)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
