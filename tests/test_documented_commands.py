"""Every shell command README.md and docs/*.md show works as shown.

The commands are read from the fenced code blocks with markdown-it-py. Rules the docs follow
(and the fast tests here check):

- Every fence names its language. ``bash``, ``sh``, ``shell`` and ``console`` blocks are
  shell (in ``console`` only the lines starting with ``$ ``); ``python``, ``toml`` and
  ``text`` (a synopsis, a file's contents, a folder tree) are not run. Any other language
  fails the test, so a new block is never silently skipped.
- A line ending in ``\\`` continues on the next; one command is what the shell reads as one.
- A command expected to fail says so on its (last) line: ``# expected to fail: why``. It
  must then exit non-zero; every other command must exit 0.
- A comment line ``# ... what happens ...`` is a step people do (students work and submit,
  the instructor grades): the test does it with simulated people
  (``tests/support/doc_students.py``); a step it cannot simulate fails the test.
- ``<!-- run from: a student's home folder -->`` right before a block runs it from a
  student's home; every other block runs from the repository root.

The slow test runs every block, in the order of ``DOCS``, in one temporary copy of the
repository's working files (the course cut to its first notebook, for speed; the
students' stub folder; the grader's source and babel.cfg for the translation commands;
``.venv`` linking to this interpreter's environment), with HOME a temporary folder and
placeholders replaced (``PLACEHOLDERS``). It provides what the docs assume is there:
``submissions/`` (a small class from ``autograder.examples``, with alice), ``my_items.py``
written from the README's own "Add an item" block, the LMS's exported gradebooks, an
extensions file, an LMS download in ``~/Downloads/submissions`` (Canvas names), and an
exchange with two students' submissions made by the real ``nbgrader submit --student``.
The student's side runs as a student would, from a fresh home folder with no nbgrader
settings: the block itself must say where the exchange is, then fetch, validate (the
notebook's self-checks run), submit and fetch the feedback; the stub's self-check runs
from the stub folder. Commands that install software, start servers or run for minutes
are not run: ``NOT_RUN`` lists each, with the reason; a command neither run nor listed
fails the test, and so does a listed command the docs no longer show.
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
#: the documents, in the order their commands run (later ones use what earlier ones made)
DOCS = ["docs/nbgrader.md", "docs/lms.md", "README.md", "docs/gradescope.md",
        "docs/translating.md", "docs/cluster.md", "docs/glossary.md"]
SHELL = {"bash", "sh", "shell", "console"}
NOT_SHELL = {"python", "toml", "text"}
EXPECTED_FAIL = re.compile(r"#\s*expected to fail:")
INTERACTIVE = re.compile(r"^#\s*\.\.\.\s*(.*?)\s*\.\.\.\s*$")
RUN_FROM = re.compile(r"<!--\s*run from:\s*(.*?)\s*-->")
STUDENT_HOME = "a student's home folder"

#: interactive step (the text between the dots) -> the simulation that does it
INTERACTIONS = {
    "students fetch, work and submit until the deadline": "submit",
    "students: nbgrader fetch_assignment conv_layers; work; nbgrader submit conv_layers":
        "submit",
    "edit the notebooks in JupyterLab or any editor": "edit",
    "after the deadline the instructor grades and releases the feedback": "grade",
}

_SUITE = "runs the test suite, which holds this test; CI runs it"
_BENCH = ("a benchmark: measures for minutes and prints a table (README, Speed); "
          "nothing in it to check")
_CLUSTER = ("needs a running Dask cluster; tests/test_cluster.py grades through a real "
            "`dask scheduler` and workers")
_BUNDLE = ("installs the bundle into a fresh venv (minutes); "
           "tests/test_gradescope.py::test_bundle_installs_and_grades_in_gradescope_layout "
           "runs these steps")
_EXAMPLE_CLASS = ("grades the 29 example students (about 90 s on 2 cores), as `autograder demo` "
                  "does in tests/test_cli.py; the other commands of this block need its "
                  "reports: tests/test_instructor_path.py runs replay and --student on a graded "
                  "class, tests/test_store.py history; here, the README's --student on "
                  "submissions/")
#: documented commands this test does not run, each with the reason
NOT_RUN = {
    # README, Quickstart: CI (.ci/run) runs both itself; they build the venv this runs in
    "python3.11 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/autograder demo":
        "installs into the repository's own .venv; CI runs it (.ci/run), and `autograder "
        "demo` is tests/test_cli.py's",
    "python3.11 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "
    ".venv/bin/python -m pytest -n auto --dist loadfile": _SUITE,
    '.venv/bin/python -m pytest -n auto --dist loadfile -m "not slow"': _SUITE,
    ".venv/bin/python -m pytest tests/test_compare.py -q      # one file": _SUITE,
    "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python "
    "benchmarks/bench_reference.py --reps 30 --threads 1": _BENCH,
    ".venv/bin/python benchmarks/bench_grading.py --copies 4 --workers 2 1 --repeats 1": _BENCH,
    ".venv/bin/python benchmarks/bench_cluster.py --copies 1 --repeats 3": _BENCH,
    ".venv/bin/python benchmarks/bench_store.py --submissions 200 --repeats 5": _BENCH,
    ".venv/bin/python benchmarks/bench_scale.py --sizes 500 1000 2000 5000 --fresh 20": _BENCH,
    ".venv/bin/python benchmarks/bench_sandbox.py --repeat 9": _BENCH,
    ".venv/bin/python benchmarks/bench_memory.py --workers 2": _BENCH,
    ".venv/bin/python benchmarks/bench_submission.py --repeats 5": _BENCH,
    ".venv/bin/python benchmarks/bench_training.py --repeats 3": _BENCH,
    ".venv/bin/python benchmarks/bench_attack.py --rounds 20": _BENCH,
    ".venv/bin/python benchmarks/bench_attack.py --burn": _BENCH,
    ".venv/bin/python benchmarks/bench_cycle.py --students 30 --notebooks 01,02,03 "
    "--workers 2": _BENCH,
    # README, "Try every command on the example class" (its first line runs)
    "autograder grade example-class/ --out example-reports/ --workers 2": _EXAMPLE_CLASS,
    "autograder history example-reports/": _EXAMPLE_CLASS,
    "autograder replay example-reports/ bug_kernel_flipped": _EXAMPLE_CLASS,
    "autograder grade example-class/ --out example-reports/ --student bug_kernel_flipped "
    "--force": _EXAMPLE_CLASS,
    # docs/cluster.md
    "pip install 'conv-lab[cluster]'          # on the instructor's machine and on every "
    "worker": "installs software",
    "autograder grade submissions/ --out reports/ --scheduler tcp://HOST:8786": _CLUSTER,
    "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1 dask scheduler --port 8786":
        "starts a server that runs until stopped; " + _CLUSTER,
    "dask worker tcp://SCHEDULER:8786 --nthreads 1 --nworkers auto --memory-limit 2GiB   "
    "# each machine": "starts a server that runs until stopped; " + _CLUSTER,
    "autograder grade submissions/ --out reports/ --scheduler tcp://SCHEDULER:8786": _CLUSTER,
    # docs/gradescope.md, "Trying a bundle without Gradescope"
    "root=$(mktemp -d)": _BUNDLE,
    'mkdir -p "$root"/source "$root"/submission "$root"/results': _BUNDLE,
    'unzip -q conv-lab-autograder.zip -d "$root"/source && cp "$root"/source/run_autograder '
    '"$root"/': _BUNDLE,
    'python3.11 -m venv "$root"/venv': _BUNDLE,
    'export PATH="$root/venv/bin:$PATH" AUTOGRADER_ROOT="$root"': _BUNDLE,
    '(cd "$root"/source && bash setup.sh)': _BUNDLE,
    'cp my_conv_layers.py "$root"/submission/conv_layers.py': _BUNDLE,
    '"$root"/run_autograder && cat "$root"/results/results.json': _BUNDLE,
}


# ---------------------------------------------------------------------------- reading the docs

@dataclass
class Step:
    """One command (or one interactive step) of a block, where the docs show it."""

    doc: str
    line: int
    text: str
    expected_fail: bool = False
    interaction: str | None = None  # the text of a ``# ... ... ...`` step

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass
class Block:
    doc: str
    line: int
    run_from: str | None
    steps: list[Step] = field(default_factory=list)


def read_blocks(doc: str) -> tuple[list[Block], list[str]]:
    """The shell blocks of ``doc`` and the problems (unlabelled or unknown fences)."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    tokens = MarkdownIt().parse(text)
    blocks, problems = [], []
    for k, token in enumerate(tokens):
        if token.type != "fence":
            continue
        line = token.map[0] + 1
        lang = token.info.strip().split()[0] if token.info.strip() else ""
        if lang not in SHELL | NOT_SHELL:
            problems.append(f"{doc}:{line}: fence language {lang!r} is neither shell "
                            f"({', '.join(sorted(SHELL))}) nor {', '.join(sorted(NOT_SHELL))}")
            continue
        if lang not in SHELL:
            continue
        before = tokens[k - 1] if k else None
        marker = RUN_FROM.search(before.content) if before and before.type == "html_block" \
            else None
        block = Block(doc, line, marker.group(1) if marker else None)
        block.steps = commands(token.content, lang, doc, line + 1)
        blocks.append(block)
    return blocks, problems


