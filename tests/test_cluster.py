"""Grading on a Dask cluster (``autograder.cluster``): the payload a worker receives, the
checks a worker must pass, and, with real ``dask scheduler`` / ``dask worker`` processes on
127.0.0.1 and a ``LocalCluster``, records equal to a local run's through worker and
scheduler faults."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.cluster import MAX_PAYLOAD_BYTES, ClusterError, PayloadError, pack, unpacked
from autograder.cluster.payload import Payload
from autograder.cluster.worker import refusal
from autograder.examples import build_class, example_class
from autograder.grading import SubmissionPath, find_submissions, grade_many
from autograder.options import GradeOptions
from autograder.reports.feedback import feedback_html, record_text
from autograder.reports.results_json import results_json
from autograder.results import GradeRecord, ItemResult
from autograder.store import STORE_NAME, content_hash, record_from_json, record_to_json
from autograder.submission import MAX_FILE_BYTES

AUTOGRADER = str(Path(sys.executable).parent / "autograder")
CLASS = {s.name: s for s in example_class()}
STUDENTS = ["loops", "stub", "bug_zero_pad_corner", "bug_conv_bias_missing",
            "crash_on_import", "truncated_upload"]
ITEMS = ("zero_pad: shape and placement", "conv2d: bias", "softmax: values and stability")

# --------------------------------------------------------------------------- the payload

names = st.text("abcxyz_0129", min_size=1, max_size=6)
suffixes = st.sampled_from([".py", ".ipynb", ".npz", ".txt", ".csv", ".md", ""])
trees = st.dictionaries(
    st.lists(names, min_size=1, max_size=3).map(tuple), st.binary(max_size=64), max_size=6)


def _write_tree(root: Path, tree: dict, suffix_of: dict) -> None:
    for parts, data in tree.items():
        path = root.joinpath(*parts[:-1], parts[-1] + suffix_of.get(parts, ".py"))
        if any(p.is_file() for p in path.parents if p != root and root in p.parents):
            continue  # a file where this one wants a folder
        if path.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@given(tree=trees, suffix=suffixes, hidden=st.booleans())
def test_a_folder_travels_as_exactly_the_bytes_grading_reads(tmp_path_factory, tree, suffix,
                                                              hidden):
    root = tmp_path_factory.mktemp("sub") / "dana"
    root.mkdir()
    _write_tree(root, tree, {k: suffix for k in list(tree)[::2]})
    if hidden:
        (root / ".secret.py").write_text("not graded")
        (root / "__pycache__").mkdir()
        (root / "__pycache__" / "x.py").write_text("not graded")
    payload = pack(SubmissionPath("dana", root, ("a note",)))
    assert all(not n.startswith(".") and "__pycache__" not in n for n, _ in payload.files)
    with unpacked(payload) as sub:
        assert sub.student == "dana" and sub.notes == ("a note",)
        assert sub.path.name == "dana" and sub.path.is_dir()
        assert content_hash(sub.path) == content_hash(root)
        unpacked_at = sub.path
    assert not unpacked_at.exists()  # the private folder is gone afterwards


@given(data=st.binary(max_size=200), name=st.sampled_from(["alice.py", "bob.ipynb"]))
def test_a_file_travels_under_its_own_name(tmp_path_factory, data, name):
    path = tmp_path_factory.mktemp("sub") / name
    path.write_bytes(data)
    payload = pack(SubmissionPath(path.stem, path))
    with unpacked(payload) as sub:
        assert sub.path.name == name and sub.path.read_bytes() == data
        assert content_hash(sub.path) == content_hash(path)


def test_a_file_over_the_loaders_limit_travels_as_its_size_and_is_refused_the_same(tmp_path):
    from autograder.submission import load_submission

    folder = tmp_path / "erin"
    folder.mkdir()
    (folder / "conv_layers.py").write_text("x = 1\n")
    with open(folder / "huge.py", "wb") as f:
        os.truncate(f.fileno(), MAX_FILE_BYTES + 1)
    payload = pack(SubmissionPath("erin", folder))
    assert payload.nbytes < 100 and payload.sizes_only == (("huge.py", MAX_FILE_BYTES + 1),)
    with unpacked(payload) as sub:
        assert load_submission(sub.path).problems == load_submission(folder).problems
        assert any("huge.py" in p and "limit" in p for p in load_submission(folder).problems)


def test_a_payload_over_its_limit_or_with_unsafe_names_is_refused(tmp_path):
    path = tmp_path / "big.py"
    path.write_bytes(b"#" * 2000)
    with pytest.raises(PayloadError, match=r"more than 1000 bytes"):
        pack(SubmissionPath("big", path), limit=1000)
    assert MAX_PAYLOAD_BYTES >= MAX_FILE_BYTES
    for bad in ["../escape.py", "/etc/passwd", "a/../../b.py", ""]:
        with pytest.raises(ValueError, match="plain relative path"), \
                unpacked(Payload("eve", "eve", True, ((bad, b"x"),))):
            pass
    with pytest.raises(ValueError, match="plain file or folder name"), \
            unpacked(Payload("eve", "../eve.py", False, (("../eve.py", b"x"),))):
        pass


# --------------------------------------------------------------------------- worker checks

FACTS = {"host": "node7", "worker": "tcp://10.1.2.3:4567", "sandbox": "bubblewrap", "why": "",
         "grader_version": "0.1.0+abc", "rubric_hash": "r1"}
EXPECTED = {"grader_version": "0.1.0+abc", "rubric_hash": "r1", "allow_rlimit": False}


def test_a_worker_like_the_client_may_grade():
    assert refusal(FACTS, EXPECTED) is None
    assert refusal({**FACTS, "sandbox": "rlimit"}, {**EXPECTED, "allow_rlimit": True}) is None


@pytest.mark.parametrize(("change", "words"), [
    ({"grader_version": "0.1.0+zzz"}, ["conv-lab 0.1.0+zzz", "0.1.0+abc"]),
    ({"rubric_hash": "r2"}, ["another rubric", "r2", "r1"]),
    ({"sandbox": "rlimit", "why": "bwrap is not installed"},
     ["without bubblewrap", "bwrap is not installed", "--allow-rlimit"]),
    ({"sandbox": "unusable", "why": "no userns"}, ["cannot run bubblewrap", "no userns"]),
])
def test_a_worker_unlike_the_client_is_refused_by_name(change, words):
    why = refusal({**FACTS, **change}, EXPECTED)
    assert why is not None and "tcp://10.1.2.3:4567" in why and "node7" in why
    for word in words:
        assert word in why


# --------------------------------------------------------------------------- graded_by


def test_where_a_record_was_graded_is_kept_for_the_instructor_only():
    record = GradeRecord("ann", [ItemResult("relu: values", 1.0, 1.0)], "bubblewrap",
                         graded_by={"host": "gpu-node-17", "worker": "tcp://10.0.0.17:40001"})
    back = record_from_json(record_to_json(record))
    assert back == record
    extra = results_json(record)["extra_data"]
    assert extra["graded_by"] == {"host": "gpu-node-17", "worker": "tcp://10.0.0.17:40001",
                                  "sandbox": "bubblewrap"}
    student_text = record_text(record) + feedback_html(record) + "".join(
        t["output"] for t in results_json(record)["tests"])
    assert "gpu-node-17" not in student_text and "10.0.0.17" not in student_text
    plain = GradeRecord("ann", record.items, "bubblewrap")
    assert "graded_by" not in results_json(plain)["extra_data"]
    assert record_from_json(record_to_json(plain)) == plain


# --------------------------------------------------------------------------- real clusters


def _bubblewrap_or_skip() -> None:
    from autograder.sandbox import bubblewrap_status

    usable, _, why = bubblewrap_status()
    if not usable:
        pytest.skip(f"needs bubblewrap: {why}")


def _make_class(folder: Path, killer: bool = False) -> Path:
    build_class(folder, [CLASS[n] for n in STUDENTS])
    dana = folder / "dana"  # a folder submission with a data file beside the code
    dana.mkdir()
    (dana / "conv_layers.py").write_text(CLASS["bug_softmax_no_max"].source())
    (dana / "notes.txt").write_text("my notes\n")
    if killer:
        (folder / "z_killer.py").write_text(CLASS["loops"].source())
    return folder


def _item_args() -> list[str]:
    return [a for name in ITEMS for a in ("--item", name)]


def _comparable(out: Path) -> dict[str, object]:
    """Every report in ``out``, results.json without execution_time and graded_by."""
    found: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        rel = str(path.relative_to(out))
        if path.name == "results.json":
            data = json.loads(path.read_text())
            data.pop("execution_time")
            data["extra_data"].pop("graded_by", None)
            found[rel] = data
        elif path.name in ("feedback.html", "grades.csv"):
            found[rel] = path.read_text()
    return found


def _graded_by(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text())["extra_data"].get("graded_by", {})
            for p in out.glob("*/results.json")}


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory) -> Path:
    """The class graded locally (two worker processes): what every cluster run must equal."""
    _bubblewrap_or_skip()
    root = tmp_path_factory.mktemp("local")
    cls = _make_class(root / "class")
    out = root / "out"
    done = subprocess.run([AUTOGRADER, "grade", str(cls), "--out", str(out), "--quiet",
                           "--workers", "2", *_item_args()],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert len(list(out.glob("*/results.json"))) == len(STUDENTS) + 1
    return out


@pytest.fixture(scope="module")
def dask_processes(tmp_path_factory):
    """A scheduler and two single-thread workers with nannies, torn down however the
    module's tests end."""
    pytest.importorskip("distributed")
    from support.dask_cluster import DaskProcesses

    with DaskProcesses(tmp_path_factory.mktemp("dask"), workers=2) as cluster:
        yield cluster


