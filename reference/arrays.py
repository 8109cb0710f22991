"""Checking the arrays every layer receives, so mistakes surface as clear errors.

All layers compute in float64 unless they are given float32, which they keep.
"""

from __future__ import annotations

import numpy as np


def float_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 if every array is float32, else float64."""
    if arrays and all(a.dtype == np.float32 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_float_array(
    x: object, name: str, ndim: int | None = None, layout: str = ""
) -> np.ndarray:
    """Return ``x`` as a float32/float64 ndarray, checking its number of dimensions.

    Inputs:
    - x: anything numpy can turn into a real-valued array
    - name: what the caller calls it, for error messages
    - ndim: required number of dimensions (None: any)
    - layout: the expected axes, e.g. ``"(N, C, H, W)"``, for error messages

    float32 stays float32; integers, booleans and other floats become float64.
    Raises ``TypeError`` for non-numeric or complex data and ``ValueError`` for a wrong
    number of dimensions or an empty axis.
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name}: 숫자 배열이어야 하는데 {type(x).__name__} {x!r}입니다 · "
                        f"{name} must be an array of numbers, got {type(x).__name__} {x!r}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name}: 숫자 배열로 바꿀 수 없습니다 · "
                        f"{name} must be an array of numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind not in "biuf":
        what = "complex numbers" if kind == "c" else f"dtype {arr.dtype}"
        what_ko = "복소수" if kind == "c" else f"dtype {arr.dtype}"
        raise TypeError(f"{name}: 실수만 담아야 하는데 {what_ko}입니다 · "
                        f"{name} must hold real numbers, got {what}")
    if ndim is not None and arr.ndim != ndim:
        expected = f"{ndim}-D {layout}".rstrip()
        raise ValueError(f"{name}: {ndim}차원 {layout} 배열이어야 하는데 모양이 {arr.shape}"
                         f"({arr.ndim}차원)입니다 · "
                         f"{name} must be {expected}, got shape {arr.shape} ({arr.ndim}-D)")
    if arr.size == 0:
        raise ValueError(f"{name}: 비어 있으면 안 되는데 모양이 {arr.shape}입니다 · "
                         f"{name} must not be empty, got shape {arr.shape}")
    dtype = np.float32 if arr.dtype == np.float32 else np.float64
    return np.asarray(arr, dtype=dtype)
