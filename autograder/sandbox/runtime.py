"""The rlimit sandbox's own root folder: Python's standard library and numpy, nothing else.

Without bubblewrap there are no mounts to build a view of the host with (Gradescope's
container has no user namespaces and no CAP_SYS_ADMIN). A grader running as root can
still ``chroot()`` (CAP_SYS_CHROOT) and ``setuid()``: the worker then runs as an
unprivileged user (``users.py``) whose whole file system is this folder. It is built
once per interpreter and numpy, as a root-owned, world-readable copy:

- the interpreter at its own path (``/root/.pyenv/versions/3.11.7/bin/python3.11``, say:
  ``/root`` is mode 0700 on the host, so another user could not even run it there), its
  standard library without ``site-packages``, tests, IDLE and tkinter, and
  ``libpython`` if it is a shared library;
- numpy (without its tests) and its bundled libraries at ``/opt/convlab/site0``;
- the system libraries all of these load, found with ``ldd``, at their own paths;
- ``/tmp``, root-owned, mode 0711: each sandbox's stage and working directory are made
  in it, owned by that sandbox's user, mode 0700 or 0750 (others cannot list ``/tmp`` or
  read them);
- ``/dev`` with ``null``, ``zero``, ``random`` and ``urandom`` only (made with mknod).

No ``/proc``, ``/dev/shm``, ``/etc``, ``/usr/bin``, no ``reference`` or ``autograder``, no
project tree, reports or other submissions. It lives in ``$CONVLAB_CACHE`` (default
``/var/cache/conv-lab``) as ``runtime-<key>``, the key a hash of the interpreter and of
numpy's installed files (``RECORD``): another venv with the same numpy shares it. It is
built under a lock, in a ``.partial`` folder renamed when complete; about 150 MB and a few
seconds (README, design decisions). Old ones are never removed while a grader could use
them: ``rm -rf /var/cache/conv-lab`` reclaims the space.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from .bubblewrap import SANDBOX_ROOT, python_executable

CACHE_ENV = "CONVLAB_CACHE"
DEFAULT_CACHE = "/var/cache/conv-lab"
#: Bumped whenever what a runtime holds changes, so an old one is not reused.
FORMAT = "1"
SITE = f"{SANDBOX_ROOT}/site0"      # numpy's folder, as the worker sees it
TMP = "/tmp"                        # where stages are made, as the worker sees it
READY = ".complete"                 # written last: a runtime without it is not used
#: Standard-library folders the worker never needs (and the one that holds packages).
LEFT_OUT = frozenset({"site-packages", "dist-packages", "test", "idlelib", "tkinter",
                      "turtledemo", "ensurepip", "lib2to3", "__phello__"})


def cache_dir() -> Path:
    """Where runtimes and the sandbox users' leases live ($CONVLAB_CACHE)."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


def safe_cache_dir() -> Path:
    """The cache folder, made if missing; RuntimeError if another user could change it
    (its contents are what the worker runs, and the leases that keep users apart)."""
    folder = cache_dir()
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise RuntimeError(f"the sandbox cache {folder} must belong to uid {os.geteuid()} and "
                           f"be writable by it alone (it is uid {info.st_uid}, mode "
                           f"{info.st_mode & 0o777:o}); fix it or set {CACHE_ENV}")
    return folder


def existing_tmp_dirs() -> list[Path]:
    """The ``tmp`` folder of every runtime built so far (where stages are made)."""
    return sorted(cache_dir().glob("runtime-*/tmp")) if cache_dir().is_dir() else []


