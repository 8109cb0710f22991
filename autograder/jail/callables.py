"""Functions both sides know by name, for checks whose argument is a function.

``numerical_gradient(f, x)`` takes a function, and functions cannot cross into the
sandbox. So the grader sends ``FunctionRef("quadratic", {"a": A, "b": b})`` and the
worker builds the function from this table. Every function here is a pure numpy
expression that returns a Python float.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .protocol import FunctionRef


def quadratic(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray], float]:
    """f(x) = ½·xᵀ·A·x + bᵀ·x over the flattened x; its gradient is ½(A + Aᵀ)x + b."""
    return lambda x: float(0.5 * x.ravel() @ a @ x.ravel() + b @ x.ravel())


def sin_sum(w: np.ndarray) -> Callable[[np.ndarray], float]:
    """f(x) = Σ sin(w ⊙ x); its gradient is w ⊙ cos(w ⊙ x)."""
    return lambda x: float(np.sum(np.sin(w * x)))


REGISTRY: dict[str, Callable[..., Callable[[np.ndarray], float]]] = {
    "quadratic": quadratic,
    "sin_sum": sin_sum,
}


def build(ref: FunctionRef) -> Callable[[np.ndarray], float]:
    """The function ``ref`` names, with its arguments bound."""
    try:
        factory = REGISTRY[ref.name]
    except KeyError:
        raise ValueError(f"unknown function {ref.name!r}; known: {sorted(REGISTRY)}") from None
    return factory(**ref.kwargs)


def resolve_refs(value: Any) -> Any:
    """Replace every FunctionRef inside ``value`` (lists, tuples, dicts) by its function."""
    if isinstance(value, FunctionRef):
        return build(value)
    if isinstance(value, tuple):
        return tuple(resolve_refs(v) for v in value)
    if isinstance(value, list):
        return [resolve_refs(v) for v in value]
    if isinstance(value, dict):
        return {k: resolve_refs(v) for k, v in value.items()}
    return value
