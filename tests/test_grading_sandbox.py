"""The confined child, driven directly: what it can and cannot do, and what comes back."""
import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from companion.grading import child, sandbox

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ISOLATION = sandbox.probe_isolation()
LIMITS = sandbox.Limits(timeout_s=20, cpu_s=10, memory_mb=1536)
META = {"name": "probe", "arguments": ["x"], "outputs": ["y"], "returns": "array", "framework": "numpy"}


def run_probe(body: str, preload_torch: bool = False, isolation: sandbox.Isolation = ISOLATION) -> sandbox.ChildRun:
    """Run ``def probe(x): <body>`` in the sandbox on x = ones((2, 3))."""
    source = "import os\nimport numpy as np\n\ndef probe(x):\n" + "\n".join(f"    {line}" for line in body.split("\n"))
    return sandbox.run_submission([{"index": 0, "source": source}],
                                  [{"meta": META, "cases": [{"name": "c", "gradients": False}]}],
                                  {"probe|c|x": np.ones((2, 3))}, preload_torch, LIMITS, isolation)


def succeeded(body: str, isolation: sandbox.Isolation = ISOLATION) -> bool:
    """Whether ``body`` ran without raising inside the child."""
    run = run_probe(f"try:\n    {body}\nexcept Exception:\n    return np.zeros(1)\nreturn np.ones(1)",
                    isolation=isolation)
    assert run.status == "graded", run
    return bool(run.outputs["probe|c|y"][0])


def test_values_come_back_as_plain_arrays():
    run = run_probe("return np.tanh(x) * 2")
    assert run.status == "graded"
    np.testing.assert_allclose(run.outputs["probe|c|y"], np.tanh(np.ones((2, 3))) * 2)


@pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop needs root")
def test_the_child_runs_as_nobody_when_the_grader_is_root():
    run = run_probe("return np.array([os.getuid(), os.getgid(), len(os.getgroups())], dtype=float)")
    assert run.outputs["probe|c|y"].tolist() == [ISOLATION.uid, ISOLATION.gid, 0]


@pytest.mark.skipif(not ISOLATION.landlock_abi, reason="Landlock is not available on this kernel")
def test_landlock_hides_the_repository_and_allows_only_the_working_directory():
    assert not succeeded(f"open({str(ROOT / 'companion' / 'exercises' / '__init__.py')!r}).read()")
    assert not succeeded(f"open({str(ROOT / 'README.md')!r}).read()")
    assert not succeeded("open('/tmp/written-by-a-submission', 'w').write('x')")
    assert succeeded("open('scratch.txt', 'w').write('x')")
    assert succeeded("import math, random, collections")


FILTERS = [pytest.param(True, id="libseccomp"), pytest.param(False, id="built-in")]


@pytest.mark.skipif(not ISOLATION.seccomp, reason="the seccomp filter is x86-64 only")
@pytest.mark.parametrize("library", FILTERS)
def test_seccomp_stops_new_processes_signals_and_sockets_but_not_threads(library):
    if library and not ISOLATION.seccomp_library:
        pytest.skip("libseccomp or pyseccomp is missing here: the built-in filter is the one in use")
    isolation = dataclasses.replace(ISOLATION, seccomp_library=library)
    for refused in ("os.fork()", "os.execv('/bin/true', ['true'])", "os.kill(os.getppid(), 0)",
                    "os.kill(-1, 0)", "os.setsid()", "import socket; socket.socket()",
                    "os.posix_spawn('/bin/true', ['true'], {})"):
        assert not succeeded(refused, isolation), refused
    assert succeeded("os.kill(os.getpid(), 0)", isolation)
    assert succeeded("import threading; t = threading.Thread(target=print); t.start(); t.join()", isolation)


def test_the_libseccomp_policy_names_the_built_in_filters_numbers():
    seccomp = pytest.importorskip("pyseccomp")
    for name, number in child.DENIED + child.SIGNAL_SELF_ONLY:
        assert seccomp.resolve_syscall(seccomp.Arch.X86_64, name) == number, name
    program = child.builtin_seccomp_program(4242)
    assert (0x15, 0, 4, 4242) not in program and (0x15, 0, 1, 4242) in program  # kill: self only
    assert child.libseccomp_filter(4242) is not None


def test_the_environment_is_scrubbed_and_torch_works_with_one_thread():
    os.environ["GRADER_SECRET_FOR_TEST"] = "s3cret"
    try:
        run = run_probe("import torch\nreturn np.array([len(os.environ.get('GRADER_SECRET_FOR_TEST', '')),"
                        " torch.get_num_threads()], dtype=float)", preload_torch=True)
    finally:
        del os.environ["GRADER_SECRET_FOR_TEST"]
    assert run.outputs["probe|c|y"].tolist() == [0, 1]


def test_a_result_file_that_is_a_link_or_not_an_archive_is_refused(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("root only")
    (tmp_path / "link.npz").symlink_to(target)
    with pytest.raises(ValueError, match="could not be opened safely"):
        sandbox._read_outputs(tmp_path / "link.npz", "n")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match="malformed"):
        sandbox._read_outputs(tmp_path / "junk.npz", "n")
    os.mkfifo(tmp_path / "fifo.npz")
    with pytest.raises(ValueError, match="not a regular file"):
        sandbox._read_outputs(tmp_path / "fifo.npz", "n")


def test_only_keys_with_the_nonce_count(tmp_path):
    np.savez(tmp_path / "out.npz", **{"abc|probe|c|y": np.ones(2), "forged|probe|c|y": np.zeros(2)})
    assert list(sandbox._read_outputs(tmp_path / "out.npz", "abc")) == ["probe|c|y"]


def test_readable_paths_exclude_the_companion():
    paths = child.readable_paths()
    assert not any(Path(p).name == "companion" or p.startswith(str(ROOT / "companion")) for p in paths)
    assert any(Path(p).name in ("site-packages", "numpy") for p in paths)


def test_isolation_is_described_in_words():
    text = ISOLATION.describe()
    assert "rlimits" in text and ("Landlock ABI" in text or "no Landlock" in text)