def commands(content: str, lang: str, doc: str, first_line: int) -> list[Step]:
    """The commands of one shell block: continuation lines joined, blank lines and plain
    comments left out, ``# ... ... ...`` lines kept as interactive steps."""
    steps: list[Step] = []
    pending, start = "", 0
    for k, raw in enumerate(content.splitlines()):
        line = raw.rstrip()
        if lang == "console" and not pending:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if not pending:
            start = first_line + k
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                found = INTERACTIVE.match(stripped)
                if found:
                    steps.append(Step(doc, start, stripped, interaction=found.group(1)))
                continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        text = pending + line.strip()
        pending = ""
        steps.append(Step(doc, start, text, expected_fail=bool(EXPECTED_FAIL.search(text))))
    return steps


def all_blocks() -> tuple[list[Block], list[str]]:
    blocks, problems = [], []
    for doc in DOCS:
        found, wrong = read_blocks(doc)
        blocks += found
        problems += wrong
    return blocks, problems


def documented_files() -> set[str]:
    return {"README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))}


# ---------------------------------------------------------------------------- fast checks

def test_every_document_is_read_and_every_fence_names_its_language():
    assert set(DOCS) == documented_files(), "add the new document to DOCS, in run order"
    blocks, problems = all_blocks()
    assert not problems, "\n".join(problems)
    assert sum(len(b.steps) for b in blocks) > 40, "the docs' commands were not found"


def test_not_run_lists_only_commands_the_docs_show():
    shown = {s.text for b in all_blocks()[0] for s in b.steps}
    stale = sorted(set(NOT_RUN) - shown)
    assert not stale, f"NOT_RUN names commands the docs no longer show: {stale}"


def test_every_interactive_step_has_a_simulation():
    steps = [s for b in all_blocks()[0] for s in b.steps if s.interaction is not None]
    unknown = [f"{s.where}: {s.text}" for s in steps if s.interaction not in INTERACTIONS]
    assert steps and not unknown, f"no simulation for: {unknown}"
    assert set(INTERACTIONS) == {s.interaction for s in steps}, "a simulation nothing uses"


def test_blocks_run_from_known_places():
    places = {b.run_from for b in all_blocks()[0]}
    assert places <= {None, STUDENT_HOME}, places


@pytest.mark.parametrize("content, lang, expected", [
    ("a \\\n  --b c  # x\n\n# note\nd\n", "bash", ["a --b c  # x", "d"]),
    ("$ ls -l\nfile\n$ echo \\\n  hi\n", "console", ["ls -l", "echo hi"]),
    ("# ... students submit ...\nx  # expected to fail: no\n", "sh",
     ["# ... students submit ...", "x  # expected to fail: no"]),
])
def test_commands_are_read_as_the_shell_reads_them(content, lang, expected):
    steps = commands(content, lang, "d.md", 1)
    assert [s.text for s in steps] == expected
    assert [s.expected_fail for s in steps] == ["expected to fail" in e for e in expected]


# ---------------------------------------------------------------------------- the slow run

def write_rosters(root: Path, students: list[str]) -> None:
    """The gradebooks Canvas and Moodle export (docs/lms.md), one row per student, an
    extensions file, and the instructor's record of when the submission from the LMS
    download (carol's, which came through no exchange) arrived."""
    canvas = ["Student,ID,SIS User ID,SIS Login ID,Section,conv-lab (5521)",
              "    Points Possible,,,,,100.00"]
    moodle = ["First name,Last name,ID number,Institution,Department,Email address"]
    for k, name in enumerate(students):
        canvas.append(f'"{name.title()}, Student",{100 + k},{2026000 + k},{name},CS101-01,')
        moodle.append(f"{name.title()},Student,{2026000 + k},Uni,CS,{name}@uni.example")
    (root / "gradebook.csv").write_text("\n".join(canvas) + "\n", encoding="utf-8")
    (root / "moodle-grades.csv").write_text("\n".join(moodle) + "\n", encoding="utf-8")
    (root / "ext.csv").write_text("student,due\nalice,2026-12-08T23:59+09:00\n",
                                  encoding="utf-8")
    (root / "received.csv").write_text("student,received\ncarol,2026-12-01T22:10+09:00\n",
                                       encoding="utf-8")


@dataclass
class Site:
    """The temporary repository copy the commands run in, and what it holds."""

    tmp: Path
    root: Path
    home: Path
    student_home: Path
    exchange: Path
    #: each block's place and what it printed (stdout and stderr)
    printed: list[tuple[str, str]] = field(default_factory=list)

    def placeholders(self) -> dict[str, str]:
        return {"/srv/nbgrader/exchange": str(self.exchange),
                "/tmp/autograder.pot": str(self.tmp / "autograder.pot")}


def readme_items_file() -> str:
    """The Python block of the README's "Add an item": the file `--items` is given."""
    tokens = MarkdownIt().parse((ROOT / "README.md").read_text(encoding="utf-8"))
    start = next(k for k, t in enumerate(tokens) if t.type == "inline"
                 and t.content.startswith("**Add an item**"))
    return next(t.content for t in tokens[start:] if t.type == "fence"
                and t.info.strip() == "python")


def make_site(tmp: Path) -> Site:
    from autograder.examples import build_class, example_class, read

    root = tmp / "repo"
    course = root / "assignments"
    source = ROOT / "assignments" / "source" / "conv_layers"
    (course / "source" / "conv_layers").mkdir(parents=True)
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course)
    for name in ("01_feature_map_size.ipynb", "selfcheck.py"):  # one notebook: fast
        shutil.copy(source / name, course / "source" / "conv_layers" / name)
    shutil.copytree(ROOT / "assignments" / "stubs", course / "stubs")
    shutil.copytree(ROOT / "autograder", root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "babel.cfg", root)
    (root / ".venv").symlink_to(sys.prefix)
    wanted = {"loops", "stub", "bug_kernel_flipped"}
    students = [s for s in example_class() if s.name in wanted]
    assert len(students) == len(wanted), "the example class lost a student this test uses"
    build_class(root / "submissions", students)
    (root / "submissions" / "alice.py").write_text(read("model_solution.py"), encoding="utf-8")
    (root / "my_items.py").write_text(readme_items_file(), encoding="utf-8")
    write_rosters(root, ["alice", "bob", "carol", getpass.getuser(), "loops", "stub",
                         "bug_kernel_flipped"])
    site = Site(tmp, root, tmp / "home", tmp / "student-home", tmp / "exchange")
    for home in (site.home, site.student_home):
        home.mkdir(parents=True)  # no nbgrader settings: the blocks say what they need
    return site