def _stored(out: Path) -> int:
    try:
        with sqlite3.connect(f"file:{out / STORE_NAME}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    except sqlite3.Error:
        return 0


def _kill_a_busy_worker(cluster) -> str | None:
    """SIGKILL the worker process (not its nanny) of a worker that holds a task now."""
    with cluster.client() as client:
        busy = [addr for addr, keys in client.processing().items() if keys]
        if not busy:
            return None
        pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
    os.kill(pid, signal.SIGKILL)
    return busy[0]


@pytest.mark.slow
def test_a_class_graded_on_dask_equals_a_local_run_when_a_worker_is_killed_mid_run(
        tmp_path, dask_processes, local_reference):
    cls = _make_class(tmp_path / "class")
    out = tmp_path / "out"
    grader = subprocess.Popen([AUTOGRADER, "grade", str(cls), "--out", str(out), "--quiet",
                               *_item_args(), "--scheduler", dask_processes.address],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed, stored_then = None, 0
        deadline = time.monotonic() + 300
        while grader.poll() is None and killed is None and time.monotonic() < deadline:
            if _stored(out) >= 1:
                stored_then = _stored(out)
                killed = _kill_a_busy_worker(dask_processes)
            time.sleep(0.05)
        stdout, stderr = grader.communicate(timeout=600)
    finally:
        if grader.poll() is None:
            grader.kill()
            grader.wait()
    assert grader.returncode == 0, stderr
    assert killed is not None and stored_then < len(STUDENTS) + 1, "no worker was busy"
    assert "grading on the Dask cluster at" in stderr and "sandbox: bubblewrap" in stderr
    assert f"graded {len(STUDENTS) + 1}:" in stdout
    assert _comparable(out) == _comparable(local_reference)
    where = _graded_by(out)
    assert len(where) == len(STUDENTS) + 1
    assert all(w["sandbox"] == "bubblewrap" and w["worker"].startswith("tcp://127.0.0.1:")
               and w["host"] for w in where.values()), where
    dask_processes.wait_for_workers(2)  # the nanny started the killed worker again


@pytest.mark.slow
def test_a_submission_that_kills_its_worker_twice_gets_a_record_and_the_batch_goes_on(
        tmp_path, dask_processes):
    from support.cluster_faults import kills_its_worker

    from autograder.cluster import dask_runner
    from autograder.incremental import grade_into_store

    cls = _make_class(tmp_path / "class", killer=True)
    subs, _ = find_submissions([cls])
    local = grade_many(subs, GradeOptions(items=ITEMS), workers=2, grader=kills_its_worker)
    run = grade_into_store(subs, tmp_path / "out", GradeOptions(items=ITEMS),
                           grader=kills_its_worker, runner=dask_runner(dask_processes.address))
    assert [r.student for r in run.records] == [s.student for s in subs]
    killer = run.records[-1]
    assert killer.student == "z_killer" and killer.score == 0
    assert killer.problems == local[-1].problems and "died" in killer.problems[0]
    for mine, theirs in zip(run.records, local, strict=True):
        assert mine.graded_by.get("worker", "").startswith("tcp://") or mine is killer
        mine.seconds = theirs.seconds = 0.0
        mine.graded_by = theirs.graded_by = {}
        assert record_to_json(mine) == record_to_json(theirs)
    dask_processes.wait_for_workers(2)


@pytest.mark.slow
def test_a_submission_sharing_a_worker_with_a_killer_is_not_blamed(tmp_path):
    """One worker with two threads runs both at once, so each death is blamed on both and
    Dask gives up on both (KilledWorker); the honest one, graded again alone, gets its own
    record."""
    _bubblewrap_or_skip()
    pytest.importorskip("distributed")
    from support.cluster_faults import kills_its_worker_while_others_run
    from support.dask_cluster import DaskProcesses

    from autograder.cluster import dask_runner
    from autograder.incremental import grade_into_store

    cls = tmp_path / "class"
    build_class(cls, [CLASS["bug_conv_bias_missing"]])
    (cls / "a_killer.py").write_text(CLASS["loops"].source())
    subs, _ = find_submissions([cls])
    with DaskProcesses(tmp_path / "dask", workers=1, threads=2) as cluster:
        run = grade_into_store(subs, tmp_path / "out", GradeOptions(items=ITEMS),
                               grader=kills_its_worker_while_others_run,
                               runner=dask_runner(cluster.address))
    killer, honest = run.records
    assert killer.student == "a_killer" and "died" in killer.problems[0]
    assert honest.problems == [] and honest.graded_by["worker"].startswith("tcp://")
    local = grade_many(subs[1:], GradeOptions(items=ITEMS))[0]
    honest.seconds = local.seconds = 0.0
    honest.graded_by = local.graded_by = {}
    assert record_to_json(honest) == record_to_json(local)


@pytest.mark.slow
def test_a_lost_scheduler_stops_the_run_with_a_message_and_loses_nothing(tmp_path,
                                                                          local_reference):
    pytest.importorskip("distributed")
    from support.dask_cluster import DaskProcesses

    cls = _make_class(tmp_path / "class")
    out = tmp_path / "out"
    with DaskProcesses(tmp_path / "dask", workers=2) as cluster:
        grader = subprocess.Popen([AUTOGRADER, "grade", str(cls), "--out", str(out), "--quiet",
                                   *_item_args(), "--scheduler", cluster.address],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 300
            while grader.poll() is None and _stored(out) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            cluster.kill_scheduler()
            _stdout, stderr = grader.communicate(timeout=120)
        finally:
            if grader.poll() is None:
                grader.kill()
                grader.wait()
    stored = _stored(out)
    if grader.returncode == 0:
        pytest.skip("the class was graded before the scheduler could be killed")
    assert grader.returncode == 2, stderr
    assert re.search(r"error: lost the Dask scheduler at tcp://127\.0\.0\.1:\d+", stderr), stderr
    assert "Every record graded so far is safe in the store" in stderr
    assert "Traceback" not in stderr
    assert stored >= 2
    # the same command without the cluster finishes, grading only what was not stored
    again = subprocess.run([AUTOGRADER, "grade", str(cls), "--out", str(out), "--quiet",
                            "--workers", "2", *_item_args()],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{stored} cached" in again.stdout
    assert _comparable(out) == _comparable(local_reference)


@pytest.mark.slow
def test_workers_of_another_version_or_without_bubblewrap_are_refused_by_name(tmp_path):
    _bubblewrap_or_skip()
    pytest.importorskip("distributed")
    from support.dask_cluster import DaskProcesses

    cls = tmp_path / "class"
    build_class(cls, [CLASS["loops"], CLASS["bug_conv_bias_missing"]])
    grade = [AUTOGRADER, "grade", str(cls), "--quiet", *_item_args()]
    with DaskProcesses(tmp_path / "dask", workers=1,
                       worker_env={"PATH": str(tmp_path / "no-bwrap")}) as cluster:
        refused = subprocess.run([*grade, "--out", str(tmp_path / "a"),
                                  "--scheduler", cluster.address],
                                 capture_output=True, text=True, timeout=300)
        assert refused.returncode == 2, refused.stderr
        assert re.search(r"worker tcp://127\.0\.0\.1:\d+ on \S+ would grade without "
                         r"bubblewrap.*bwrap is not installed.*--allow-rlimit", refused.stderr)
        assert _stored(tmp_path / "a") == 0
        allowed = subprocess.run([*grade, "--out", str(tmp_path / "b"), "--allow-rlimit",
                                  "--scheduler", cluster.address],
                                 capture_output=True, text=True, timeout=300)
        assert allowed.returncode == 0, allowed.stderr
        # without bubblewrap a root worker runs students as users of their own
        fallback = "rlimit-as-other-user" if os.geteuid() == 0 else "rlimit-as-self"
        assert {w["sandbox"] for w in _graded_by(tmp_path / "b").values()} == {fallback}

        # a worker whose conv-lab differs by one comment in a check
        other = tmp_path / "other"
        root = Path(__file__).resolve().parents[1]
        for package in ("autograder", "reference"):
            shutil.copytree(root / package, other / package,
                            ignore=shutil.ignore_patterns("__pycache__"))
        with open(other / "autograder" / "checks" / "conv.py", "a") as f:
            f.write("# edited on one worker only\n")
        cluster.add_worker("other.log", env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": os.pathsep.join([str(other), str(root / "tests")])})
        cluster.wait_for_workers(2)
        refused = subprocess.run([*grade, "--out", str(tmp_path / "c"), "--allow-rlimit",
                                  "--scheduler", cluster.address],
                                 capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2, refused.stderr
    assert re.search(r"worker tcp://127\.0\.0\.1:\d+ on \S+ runs conv-lab \S+, this client "
                     r"\S+: install the same version on every worker", refused.stderr), \
        refused.stderr
    assert _stored(tmp_path / "c") == 0


@pytest.mark.slow
def test_a_local_cluster_grades_like_the_local_pool(tmp_path, local_reference):
    distributed = pytest.importorskip("distributed")
    from autograder.cluster import dask_runner
    from autograder.incremental import grade_into_store

    cls = _make_class(tmp_path / "class")
    subs, _ = find_submissions([cls])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0",
                                  memory_limit="2GiB") as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        messages: list[str] = []  # a Client given is used, and left open
        run = grade_into_store(subs, tmp_path / "out", GradeOptions(items=ITEMS),
                               runner=dask_runner(client, announce=messages.append))
        assert client.status == "running"
    assert run.graded == len(subs) and not run.failed
    assert any("2 worker(s)" in m for m in messages), messages
    assert _comparable(tmp_path / "out") == _comparable(local_reference)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_named(tmp_path):
    pytest.importorskip("distributed")
    from autograder.cluster import dask_runner
    from autograder.incremental import grade_into_store

    path = tmp_path / "a.py"
    path.write_text(CLASS["loops"].source())
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler at "
                                           r"tcp://127\.0\.0\.1:9"):
        grade_into_store([SubmissionPath("a", path)], tmp_path / "out", GradeOptions(items=ITEMS),
                         runner=dask_runner("tcp://127.0.0.1:9", connect_timeout=2))
    assert _stored(tmp_path / "out") == 0
