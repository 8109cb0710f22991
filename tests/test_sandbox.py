"""The sandbox, with real bubblewrap and real processes: hostile submissions stay contained
and the grader always gets an answer or one of the Student exceptions.

Tests marked for bubblewrap are skipped (with the reason) where it does not work; CI has it.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import numpy as np
import pytest

import autograder
import reference
from autograder.jail.protocol import FunctionRef
from autograder.sandbox import SandboxedStudent, bubblewrap, bubblewrap_status
from autograder.student import CallTimeout, MissingFunction, StudentError, WorkerCrashed

BWRAP_OK, _, BWRAP_WHY = bubblewrap_status()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable: {BWRAP_WHY}")
KINDS = [pytest.param("bubblewrap", marks=needs_bwrap), "rlimit"]

STUDENT = '''
import os, socket, subprocess, sys
import numpy as np

np.mean = lambda *a, **k: 42.0          # monkeypatching numpy in the student's own process

def conv2d(x, w, b=None, stride=1, padding=0):
    """A plain loop version, written independently of the reference."""
    n, c, h, wd = x.shape
    f, _, fh, fw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - fh) // stride + 1, (wd + 2 * padding - fw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + (0 if b is None else b[None, :, None, None])

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h; up = f(x)
        x[i] = old - h; down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad

def echo(*args, **kwargs):
    return [args, kwargs]

def mutate(x):
    x[...] = 7
    return np.mean(x)

class Sneaky(np.ndarray):
    def __eq__(self, other):
        return True

def sneaky():
    return np.zeros(3).view(Sneaky)

def not_data():
    return object()

def reshape_wrong(x):
    return np.reshape(x, (7,))

def leave():
    sys.exit("bye")

def import_module(name):
    return __import__(name).__file__

def exists(paths):
    return [os.path.exists(p) for p in paths]

def read(path):
    with open(path) as f:
        return f.read()

def connect(host, port):
    socket.create_connection((host, port), timeout=3).close()
    return "connected"

def whoami():
    return os.getuid()

def spin():
    while True:
        pass

def hog():
    blocks = []
    while True:
        blocks.append(np.empty(1 << 24))  # address space only: fast even on a busy machine

def shout(n):
    for _ in range(n):
        print("x" * 1000)
        sys.stderr.write("y" * 1000)
        os.write(1, b"\\0" * 1000)
        os.write(2, b"\\xff" * 1000)
    return n

def die():
    os._exit(3)

def kill_self():
    os.kill(os.getpid(), 9)

def corrupt_protocol():
    for fd in range(3, 64):  # no /proc in the sandbox: try every fd below the limit
        if fd > 2:
            try:
                os.write(fd, b"\\xff" * 64)
            except OSError:
                pass
    return "written"

SLEEP = "import sys, time; time.sleep(float(sys.argv[1]))"

def spawn(token, escape):
    subprocess.Popen([sys.executable, "-c", SLEEP, token])
    if escape and os.fork() == 0:          # a daemon that leaves the session
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", SLEEP, token])
        os._exit(0)
    return "spawned"
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("submissions")
    write(root / "alice.py", STUDENT)
    write(root / "bob.py", "SECRET = 'bob keeps this to himself'\n")
    return root


@pytest.fixture(scope="module", params=KINDS)
def student(request, submissions):
    with SandboxedStudent(submissions / "alice.py", sandbox=request.param, call_timeout=5,
                          memory_mb=768) as s:
        yield s


@pytest.fixture(scope="module")
def jailed(submissions):
    with SandboxedStudent(submissions / "alice.py", sandbox="bubblewrap", call_timeout=3) as s:
        yield s


def sleepers(token: str) -> list[int]:
    """Host pids of the processes ``spawn`` started with ``token``."""
    pids = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline[-2:] == [token.encode(), b""] and b"time.sleep" in cmdline[-3]:
            pids.append(int(entry))
    return pids


def eventually(predicate, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# --------------------------------------------------------------------------- answers


def test_a_call_returns_what_the_reference_returns(student):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    got = student.call("conv2d", x, w, b, stride=2, padding=1)
    np.testing.assert_allclose(got, reference.conv2d(x, w, b, stride=2, padding=1), atol=1e-12)
    assert got.shape == (2, 4, 4, 4)  # (7 + 2·1 − 3)/2 + 1 = 4


def test_plain_data_comes_back_as_sent(student):
    args = (1, 2.5, None, "text", [np.int8(3)], {"k": (True, np.arange(3))})
    got_args, got_kwargs = student.call("echo", *args, stride=2)
    assert got_args[:4] == (1, 2.5, None, "text") and type(got_args[4][0]) is np.int8
    np.testing.assert_array_equal(got_args[5]["k"][1], np.arange(3))
    assert got_kwargs == {"stride": 2}


def test_function_arguments_travel_as_named_refs(student):
    w, x = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    grad = student.call("numerical_gradient", FunctionRef("sin_sum", {"w": w}), x)
    np.testing.assert_allclose(grad, w * np.cos(w * x), atol=1e-6)


def test_the_student_cannot_touch_the_graders_arrays_or_numpy(student):
    x = np.arange(4.0)
    assert student.call("mutate", x) == 42.0  # their patched np.mean, in their process
    np.testing.assert_array_equal(x, np.arange(4.0))
    assert np.mean(x) == 1.5
    got = student.call("sneaky")
    assert type(got) is np.ndarray and not (got == np.ones(3)).all()


def test_errors_carry_only_the_students_frames(student):
    with pytest.raises(StudentError) as info:
        student.call("reshape_wrong", np.zeros(6))
    err = info.value
    assert err.exc_type == "ValueError" and "reshape" in err.message
    assert 'alice.py", line' in err.traceback and "reshape_wrong" in err.traceback
    assert "numpy" not in err.traceback.replace("np.reshape", "") and "worker" not in err.traceback


def test_results_that_are_not_data_and_exits_are_student_errors(student):
    with pytest.raises(StudentError, match="not plain data"):
        student.call("not_data")
    with pytest.raises(StudentError) as info:
        student.call("leave")
    assert (info.value.exc_type, info.value.message) == ("SystemExit", "bye")


def test_unknown_functions_are_missing(student):
    assert student.has("conv2d") and not student.has("max_pool2d")
    with pytest.raises(MissingFunction):
        student.call("max_pool2d", np.zeros((1, 1, 2, 2)))


# --------------------------------------------------------------------------- misbehaviour


def test_an_infinite_loop_times_out_and_the_next_call_works(student):
    with pytest.raises(CallTimeout):
        student.call("spin")
    assert student.call("echo", 5) == [(5,), {}]


def test_a_time_limit_applies_inside_its_block_only(student):
    with student.time_limit(0.5), pytest.raises(CallTimeout, match=r"within 0\.5 s"):
        student.call("spin")
    assert student.call_timeout == 5
    assert student.call("echo", 4) == [(4,), {}]


def test_a_memory_bomb_is_contained(student):
    with pytest.raises((StudentError, WorkerCrashed)) as info:
        student.call("hog")
    assert not isinstance(info.value, StudentError) or info.value.exc_type == "MemoryError"
    assert student.call("echo", 1) == [(1,), {}]


def test_a_print_flood_neither_blocks_nor_corrupts_the_protocol(student):
    assert student.call("shout", 20_000) == 20_000  # 80 MB of output at four levels
    assert student.call("echo", "still fine") == [("still fine",), {}]


def test_os_exit_mid_call_is_a_crash_and_the_next_call_restarts(student):
    with pytest.raises(WorkerCrashed, match="exited with status 3"):
        student.call("die")
    with pytest.raises(WorkerCrashed, match="SIGKILL"):
        student.call("kill_self")
    assert student.call("echo", 2) == [(2,), {}]


def test_garbage_on_the_protocol_pipe_is_a_crash_not_a_grader_error(student):
    with pytest.raises(WorkerCrashed, match=r"malformed|over the"):
        student.call("corrupt_protocol")
    assert student.call("echo", 3) == [(3,), {}]


@pytest.mark.parametrize("kind", [*KINDS, "rlimit-as-self"])
def test_no_child_process_outlives_close(submissions, kind):
    token = f"{300 + secrets.randbelow(10**6) / 10**6:.6f}"
    # a PID namespace or a sandbox user of its own catches a child that calls setsid()
    escape = kind != "rlimit-as-self"
    s = SandboxedStudent(submissions / "alice.py", sandbox=kind, call_timeout=5)
    try:
        assert s.call("spawn", token, escape) == "spawned"
        assert eventually(lambda: len(sleepers(token)) == 1 + escape)
    finally:
        s.close()
    assert eventually(lambda: sleepers(token) == [])
    assert not s._stage.exists()


# --------------------------------------------------------------------------- loading


@pytest.mark.parametrize("kind", KINDS)
def test_a_syntax_error_is_a_load_problem_and_functions_are_missing(tmp_path, kind):
    path = write(tmp_path / "broken.py", "import numpy as np\n\ndef relu(x)\n    return x\n")
    with SandboxedStudent(path, sandbox=kind) as s:
        assert s.problems == ["broken.py: SyntaxError in line 3: expected ':'"]
        with pytest.raises(MissingFunction):
            s.call("relu", 1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_a_load_that_never_ends_is_a_problem_not_a_hang(tmp_path, kind):
    path = write(tmp_path / "slow.py", "def relu(x):\n    return x\nwhile True:\n    pass\n")
    with SandboxedStudent(path, sandbox=kind, load_timeout=2) as s:
        assert s.problems == ["loading the submission took longer than 2 s (stopped)"]
        assert not s.has("relu")
        with pytest.raises(MissingFunction, match="longer than 2 s"):
            s.call("relu", 1.0)


def test_a_restart_that_fails_is_not_retried(tmp_path):
    # as the grader's own user, the real file system lets the loads count themselves
    starts = tmp_path / "starts.txt"
    code = (f"import os\nwith open({str(starts)!r}, 'a') as f:\n    f.write('x')\n"
            f"if len(open({str(starts)!r}).read()) > 1:\n    while True:\n        pass\n"
            "def die():\n    os._exit(1)\n"
            "def ok():\n    return 1\n")
    with SandboxedStudent(write(tmp_path / "flaky.py", code), sandbox="rlimit-as-self",
                          load_timeout=2) as s:
        assert s.call("ok") == 1
        with pytest.raises(WorkerCrashed, match="exited with status 1"):
            s.call("die")
        for _ in range(2):
            with pytest.raises(WorkerCrashed, match="could not be restarted: loading"):
                s.call("ok")
    assert starts.read_text() == "xx"


def test_output_while_loading_is_kept_to_its_tail(tmp_path):
    path = write(tmp_path / "loud.py", "for i in range(100_000):\n    print(i)\n")
    with SandboxedStudent(path, sandbox="rlimit") as s:
        assert s.problems == []
        assert len(s.output_tail) <= 16 * 1024 and s.output_tail.endswith("\n99998\n99999\n")


@pytest.mark.parametrize("kind", KINDS)
def test_a_notebook_can_import_a_py_file_beside_it_and_display(tmp_path, kind):
    import json

    cells = ["from helpers import double", "display(double(21))",
             "def relu(x):\n    return double(x)"]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "source": c, "outputs": []} for c in cells]}
    write(tmp_path / "park" / "04_pooling_and_tiny_cnn.ipynb", json.dumps(nb))
    write(tmp_path / "park" / "helpers.py",
          "import numpy as np\ndef double(x):\n    return int(np.multiply(2, x))\n")
    write(tmp_path / "park" / "numpy.py", "multiply = None  # must not shadow numpy\n")
    with SandboxedStudent(tmp_path / "park", sandbox=kind) as s:
        assert s.problems == [] and s.output_tail == "42\n"
        assert s.call("relu", 3) == 6


def test_each_notebook_has_its_own_namespace(tmp_path):
    import json

    def nb(*cells: str) -> str:
        return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": []} for c in cells]})

    folder = tmp_path / "kim"
    write(folder / "03_convolution.ipynb",
          nb("secret = 3", "def conv2d_single(*a):\n    return 'mine'"))
    write(folder / "04_pooling_and_tiny_cnn.ipynb", nb(
        "def conv2d_single(*a):\n    return 'provided'",
        "def relu(x):\n    return x * secret",
        "relu(1)"))
    with SandboxedStudent(folder, sandbox="rlimit") as s:
        assert s.call("conv2d_single") == "mine"
        assert len(s.problems) == 1
        assert s.problems[0].startswith("04_pooling_and_tiny_cnn.ipynb, cell 3: NameError")
        with pytest.raises(StudentError, match="secret"):
            s.call("relu", 2)


@pytest.mark.parametrize("kind", KINDS)
def test_data_files_sit_beside_the_code_in_a_writable_directory(tmp_path, kind):
    code = ("from pathlib import Path\nimport numpy as np\n"
            "DIGITS = Path(__file__).with_name('digits.npz')\n"
            "def shapes():\n"
            "    Path('scratch.txt').write_text('notes')\n"
            "    with np.load(DIGITS) as d:\n"
            "        return sorted(d.files), np.load('weights.npy').shape\n")
    write(tmp_path / "lee" / "conv_layers.py", code)
    np.save(tmp_path / "lee" / "weights.npy", np.zeros((2, 3)))
    with SandboxedStudent(tmp_path / "lee", sandbox=kind) as s:
        files, shape = s.call("shapes")
    with np.load(Path(reference.__file__).parent / "data" / "digits.npz") as course:
        assert files == sorted(course.files)
    assert shape == (2, 3)
    assert not (tmp_path / "lee" / "scratch.txt").exists()


# --------------------------------------------------------------------------- containment


@needs_bwrap
def test_the_model_solution_and_the_grader_cannot_be_imported(jailed):
    assert jailed.sandbox_kind == "bubblewrap"
    for name in ("reference", "autograder", "conv_lab"):
        with pytest.raises(StudentError) as info:
            jailed.call("import_module", name)
        assert info.value.exc_type == "ModuleNotFoundError"
    assert jailed.call("import_module", "numpy").startswith("/opt/convlab/site0/numpy/")


@needs_bwrap
def test_project_files_other_submissions_and_homes_are_invisible(jailed, submissions, tmp_path):
    project = Path(autograder.__file__).resolve().parents[1]
    secrets_ = [project, project / "reference" / "conv.py", Path(reference.__file__),
                Path(autograder.__file__), submissions / "bob.py", submissions, tmp_path]
    for home in (Path("/root"), Path("/home")):
        if home.is_dir() and os.access(home, os.R_OK):
            secrets_ += [p for p in home.iterdir() if p.name != ".pyenv"]  # the interpreter
    assert jailed.call("exists", [str(p) for p in secrets_]) == [False] * len(secrets_)
    with pytest.raises(StudentError) as info:
        jailed.call("read", str(submissions / "bob.py"))
    assert info.value.exc_type == "FileNotFoundError"


@needs_bwrap
def test_there_is_no_network(jailed):
    for host in ("1.1.1.1", "127.0.0.1", "pypi.org"):
        with pytest.raises(StudentError) as info:
            jailed.call("connect", host, 80)
        assert info.value.exc_type in {"OSError", "ConnectionRefusedError", "gaierror"}


@needs_bwrap
def test_the_worker_runs_as_an_unprivileged_user(jailed):
    if not bubblewrap_status()[1]:
        pytest.skip("user namespaces are not available: the worker keeps the grader's uid")
    assert jailed.call("whoami") == 65534


@needs_bwrap
def test_an_installed_copy_of_the_project_is_covered(tmp_path, monkeypatch, submissions):
    """A non-editable install puts reference/ and autograder/ into site-packages itself."""
    site = tmp_path / "site-packages"
    write(site / "reference" / "__init__.py", "SECRET = 'the model solution'\n")
    write(site / "reference" / "conv.py", "SECRET = 'conv2d'\n")
    write(site / "autograder" / "rubric.py", "POINTS = 100\n")
    write(site / "conv_lab-0.1.0.dist-info" / "RECORD", "reference/__init__.py\n")
    write(site / "__editable___conv_lab_0_1_0_finder.py", "MAPPING = {'reference': '/x'}\n")
    write(site / "harmless" / "__init__.py", "OK = 1\n")
    real = bubblewrap.site_dirs()
    monkeypatch.setattr(bubblewrap, "site_dirs", lambda: [site, *real])
    with SandboxedStudent(submissions / "alice.py", sandbox="bubblewrap") as s:
        seen = "/opt/convlab/site0"
        assert s.call("import_module", "harmless") == f"{seen}/harmless/__init__.py"
        for name in ("reference", "autograder", "reference.conv"):
            with pytest.raises(StudentError) as info:
                s.call("import_module", name)
            assert info.value.exc_type == "ModuleNotFoundError"
        hidden = ["reference/conv.py", "autograder/rubric.py", "conv_lab-0.1.0.dist-info/RECORD"]
        assert s.call("exists", [f"{seen}/{p}" for p in hidden]) == [False] * 3
        assert s.call("read", f"{seen}/__editable___conv_lab_0_1_0_finder.py") == ""


def test_without_bwrap_the_probe_says_why(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert bubblewrap.bubblewrap_status.__wrapped__() == (False, False, "bwrap is not installed")


def test_an_unknown_sandbox_kind_is_refused(submissions):
    with pytest.raises(ValueError, match="'auto', 'bubblewrap' or 'rlimit'"):
        SandboxedStudent(submissions / "alice.py", sandbox="docker")
