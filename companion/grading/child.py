"""The grader's child process: confine itself, run one submission's exercise cells, return arrays.

The parent (:mod:`companion.grading.sandbox`) starts this file's source as
``python -I -c <source>`` in an empty working directory holding ``job.json`` and
``inputs.npz``. Before any submitted code runs, the child sets resource limits, forbids itself
new privileges, and (when the kernel offers them) applies a Landlock ruleset (read-only access
to the Python installation, write access to its working directory only, no TCP, no signals
outside itself) and a seccomp filter (no new processes or programs, no sockets, no ptrace, no
signals to other processes). Then it executes the cells, calls each exercise function on each
case's inputs, and writes ``outputs.npz``: plain float arrays and error texts, each key tagged
with the run's nonce. It returns nothing else and decides nothing: the parent compares.

Only the standard library, NumPy and (when needed) PyTorch are imported here. The marshalling
protocol (:func:`~companion.grading.protocol.run_case`) is a module of its own, which learners'
checks use too; the sandbox runs ``protocol.py`` and this file as one source, because the child
cannot import the companion.
"""
import ctypes
import json
import os
import sys

import numpy as np

from companion.grading.protocol import case_key, run_case  # the sandbox prepends protocol.py

CONFINEMENT_FAILED = 70  # exit status when a required isolation layer could not be applied
RESULTS_TOO_LARGE = 71   # exit status when the results do not fit the file-size limit
PRELOADED = ("numpy.linalg", "numpy.testing", "math", "cmath", "random", "itertools", "functools",
             "collections", "typing", "dataclasses", "operator", "copy", "numbers", "statistics",
             "string", "re", "warnings")


# ----- confinement ----------------------------------------------------------------------------

_LIBC_HANDLE = []  # loaded on first use, so that importing this module works off Linux too


def _libc():
    if not _LIBC_HANDLE:
        _LIBC_HANDLE.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC_HANDLE[0]

_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15


