"""Where the worker runs: bubblewrap namespaces and a minimal filesystem view, or the
rlimit fallback, and the scrubbed environment both get.

The kinds of sandbox a worker can run in (``choose_sandbox``), strongest first:

- "bubblewrap": namespaces and a minimal view of the file system (``bubblewrap_args``);
- "rlimit-as-other-user": the grader is root but bubblewrap does not work (Gradescope):
  an unprivileged uid of its own (``users.py``) in a chroot holding only Python and numpy
  (``runtime.py``), with the resource limits; the host's network;
- "rlimit-as-self": neither (the grader is not root): a process of the grader's own user
  with the resource limits only. It can read and change whatever the grader's user can;
  every record and report says so.

"auto" takes the first that works, "rlimit" the better of the last two; a grading run
(``kind_in_use``) says once, on stderr, when it is not bubblewrap.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Literal

from .leftovers import temp_folder

SandboxKind = Literal["auto", "bubblewrap", "rlimit", "rlimit-as-other-user", "rlimit-as-self"]
BUBBLEWRAP, OTHER_USER, AS_SELF = "bubblewrap", "rlimit-as-other-user", "rlimit-as-self"
REQUESTS = ("auto", "bubblewrap", "rlimit", OTHER_USER, AS_SELF)
_SAID: set[str] = set()  # the fallbacks announced by this process

TMPFS_BYTES = 64 * 1024 * 1024      # size of the sandbox's /tmp
SHM_BYTES = 8 * 1024 * 1024         # size of its private /dev/shm (the host's is half the RAM)
HIDDEN_PACKAGES = ("reference", "autograder")  # the model solution and the grader itself

SANDBOX_ROOT = "/opt/convlab"       # where the private files appear inside bubblewrap
SANDBOX_WORKER = f"{SANDBOX_ROOT}/worker"
SANDBOX_TMP = "/tmp"


def site_dirs() -> list[Path]:
    """The directories numpy (and the rest of the venv) is imported from."""
    import numpy

    dirs = [Path(numpy.__file__).resolve().parents[1]]
    for key in ("purelib", "platlib"):
        path = Path(sysconfig.get_paths()[key]).resolve()
        if path.is_dir() and path not in dirs:
            dirs.append(path)
    return dirs


def is_hidden_entry(name: str) -> bool:
    """A site-packages entry that belongs to this project (or to an editable install of it)."""
    stem = name.split(".", 1)[0].split("-", 1)[0]
    return (stem in HIDDEN_PACKAGES or name.startswith(("__editable__", "conv_lab"))
            or name.endswith(".egg-link"))


def python_executable() -> str:
    """The real interpreter (not the venv's symlink), so only its prefix must be visible."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidate = Path(sys.base_prefix) / "bin" / version
    return str(candidate if candidate.exists() else Path(sys.executable).resolve())


def worker_env(home: str = SANDBOX_TMP) -> dict[str, str]:
    """A scrubbed environment: one BLAS thread (fair, and fast with parallel graders)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": home,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }


def system_mounts() -> list[str]:
    """Read-only /usr and friends: the loader, libc, and the few files Python looks at."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/fonts", "/etc/alternatives"):
        args += ["--ro-bind-try", etc, etc]
    return args


def _python_mounts(covers: Path) -> list[str]:
    """The interpreter's prefix (minus its own site-packages) and the venv's packages."""
    args = []
    for prefix in dict.fromkeys((sys.base_prefix, sys.base_exec_prefix)):
        if not prefix.startswith("/usr"):
            args += ["--ro-bind", prefix, prefix]
    base_site = Path(sysconfig.get_paths(vars={"base": sys.base_prefix,
                                                "platbase": sys.base_exec_prefix})["purelib"])
    if base_site.is_dir():
        args += ["--tmpfs", str(base_site)]
    for site, seen_as in zip(site_dirs(), sandbox_site_dirs(), strict=True):
        args += site_mounts(site, seen_as, covers)
    return args


def sandbox_site_dirs() -> list[str]:
    """Where the site directories appear inside bubblewrap."""
    return [f"{SANDBOX_ROOT}/site{i}" for i in range(len(site_dirs()))]


