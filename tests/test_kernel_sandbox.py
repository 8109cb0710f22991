"""nbgrader's kernels in bubblewrap: a student's notebook can write its own folder only.

The attack this stops: during ``nbgrader autograde`` an answer cell copied a
classmate's submission over its own and replaced the classmate's with the blank release.
"""

import os
import shutil
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbclient")
from nbclient import NotebookClient

from autograder.course.kernel import SandboxedKernelManager
from autograder.sandbox import bubblewrap_status

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not bubblewrap_status()[0], reason="bubblewrap is not usable here"),
]


def run_cells(workdir: Path, *sources: str, timeout: int = 60) -> list[str]:
    """Each cell's text output (or error name), run in a sandboxed kernel in ``workdir``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    client = NotebookClient(nb, timeout=timeout, interrupt_on_timeout=True, allow_errors=True,
                            kernel_name="python3", kernel_manager_class=SandboxedKernelManager,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return ["".join(o.get("text", o.get("ename", "")) for o in cell.outputs).strip()
            for cell in nb.cells]


@pytest.fixture
def course(tmp_path):
    """A course folder: bob's submission, alice's autograded copy, the gradebook."""
    bob = tmp_path / "submitted" / "bob" / "conv_layers"
    bob.mkdir(parents=True)
    (bob / "03_convolution.ipynb").write_text("bob's honest work")
    (tmp_path / "gradebook.db").write_text("scores")
    alice = tmp_path / "autograded" / "alice" / "conv_layers"
    alice.mkdir(parents=True)
    return tmp_path


def probe(path: Path) -> str:
    """A cell that reports whether ``path`` can be read, then whether it can be written."""
    return (f"p = {str(path)!r}\n"
            "for mode in ('r', 'a'):\n"
            "    try:\n"
            "        with open(p, mode) as f:\n"
            "            f.read() if mode == 'r' else f.write('tampered')\n"
            "        print(mode, 'allowed')\n"
            "    except OSError as e:\n"
            "        print(mode, 'refused', type(e).__name__)\n")


def test_a_kernel_writes_its_own_folder_and_nothing_of_the_course(course, capfd,
                                                                 monkeypatch):
    alice = course / "autograded" / "alice" / "conv_layers"
    bob_nb = course / "submitted" / "bob" / "conv_layers" / "03_convolution.ipynb"
    # the term's seed, in the course folder the kernel cannot see
    (course / "conv-lab.toml").write_text("[grading]\nseed = 2027\n")
    for name in ("CONVLAB_SEED", "CONVLAB_VERBOSE"):
        monkeypatch.delenv(name, raising=False)
    out = run_cells(
        alice,
        "import os; print(os.getcwd())",
        "open('scratch.txt', 'w').write('mine'); print(sorted(os.listdir('.')))",
        probe(bob_nb),
        probe(course / "gradebook.db"),
        f"print(os.path.exists({str(course / 'submitted')!r}))",
        probe(alice / "scratch.txt"),
        "from autograder.course.notebook import course_seed; print(course_seed())",
    )
    assert out[0] == str(alice)
    assert out[1] == "['scratch.txt']" and (alice / "scratch.txt").read_text() == "minetampered"
    assert "r refused" in out[2] and "a refused" in out[2]
    # the gradebook's folder exists in the sandbox only as a mount point in a private tmpfs:
    # a file "written" there vanishes with the sandbox
    assert "r refused" in out[3] and (course / "gradebook.db").read_text() == "scores"
    assert out[4] == "False"
    assert out[5] == "r allowed\na allowed"  # the probe can tell
    assert bob_nb.read_text() == "bob's honest work"
    assert out[6] == "2027"  # given by the grader, as the hidden tests' score() reads it
    terminal = capfd.readouterr()
    assert "Ctrl-C" not in terminal.out + terminal.err  # ipykernel's note: --verbose only


def test_the_kernel_has_no_network_a_small_shm_and_can_import_the_grader(course):
    alice = course / "autograded" / "alice" / "conv_layers"
    out = run_cells(
        alice,
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "    print('connected')\nexcept OSError as e:\n    print('no network')",
        "from autograder import rubric; print(sum(i.points for i in rubric.ITEMS))",
        "try:\n    open('/dev/shm/fill', 'wb').write(b'x' * (16 << 20)); print('wrote 16 MB')\n"
        "except OSError as e:\n    print('shm full', e.errno)",
    )
    assert out == ["no network", "100", "shm full 28"]  # ENOSPC: a private 8 MB /dev/shm


def test_a_cell_past_its_time_is_interrupted_and_the_next_cell_runs(course, capfd,
                                                                    monkeypatch):
    monkeypatch.setenv("CONVLAB_VERBOSE", "1")  # `autograder course --verbose`
    alice = course / "autograded" / "alice" / "conv_layers"
    out = run_cells(alice, "import time\ntime.sleep(60)", "print('next')", timeout=3)
    assert out == ["KeyboardInterrupt", "next"]
    assert "Ctrl-C will not work" in capfd.readouterr().out  # the kernel's own output


def test_nothing_is_left_behind(course, tmp_path):
    before = {p for p in Path("/tmp").glob("convlab-kernel-*")}
    run_cells(course / "autograded" / "alice" / "conv_layers", "print(1)")
    assert {p for p in Path("/tmp").glob("convlab-kernel-*")} - before == set()
    # no bwrap of ours still running for this course
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"bwrap" in cmdline and str(course).encode() in cmdline:
            alive.append(pid)
    assert alive == []
    shutil.rmtree(course)