def fill_lms_download(site: Site) -> None:
    """~/Downloads/submissions as Canvas's Download Submissions gives it: carol's answered
    notebooks (made from the release) named <login>_<user id>_<submission id>_<file>."""
    from support.simulated_students import answer_notebooks, model_answers

    download = site.home / "Downloads" / "submissions"
    download.mkdir(parents=True, exist_ok=True)
    released = site.root / "assignments" / "release" / "conv_layers"
    for nb in sorted(released.glob("*.ipynb")):
        shutil.copy(nb, download / f"carol_102_5557_{nb.name}")
    answer_notebooks(download, *model_answers())
    (download / "carol_102_5557_notes.txt").write_text("not a notebook\n", encoding="utf-8")


def simulation(step: Step, site: Site) -> str:
    """The shell line that does an interactive step, as simulated people."""
    q = shlex.quote
    run = f"PYTHONPATH={q(str(TESTS))} {q(sys.executable)} -m support.doc_students"
    kind = INTERACTIONS[step.interaction]
    course, exchange = q(str(site.root / "assignments")), q(str(site.exchange))
    if kind == "submit":
        return f"{run} submit {course} {exchange} {q(str(site.tmp / 'homes'))}"
    if kind == "grade":
        return f"{run} grade {course} {exchange} {q(str(site.tmp / 'grades-feedback.csv'))}"
    return f"{run} edit"


