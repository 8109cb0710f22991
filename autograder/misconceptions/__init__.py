"""Known mistakes, recognised by recomputing them on the trusted side.

When a check finds a wrong answer, :func:`diagnose` replays the same call through
each known mistake for that function, built from the reference (the kernel flipped,
the bias left out, the stride ignored, ...). If the student's answer equals one of
those mistaken answers, that mistake is named in plain words with a hint for fixing it.

Nothing here runs student code: each variant is a function of the reference and the
call's inputs. The package mirrors ``autograder.checks``: one module per topic, each
mistake declared next to its variant (see :mod:`.catalogue`); :mod:`.helpers` holds what
variants share and :mod:`.diagnose` the matcher.
"""

from __future__ import annotations

# The topic modules register their mistakes on import; this order is the order in
# which mistakes are tried (it decides between mistakes that explain the same answer).
from . import backprop, conv, dtypes, geometry, layers, padding, pooling  # noqa: F401
from .catalogue import CATALOGUE, NOT_APPLICABLE, Misconception, NotApplicable
from .diagnose import candidates, diagnose, explanations

#: Every known mistake, in the order they are tried.
MISCONCEPTIONS: tuple[Misconception, ...] = tuple(CATALOGUE)

__all__ = ["MISCONCEPTIONS", "NOT_APPLICABLE", "Misconception", "NotApplicable", "candidates",
           "diagnose", "explanations"]
