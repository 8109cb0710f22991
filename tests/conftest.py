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


@pytest.fixture(scope="module")
def torch():
    """torch as an oracle, on one thread (skips the test where torch is not installed)."""
    yield from torch_on_one_thread()