def site_mounts(site: Path, seen_as: str, covers: Path) -> list[str]:
    """``site`` read-only at ``seen_as``, with this project's entries covered: an empty
    file over each file, an empty tmpfs over each folder, and in a package's folder an
    ``__init__.py`` that refuses to import (so it is not even an empty namespace package);
    both come from ``covers`` (see :func:`write_covers`). One mount for the whole folder
    is ten times faster than one per entry."""
    args = ["--ro-bind", str(site), seen_as]
    for entry in sorted(site.iterdir()):
        if not is_hidden_entry(entry.name):
            continue
        target = f"{seen_as}/{entry.name}"
        if entry.is_dir():
            args += ["--tmpfs", target]
            if entry.name in HIDDEN_PACKAGES:
                args += ["--ro-bind", str(covers / "__init__.py"), f"{target}/__init__.py"]
        else:
            args += ["--ro-bind", str(covers / "empty"), target]
    return args


def write_covers(folder: Path) -> Path:
    """``folder`` with an empty file and an ``__init__.py`` whose import fails like a
    missing module's, to mount over this project's site-packages entries."""
    folder.mkdir(exist_ok=True)
    (folder / "empty").write_text("")
    (folder / "__init__.py").write_text(
        "raise ModuleNotFoundError(f'No module named {__name__!r}', name=__name__)\n")
    return folder


def _hiding_mounts() -> list[str]:
    """Empty tmpfs over this project's packages wherever they lie inside a mounted tree
    (a non-editable install under /usr/local, say): their files stay unreadable."""
    mounted = [Path("/usr"), Path(sys.base_prefix), Path(sys.base_exec_prefix)]
    args = []
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        package = Path(spec.origin).resolve().parent
        if any(package.is_relative_to(tree) for tree in mounted):
            args += ["--tmpfs", str(package)]
    return args


def bubblewrap_args(userns: bool, covers: Path) -> list[str]:
    """Everything but the command: namespaces, the filesystem view, a fresh /tmp.
    ``covers``: a folder made by :func:`write_covers`."""
    user = ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns"]
    return [
        "bwrap", "--unshare-all", *(user if userns else []),
        "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        *system_mounts(), *_python_mounts(covers), *_hiding_mounts(),
        # No /proc: it would show the mounts' host paths (mountinfo) and bwrap's command
        # line (/proc/1/cmdline); the worker does not need it.
        "--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
        "--size", str(TMPFS_BYTES), "--tmpfs", SANDBOX_TMP, "--chdir", SANDBOX_TMP,
    ]


def sealing_args() -> list[str]:
    """Last on bwrap's command line, after every mount: the root and /dev read-only (both
    are unbounded tmpfs otherwise), so only /tmp and /dev/shm, both small, are writable."""
    return ["--remount-ro", "/dev", "--remount-ro", "/"]


@functools.cache
def bubblewrap_status() -> tuple[bool, bool, str]:
    """(usable, with a user namespace, why not): probed once per process by starting
    Python with numpy in the sandbox, first as uid 65534, then as the caller."""
    if shutil.which("bwrap") is None:
        return False, False, "bwrap is not installed"
    probe = [python_executable(), "-I", "-S", "-c",
             f"import sys; sys.path += {sandbox_site_dirs()!r}; import numpy"]
    why = ""
    tmp = temp_folder("convlab-probe-")
    try:
        covers = write_covers(tmp)
        for userns in (True, False):
            try:
                done = subprocess.run([*bubblewrap_args(userns, covers), *sealing_args(),
                                       "--", *probe],
                                      env=worker_env(), capture_output=True, timeout=60,
                                      start_new_session=True)
            except (OSError, subprocess.TimeoutExpired) as exc:
                why = str(exc)
                continue
            if done.returncode == 0:
                return True, userns, ""
            why = done.stderr.decode(errors="replace").strip()[-300:] or f"exit {done.returncode}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return False, False, f"bwrap does not work here: {why}"