def numpy_dir() -> Path:
    """The installed numpy package folder (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.origin:
        raise RuntimeError("numpy is not installed")
    return Path(spec.origin).resolve().parent


@functools.cache
def runtime_key() -> str:
    """A hash of what a runtime is built from: the interpreter and numpy's files."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{sys.base_prefix}\0".encode())
    exe = Path(python_executable())
    info = exe.stat()
    digest.update(f"{exe}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    try:
        record = metadata.distribution("numpy").read_text("RECORD") or ""
    except metadata.PackageNotFoundError:
        record = str(numpy_dir())
    digest.update(record.encode())
    return digest.hexdigest()[:16]


def runtime_root() -> Path:
    """Where the runtime for this interpreter and numpy is (built or not)."""
    return cache_dir() / f"runtime-{runtime_key()}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def ensure_runtime() -> Path:
    """The runtime's root folder, built first if it is not there yet (module doc).
    RuntimeError naming what is missing if it cannot be built."""
    root = runtime_root()
    if (root / READY).is_file():
        return root
    safe_cache_dir()
    with _locked(root.with_name(root.name + ".lock")):
        if (root / READY).is_file():  # another grader built it while we waited
            return root
        partial = root.with_name(root.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)  # an incomplete one (no READY)
        try:
            build_runtime(partial)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        (partial / READY).write_text(f"{sys.version}\n")
        os.rename(partial, root)
    return root


def build_runtime(target: Path) -> None:
    """Copy the interpreter, its standard library, numpy and their libraries into
    ``target`` (see the module doc)."""
    target.mkdir(mode=0o755)
    exe = Path(python_executable())
    _place(exe, target)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for prefix in dict.fromkeys((sys.base_prefix, sys.base_exec_prefix)):
        lib = Path(prefix) / "lib" / version
        if lib.is_dir() and not _inside(target, lib):
            shutil.copytree(lib, _at(target, lib), ignore=_stdlib_ignore(lib),
                            dirs_exist_ok=True)
    numpy = numpy_dir()
    site = _at(target, Path(SITE))
    shutil.copytree(numpy, site / "numpy", ignore=_package_ignore)
    if (numpy.parent / "numpy.libs").is_dir():  # the wheel's own BLAS and Fortran runtime
        shutil.copytree(numpy.parent / "numpy.libs", site / "numpy.libs")
    for library in shared_libraries([_at(target, exe), *_elf_files(target)]):
        if not _inside(target, library):
            _place(library, target)
    _open_for_reading(target)
    (target / TMP.lstrip("/")).mkdir(mode=0o711)
    os.chmod(target / TMP.lstrip("/"), 0o711)
    make_devices(target / "dev")


#: The device files the worker uses (/dev/null for its streams), as (name, major, minor).
DEVICES = (("null", 1, 3), ("zero", 1, 5), ("random", 1, 8), ("urandom", 1, 9))


def make_devices(folder: Path) -> None:
    """``folder`` with the character devices in DEVICES, mode 0666 (needs CAP_MKNOD)."""
    folder.mkdir(mode=0o755)
    for name, major, minor in DEVICES:
        try:
            os.mknod(folder / name, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        except OSError as exc:
            raise RuntimeError(f"cannot make the device {folder / name} ({exc.strerror})") \
                from None
        os.chmod(folder / name, 0o666)


def shared_libraries(files: list[Path]) -> set[Path]:
    """Every library ``files`` load, as ``ldd`` resolves them (the loader included)."""
    found: set[Path] = set()
    for start in range(0, len(files), 200):
        chunk = [str(f) for f in files[start:start + 200]]
        try:
            out = subprocess.run([shutil.which("ldd") or "/usr/bin/ldd", *chunk],
                                 capture_output=True, text=True, check=False).stdout
        except FileNotFoundError:
            raise RuntimeError("ldd is not installed (it lists the libraries Python and "
                               "numpy need in the rlimit sandbox)") from None
        for line in out.splitlines():
            parts = line.split()
            if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
                found.add(Path(parts[2]))
            elif parts and parts[0].startswith("/") and not line.endswith(":"):
                found.add(Path(parts[0]))
    return found


def _at(target: Path, path: Path) -> Path:
    """Where the absolute ``path`` goes inside ``target``."""
    return target / path.relative_to("/")


def _inside(target: Path, path: Path) -> bool:
    return os.path.abspath(path).startswith(str(target) + os.sep)


def _place(path: Path, target: Path) -> None:
    """A copy of ``path``'s content (symbolic links followed) at its own path in ``target``."""
    dest = _at(target, path)
    dest.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    if not dest.exists():
        shutil.copy2(path, dest)


def _stdlib_ignore(lib: Path):
    def ignore(folder: str, names: list[str]) -> list[str]:
        top = Path(folder) == lib
        return [n for n in names
                if (top and (n in LEFT_OUT or n.startswith("config-")))
                or n.startswith("_tkinter") or n.endswith((".opt-1.pyc", ".opt-2.pyc"))]
    return ignore


def _package_ignore(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "tests" or n.endswith((".opt-1.pyc", ".opt-2.pyc"))]


def _elf_files(target: Path) -> list[Path]:
    return sorted(p for p in target.rglob("*")
                  if p.is_file() and (p.suffix == ".so" or ".so." in p.name))


def _open_for_reading(target: Path) -> None:
    """Folders 0755, files 0644 (0755 if executable): readable by the sandbox users,
    writable by root alone."""
    for folder, _dirs, files in os.walk(target):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            os.chmod(path, 0o755 if mode & 0o111 else 0o644)
