"""What runs on a Dask worker: a self-description, and grading one payload.

Both are plain module-level functions, sent to the worker by reference (the worker imports
this package: it must have conv-lab installed, at the client's version).

- :func:`worker_facts` says what this worker would grade with: its host, the sandbox
  ``grade_submission`` would choose (bubblewrap probed once per process), the grader
  version and the rubric hash of the options asked for.
- :func:`grade_payload` checks those facts against what the client expects (a worker can
  join mid-run), writes the payload into a private folder, grades it with the grader
  (:func:`autograder.grading.grade_submission`), and returns the record as JSON text (the
  store's own round-trip), with ``graded_by`` naming the host and the worker.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from ..grading import grade_submission
from ..options import GradeOptions
from ..results import GradeRecord
from ..store import grader_version, record_to_json
from .payload import Payload, unpacked


def worker_address() -> str:
    """This Dask worker's address, or '' outside a worker."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return ""


def sandbox_in_use(requested: str) -> tuple[str, str]:
    """(the sandbox grading would use here for ``requested``, why not bubblewrap or '')."""
    from ..sandbox import bubblewrap_status

    if requested == "rlimit":
        return "rlimit", "rlimit was asked for"
    usable, _, why = bubblewrap_status()
    if usable:
        return "bubblewrap", ""
    return ("unusable" if requested == "bubblewrap" else "rlimit"), why


def worker_facts(options: GradeOptions) -> dict[str, str]:
    """What this process would grade with, for the grading ``options``.

    Returns {"host", "worker", "sandbox", "why", "grader_version", "rubric_hash"}."""
    sandbox, why = sandbox_in_use(options.sandbox)
    return {
        "host": socket.gethostname(),
        "worker": worker_address(),
        "sandbox": sandbox,
        "why": why,
        "grader_version": grader_version(),
        "rubric_hash": options.rubric_hash(),
    }


def refusal(facts: dict[str, str], expected: dict[str, Any]) -> str | None:
    """Why a worker with ``facts`` must not grade for a client expecting ``expected``
    ({"grader_version", "rubric_hash", "allow_rlimit"}), or None."""
    name = f"worker {facts['worker'] or '?'} on {facts['host']}"
    if facts["grader_version"] != expected["grader_version"]:
        return (f"{name} runs conv-lab {facts['grader_version']}, this client "
                f"{expected['grader_version']}: install the same version on every worker")
    if facts["rubric_hash"] != expected["rubric_hash"]:
        return (f"{name} has another rubric (hash {facts['rubric_hash']}, this client "
                f"{expected['rubric_hash']}): install the same version on every worker")
    if facts["sandbox"] == "unusable":
        return f"{name} cannot run bubblewrap, which was asked for: {facts['why']}"
    if facts["sandbox"] == "rlimit" and not expected.get("allow_rlimit"):
        return (f"{name} would grade without bubblewrap, only with resource limits "
                f"({facts['why']}); install bubblewrap there, or pass --allow-rlimit to "
                "accept that")
    return None


def grade_payload(payload: Payload, options: GradeOptions, expected: dict[str, Any],
                  grader: Callable[..., GradeRecord] = grade_submission) -> dict[str, str]:
    """Grade one payload here. Returns {"record": JSON text} or, if this worker must not
    grade (see :func:`refusal`), {"refused": why} without grading anything."""
    facts = worker_facts(options)
    why = refusal(facts, expected)
    if why:
        return {"refused": why}
    with unpacked(payload) as sub:
        record = grader(sub, options)
    record.graded_by = {**record.graded_by, "host": facts["host"], "worker": facts["worker"]}
    return {"record": record_to_json(record)}