@functools.cache
def other_user_status() -> tuple[bool, str]:
    """(usable, why not): whether a worker can run as a sandbox user of its own, chrooted
    into the runtime (``runtime.py``): probed once per process by starting Python with
    numpy there. Needs root (CAP_SYS_CHROOT, CAP_SETUID, CAP_SETGID, CAP_CHOWN)."""
    if os.geteuid() != 0:
        return False, f"the grader runs as uid {os.geteuid()}, not root, so it cannot switch users"
    from .runtime import SITE, TMP, ensure_runtime
    from .users import become, kill_user, lease_user

    try:
        root = ensure_runtime()
        lease = lease_user()
    except (OSError, RuntimeError) as exc:
        return False, f"the rlimit sandbox's runtime could not be made: {exc}"
    cwd = temp_folder("convlab-probe-", root / TMP.lstrip("/"))
    try:
        os.chown(cwd, lease.uid, lease.uid)
        done = subprocess.run(
            [python_executable(), "-I", "-S", "-B", "-c",
             f"import sys; sys.path.append({SITE!r}); import numpy; open('/dev/null', 'r+b')"],
            preexec_fn=become(lease.uid, str(root), f"{TMP}/{cwd.name}"),
            env=worker_env(f"{TMP}/{cwd.name}"), capture_output=True, timeout=60,
            start_new_session=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"chroot and setuid did not work here: {exc}"
    finally:
        kill_user(lease.uid)
        lease.release()
        shutil.rmtree(cwd, ignore_errors=True)
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip()[-300:] or f"exit {done.returncode}"
        return False, f"Python did not start in the rlimit sandbox's runtime {root}: {why}"
    return True, ""


def rlimit_kind() -> str:
    """The rlimit sandbox this host allows: as another user if it can, else as self."""
    return OTHER_USER if other_user_status()[0] else AS_SELF


def choose_sandbox(requested: str) -> tuple[str, bool]:
    """(the kind of sandbox to use for ``requested``, with a user namespace): see the
    module doc."""
    if requested not in REQUESTS:
        raise ValueError(f"sandbox must be 'auto', 'bubblewrap' or 'rlimit', got {requested!r}")
    if requested == AS_SELF:
        return AS_SELF, False
    if requested == OTHER_USER:
        usable, why = other_user_status()
        if not usable:
            raise RuntimeError(f"the {OTHER_USER} sandbox was requested but is not usable: {why}")
        return OTHER_USER, False
    if requested == "auto" or requested == BUBBLEWRAP:
        usable, userns, why = bubblewrap_status()
        if usable:
            return BUBBLEWRAP, userns
        if requested == BUBBLEWRAP:
            raise RuntimeError(f"bubblewrap sandbox requested but not usable: {why}")
    return rlimit_kind(), False


def kind_in_use(requested: str, announce: bool = True) -> str:
    """The kind of sandbox grading uses here for ``requested`` (``requested`` itself if
    it cannot be used: every record then says why). A grading run asks this first: with
    ``announce``, it says on stderr, once per process, that "auto" fell back from
    bubblewrap, or that student code runs as the grader's own user."""
    try:
        kind = choose_sandbox(requested)[0]
    except (ValueError, RuntimeError):
        return requested
    if announce and (kind == AS_SELF or (requested == "auto" and kind != BUBBLEWRAP)):
        say_fallback(kind)
    return kind


def fallback_notes(requested: str, kind: str) -> list[str]:
    """For the record: why the sandbox is not bubblewrap, and whose user the code ran as."""
    notes = []
    if requested == "auto" and kind != BUBBLEWRAP:
        notes.append(f"fallback from bubblewrap ({bubblewrap_status()[2]})")
    if kind == AS_SELF:
        why = "asked for" if requested == AS_SELF else other_user_status()[1]
        notes.append(f"student code ran as the grader's own user (uid {os.geteuid()}): it "
                     f"could read and change this user's files ({why})")
    return notes


def say_fallback(kind: str) -> None:
    """Say on stderr, once per process, that student code does not run in bubblewrap."""
    if kind in _SAID:
        return
    _SAID.add(kind)
    why = bubblewrap_status()[2]
    if kind == OTHER_USER:
        text = (f"conv-lab: warning: bubblewrap cannot be used ({why}); student code runs in "
                "the rlimit sandbox instead: as an unprivileged user of its own, chrooted "
                "into a copy of Python and numpy, with resource limits, but with the host's "
                "network. Install bubblewrap where user namespaces work for the full sandbox.")
    else:
        text = (f"conv-lab: WARNING: bubblewrap cannot be used ({why}), and "
                f"{other_user_status()[1]}: student code runs AS THE GRADER'S OWN USER (uid "
                f"{os.geteuid()}) with resource limits only. It can read and change "
                "everything this user can, the reports included: grade only code you trust "
                "this way, or install bubblewrap, or run the grader as root.")
    print(text, file=sys.stderr, flush=True)
