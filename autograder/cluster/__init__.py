"""Grading on a Dask cluster (``autograder grade ... --scheduler tcp://HOST:8786``).

Needs the ``cluster`` extra (``pip install 'conv-lab[cluster]'``, i.e. ``distributed``);
nothing else in the grader imports it. Modules:

- ``payload``: a submission as its bytes, and back into a private folder on the worker;
- ``worker``: what runs on a Dask worker (its facts; grading one payload);
- ``runner``: the client side, a drop-in for :func:`autograder.grading.run_pool`.

docs/cluster.md says how to run it on SLURM or Kubernetes.
"""

from .payload import MAX_PAYLOAD_BYTES, Payload, PayloadError, pack, unpacked
from .runner import ClusterError, dask_runner

__all__ = ["MAX_PAYLOAD_BYTES", "ClusterError", "Payload", "PayloadError", "dask_runner", "pack",
           "unpacked"]
