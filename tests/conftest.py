"""Hypothesis profiles for the harness's own tests.

"ci" (the default): derandomized and without an example database, so every run checks the
same cases and a failure reproduces; no deadlines, since this machine is shared and noisy.
"dev": random cases for exploring (HYPOTHESIS_PROFILE=dev).
"""

import os

from hypothesis import HealthCheck, settings

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
