"""Hypothesis profiles and shared fixtures for the harness's own tests.

Shared plain helpers live in ``tests/support/`` (importable as ``support``): simulated
nbgrader students, and students as namespaces (``run_source``, ``stub_namespace``).

"ci" (the default): derandomized and without an example database, so every run checks the
same cases and a failure reproduces; no deadlines, since this machine is shared and noisy.
"dev": random cases for exploring (HYPOTHESIS_PROFILE=dev).
"""

import os

import pytest
from hypothesis import HealthCheck, settings
from reference_strategies import torch_on_one_thread

settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The files that take longest (``--durations``), longest first. With ``--dist loadfile``
#: xdist hands out whole files in the order collected (see ``pytest_configure``): these
#: start first and the short ones fill in, so the workers finish together instead of one
#: running a long file alone at the end.
LONGEST_FIRST = (
    "test_documented_commands.py", "test_nbgrader_cycle.py", "test_assignments_release.py",
    "test_nbgrader_robustness.py", "test_selfcheck.py", "test_store_faults.py",
    "test_fairness.py", "test_watchdog.py", "test_hardening_reports.py", "test_cluster.py",
    "test_cli.py", "test_checks.py", "test_gradescope.py", "test_instructor_path.py",
)


def pytest_configure(config: pytest.Config) -> None:
    # xdist otherwise orders files by their number of tests, which says little of time
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: in-file order kept


@pytest.fixture(scope="module")
def torch():
    """torch as an oracle, on one thread (skips the test where torch is not installed)."""
    yield from torch_on_one_thread()