def _syscall(number: int, *args) -> int:
    result = _libc().syscall(ctypes.c_long(number), *args)
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"syscall {number}: {os.strerror(error)}")
    return result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    try:
        return _syscall(_LANDLOCK_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except OSError:
        return 0


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def readable_paths() -> list:
    """What a submission may read: this Python's import path minus the companion, and system libraries."""
    paths = {"/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/share/zoneinfo", "/etc/ld.so.cache",
             "/etc/localtime", "/dev/urandom", "/proc/cpuinfo", "/sys/devices/system/cpu"}
    for root in sys.path:
        if not root or not os.path.isdir(root):
            continue
        if os.path.isdir(os.path.join(root, "companion")):  # hide the reference implementations
            paths.update(os.path.join(root, entry) for entry in os.listdir(root)
                         if entry != "companion" and not entry.startswith(("rnn_course_companion", "__editable__")))
        else:
            paths.add(root)
    return sorted(p for p in paths if os.path.exists(p))


def apply_landlock(abi: int, read_paths: list, write_dir: str) -> None:
    """Restrict this process, for good, to reading ``read_paths`` and writing only ``write_dir``."""
    fs = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0) \
        | (_FS_IOCTL_DEV if abi >= 5 else 0)
    file_rights = fs & (_FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV)
    attr = _RulesetAttr(fs, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)  # net: bind+connect TCP; scope: unix+signal
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _syscall(_LANDLOCK_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    grants = [(p, _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR) for p in read_paths]
    grants += [("/dev/null", _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE), (write_dir, fs)]
    try:
        for path, rights in grants:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                if not os.path.isdir(path):
                    rights &= file_rights
                rule = _PathBeneath(rights & fs, fd)
                _syscall(_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule),
                         ctypes.c_uint32(0))
            finally:
                os.close(fd)
        _syscall(_LANDLOCK_RESTRICT, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


# The policy. Refused with EPERM: new processes and programs, sockets, ptrace and reading other
# processes' memory, signals queued to others, namespaces and mounts, kernel facilities a
# submission never needs. clone3 answers ENOSYS (glibc then falls back to clone); clone is allowed
# for threads only; kill, tkill and tgkill only towards this process. With their x86-64 numbers,
# for the built-in filter that is used where libseccomp is missing.
DENIED = (("fork", 57), ("vfork", 58), ("execve", 59), ("execveat", 322), ("ptrace", 101),
          ("socket", 41), ("socketpair", 53), ("process_vm_readv", 310), ("process_vm_writev", 311),
          ("pidfd_open", 434), ("pidfd_send_signal", 424), ("pidfd_getfd", 438),
          ("rt_sigqueueinfo", 129), ("rt_tgsigqueueinfo", 297), ("unshare", 272), ("setns", 308),
          ("mount", 165), ("umount2", 166), ("pivot_root", 155), ("chroot", 161), ("bpf", 321),
          ("perf_event_open", 298), ("userfaultfd", 323), ("keyctl", 250), ("add_key", 248),
          ("request_key", 249), ("io_uring_setup", 425), ("setsid", 112), ("setpgid", 109),
          ("personality", 135))
_CLONE, _CLONE3, _CLONE_THREAD = 56, 435, 0x10000
SIGNAL_SELF_ONLY = (("kill", 62), ("tkill", 200), ("tgkill", 234))  # arg 0: the target process
_EPERM, _ENOSYS = 1, 38


def libseccomp_filter(pid: int):
    """The policy above as a libseccomp filter (through pyseccomp), ready to load; ``None`` when
    pyseccomp or the system's libseccomp is missing. Built before the process is confined, since
    finding the library runs ``ldconfig``."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError):  # no binding, or no libseccomp.so.2 for it to open
        return None
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)  # other architectures: killed
    for name, _ in DENIED:
        rules.add_rule(seccomp.ERRNO(_EPERM), name)
    rules.add_rule(seccomp.ERRNO(_ENOSYS), "clone3")
    rules.add_rule(seccomp.ERRNO(_EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, _CLONE_THREAD, 0))
    for name, _ in SIGNAL_SELF_ONLY:
        rules.add_rule(seccomp.ERRNO(_EPERM), name, seccomp.Arg(0, seccomp.NE, pid))
    return rules


def builtin_seccomp_program(pid: int) -> list[tuple[int, int, int, int]]:
    """The policy above as classic BPF for x86-64, assembled here: the fallback filter."""
    ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    eperm, enosys = 0x00050000 | _EPERM, 0x00050000 | _ENOSYS
    program = [(ld, 0, 0, 4), (jeq, 1, 0, 0xC000003E), (ret, 0, 0, kill), (ld, 0, 0, 0),
               (0x35, 0, 1, 0x40000000), (ret, 0, 0, enosys)]  # x32 ABI calls: refused
    for _, number in DENIED:
        program += [(jeq, 0, 1, number), (ret, 0, 0, eperm)]
    program += [(jeq, 0, 1, _CLONE3), (ret, 0, 0, enosys)]
    program += [(jeq, 0, 4, _CLONE), (ld, 0, 0, 16), (jset, 0, 1, _CLONE_THREAD), (ret, 0, 0, allow),
                (ret, 0, 0, eperm)]  # threads yes, processes no
    for _, number in SIGNAL_SELF_ONLY:
        program += [(jeq, 0, 4, number), (ld, 0, 0, 16), (jeq, 0, 1, pid), (ret, 0, 0, allow),
                    (ret, 0, 0, eperm)]
    program.append((ret, 0, 0, allow))
    return program


def apply_seccomp(prepared=None) -> None:
    """Install the system-call filter, which this process and its threads cannot remove: the
    libseccomp one when ``prepared`` holds it, else the built-in one (x86-64 only)."""
    if prepared is not None:
        prepared.load()
        return
    import platform
    if platform.machine() != "x86_64":
        raise OSError("the built-in seccomp filter is written for x86-64 only")
    program = builtin_seccomp_program(os.getpid())
    filters = (_SockFilter * len(program))(*[_SockFilter(*instruction) for instruction in program])
    fprog = _SockFprog(len(program), filters)
    if _libc().prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def confine(job: dict) -> None:
    """Apply the job's limits and isolation layers to this process; raise if a required one fails."""
    import resource
    prepared = None
    if job["seccomp"] and job.get("seccomp_library"):
        prepared = libseccomp_filter(os.getpid())
        if prepared is None:
            raise OSError("libseccomp was found by the grader but cannot be loaded here")
    limits = job["limits"]
    settings = [(resource.RLIMIT_CPU, limits["cpu_s"], limits["cpu_s"] + 1),
                (resource.RLIMIT_AS, limits["memory_bytes"], limits["memory_bytes"]),
                (resource.RLIMIT_FSIZE, limits["file_bytes"], limits["file_bytes"]),
                (resource.RLIMIT_NOFILE, limits["open_files"], limits["open_files"]),
                (resource.RLIMIT_CORE, 0, 0)]
    if limits.get("processes") is not None:
        settings.append((resource.RLIMIT_NPROC, limits["processes"], limits["processes"]))
    for which, soft, hard in settings:
        resource.setrlimit(which, (soft, hard))
    if job["drop_to"]:  # root started us so that the interpreter could load; now become nobody
        uid, gid = job["drop_to"]
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    if _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if job["landlock_abi"]:
        apply_landlock(job["landlock_abi"], readable_paths(), os.getcwd())
    if job["seccomp"]:
        apply_seccomp(prepared)


def _error_text(error: BaseException) -> np.ndarray:
    try:
        detail = str(error)
        text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    except BaseException:  # a submission's exception may fail to print itself
        text = type(error).__name__
    return np.frombuffer(text[:2000].encode("utf-8", "replace"), dtype=np.uint8)


def main() -> None:
    """Entry point of the child: read ``job.json`` and ``inputs.npz`` from the working directory,
    confine this process, run the submission's exercise cells and then every case, and write
    ``outputs.npz`` (errors included, under the run's nonce) for the parent to judge."""
    os.umask(0o077)
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    # Loaded before the privilege drop, after which the interpreter's own files may be unreadable
    # (for example under /root): what an exercise cell may import is this list, numpy and torch.
    for module in PRELOADED:
        __import__(module)
    if job["preload_torch"]:
        import torch
        import torch.nn.functional  # noqa: F401
        torch.set_num_threads(1)
    with np.load("inputs.npz", allow_pickle=False) as archive:
        inputs = {key: archive[key] for key in archive.files}
    try:
        confine(job)
    except OSError as error:
        print(f"grader: could not confine the submission: {error}", file=sys.stderr)
        os._exit(CONFINEMENT_FAILED)
    nonce, results, namespace = job["nonce"], {}, {"__name__": "__submission__"}
    for cell in job["cells"]:
        try:
            exec(compile(cell["source"], f"<exercise cell {cell['index']}>", "exec"), namespace)
        except BaseException as error:  # SystemExit and KeyboardInterrupt included
            results[f"{nonce}|cell|{cell['index']}|error"] = _error_text(error)
    for exercise in job["exercises"]:
        name = exercise["meta"]["name"]
        fn = namespace.get(name)
        for case in exercise["cases"]:
            prefix = nonce + "|" + case_key(name, case["name"], "")
            own = case_key(name, case["name"], "")
            case_inputs = {key[len(own):]: value for key, value in inputs.items() if key.startswith(own)}
            try:
                if not callable(fn):
                    raise NameError(f"the exercise cells do not define a function `{name}`")
                arrays = run_case(fn, {**exercise["meta"], "gradients": case["gradients"]}, case_inputs)
                results.update({prefix + key: value for key, value in arrays.items()})
            except BaseException as error:
                results[prefix + "error"] = _error_text(error)
    try:
        np.savez("outputs.partial.npz", **results)
        os.replace("outputs.partial.npz", "outputs.npz")
    except OSError as error:  # EFBIG: the results exceed the file-size limit
        print(f"grader: could not save the results: {error}", file=sys.stderr)
        os._exit(RESULTS_TOO_LARGE)
    sys.stdout.flush()
    os._exit(0)  # no atexit handlers, no waiting for threads a submission may have started


if __name__ == "__main__":
    main()