def script(block: Block, site: Site, rc_file: Path) -> tuple[str, list[Step]]:
    """A bash script running the block's steps in one shell (so ``cd``, ``export`` and
    ``source`` carry over, as for a reader), writing each step's exit status."""
    start = site.student_home if block.run_from == STUDENT_HOME else site.root
    lines = [f"cd {shlex.quote(str(start))}"]
    ran = []
    for k, step in enumerate(block.steps):
        if step.text in NOT_RUN:
            continue
        if step.interaction is not None:
            text = simulation(step, site)
        else:
            text = step.text
            for placeholder, value in site.placeholders().items():
                text = text.replace(placeholder, value)
        lines += [f"echo '>>> {step.where}: ' {shlex.quote(text)}", text,
                  f"echo {k} $? >> {shlex.quote(str(rc_file))}"]
        ran.append(step)
    return "\n".join(lines) + "\n", ran


def run_block(block: Block, site: Site) -> list[str]:
    """Run one block; the failures (command, exit status, the block's output)."""
    rc_file = site.tmp / "rc.txt"
    rc_file.unlink(missing_ok=True)
    text, ran = script(block, site, rc_file)
    if not ran:
        return []
    home = site.student_home if block.run_from == STUDENT_HOME else site.home
    env = {**os.environ, "HOME": str(home),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("CONVLAB_EXCHANGE", None)
    if "~/Downloads/submissions" in text:
        fill_lms_download(site)
    proc = subprocess.run(["bash", "-c", text], env=env, capture_output=True, text=True,
                          timeout=1800)
    site.printed.append((f"{block.doc}:{block.line}", proc.stdout + proc.stderr))
    status = {}
    if rc_file.exists():
        for row in rc_file.read_text().splitlines():
            k, rc = row.split()
            status[int(k)] = int(rc)
    failures = []
    for k, step in enumerate(block.steps):
        if step not in ran:
            continue
        rc = status.get(k)
        if rc is None:
            failures.append(f"{step.where}: never finished: {step.text}")
        elif step.expected_fail and rc == 0:
            failures.append(f"{step.where}: marked expected to fail, exited 0: {step.text}")
        elif not step.expected_fail and rc != 0:
            failures.append(f"{step.where}: exit {rc}: {step.text}")
    if failures:
        failures.append(f"--- output of the block at {block.doc}:{block.line}:\n"
                        f"{proc.stdout[-6000:]}\n--- stderr:\n{proc.stderr[-6000:]}")
    return failures


@pytest.mark.slow
def test_every_documented_command_works_as_shown(tmp_path):
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    pytest.importorskip("nbgrader")
    blocks, problems = all_blocks()
    assert not problems, "\n".join(problems)
    site = make_site(tmp_path)
    failures = []
    for block in blocks:
        failures += run_block(block, site)
    assert not failures, "\n".join(failures)
    # the commands did what the docs say, not merely exit 0
    assert (site.root / "reports" / "grades.csv").is_file()
    assert "test_conv2d_handles_a_1x1_filter" in (site.root / "reports" / "grades.csv"
                                                  ).read_text().splitlines()[0]
    from autograder.examples import example_class

    assert len(list((site.root / "example-class").glob("*.py"))) == len(example_class())
    assert (site.root / "canvas-import.csv").read_text().count("\n") >= 3
    assert sorted(p.name for p in (site.root / "assignments" / "submitted").iterdir()) == \
        sorted({"alice", "bob", "carol", getpass.getuser()})
    feedback = site.student_home / "conv_layers" / "feedback"
    assert list(feedback.glob("*/01_feature_map_size.html")), "the student got no feedback"
    # nothing was wrong, so nothing alarms: no locked cell reported as changed (the
    # students changed none), no kernel's start-up note, no library warning
    alarms = re.compile(r"Attribute '\w+' for cell .* has changed|Ctrl-C will not work|"
                        r"\w+Warning:")
    loud = [f"{where}: {m.group(0)}" for where, text in site.printed
            if where.startswith("docs/nbgrader.md") for m in [alarms.search(text)] if m]
    assert not loud, loud
