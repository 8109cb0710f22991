"""Comparing a student's answer with the reference's, and saying exactly how they differ.

Every helper raises :class:`Mismatch` (an ``AssertionError``) carrying the call that was
made, the expected and the received value, where they differ and a one-line summary;
the engine turns it into a :class:`autograder.results.Failure`.

Order of the comparison: type, then shape, then dtype, then values; the first problem
found is the one reported, since a wrong shape makes value differences meaningless.
The float dtype is charged only where an item is about it (``strict_dtype``); elsewhere a
float32 answer to a float64 question is judged on its values, at float32's tolerance, so
one dtype mistake costs one item. Values are compared with a tolerance fit to the
coarser dtype (float32 keeps ~7 digits); NaN never equals anything.
"""

from __future__ import annotations

import copy
import inspect
import numbers
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import reference

from .i18n import _, layout
from .jail.protocol import FunctionRef
from .results import MismatchKind
from .student import Student, StudentError

# The comparison's own numpy functions, bound when the grader starts, so code that
# reassigns numpy's attributes later cannot change how answers are judged.
_isclose, _isnan, _isfinite, _argwhere = np.isclose, np.isnan, np.isfinite, np.argwhere
_ndarray, _generic, _asarray = np.ndarray, np.generic, np.asarray

#: Arrays with more elements than this are described, not shown, in a failure's case.
MAX_SHOWN = 4096

# rtol and the absolute tolerance per unit of the expected values' largest magnitude.
TOLERANCES = {np.dtype(np.float64): (1e-10, 1e-10), np.dtype(np.float32): (1e-4, 1e-5)}


def tolerance(dtype: Any) -> tuple[float, float]:
    """(rtol, atol per unit of scale) for comparing values of ``dtype``."""
    return TOLERANCES.get(np.dtype(dtype), TOLERANCES[np.dtype(np.float64)])


@dataclass
class Call:
    """One call of a student function: ``function(*args, **kwargs)``."""

    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def expected(self) -> Any:
        """The reference's answer, computed on fresh copies of the inputs."""
        args, kwargs = copy.deepcopy((self.args, self.kwargs))
        from .jail.callables import resolve_refs

        args, kwargs = resolve_refs(args), resolve_refs(kwargs)
        with np.errstate(all="ignore"):
            return getattr(reference, self.function)(*args, **kwargs)

    def got(self, student: Student) -> Any:
        """The student's answer (or the student's exception, raised)."""
        return student.call(self.function, *copy.deepcopy(self.args), **copy.deepcopy(self.kwargs))

    def case(self) -> dict[str, Any]:
        """The inputs by parameter name, as students see them in the signature (arrays
        too big to show, like a training set, are described instead)."""
        try:
            sig = inspect.signature(getattr(reference, self.function))
            bound = sig.bind_partial(*self.args, **self.kwargs).arguments
        except (AttributeError, TypeError, ValueError):
            bound = {f"arg{i}": a for i, a in enumerate(self.args)} | dict(self.kwargs)
        out: dict[str, Any] = {}
        for name, value in bound.items():
            if isinstance(value, FunctionRef):
                out[name] = f"{value.name}({', '.join(value.kwargs)})"
                out.update({f"{name}.{k}": v for k, v in value.kwargs.items()})
            elif isinstance(value, _ndarray) and value.size > MAX_SHOWN:
                out[name] = _("array of shape {shape}, {dtype}", shape=value.shape,
                              dtype=value.dtype)
            else:
                out[name] = value
        return out

    def describe(self) -> str:
        """``conv2d(x, w, b, stride=2)``: the call with arrays named, small values shown."""
        parts = []
        for name, value in self.case().items():
            if "." in name:
                continue
            shown = repr(value) if _is_small(value) else name
            parts.append(shown if shown == name else f"{name}={shown}")
        return f"{self.function}({', '.join(parts)})"


def _is_small(value: Any) -> bool:
    """Numbers, short strings, None and small tuples of them are shown in a call's text."""
    if value is None or isinstance(value, (bool, numbers.Number)):
        return True
    if isinstance(value, str):
        return len(value) <= 40
    if isinstance(value, tuple):
        return len(value) <= 4 and all(_is_small(v) for v in value)
    return False


class MismatchLog:
    """Collects the first ``limit`` mismatches made while it is active::

        with MismatchLog() as log:
            run_check(student)
        log.found  # the first is hypothesis' first failing example, before it shrank

    Logs nest: only the innermost active one collects.
    """

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self.found: list[Mismatch] = []
        self._tokens: list = []

    def __enter__(self) -> MismatchLog:
        self._tokens.append(_ACTIVE_LOG.set(self))
        return self

    def __exit__(self, *exc_info: object) -> None:
        _ACTIVE_LOG.reset(self._tokens.pop())

    def add(self, mismatch: Mismatch) -> None:
        if len(self.found) < self.limit:
            self.found.append(mismatch)


# The log collecting now, if any: context-local, so concurrent gradings do not mix.
_ACTIVE_LOG: ContextVar[MismatchLog | None] = ContextVar("active_mismatch_log", default=None)


class Mismatch(AssertionError):
    """The student's answer differs from the expected one.

    - kind: how it differs (:class:`autograder.results.MismatchKind`)
    - path: which part of the answer, e.g. "output", "dw", "params['fc_w']"
    """

    def __init__(
        self, summary: str, *, call: Call | None = None, expected: Any = None, got: Any = None,
        where: str = "", kind: MismatchKind = MismatchKind.VALUE, path: str = "output",
        diagnosis: str | None = None, hint: str = "",
    ) -> None:
        super().__init__(summary)
        self.summary, self.call, self.expected, self.got = summary, call, expected, got
        self.where, self.kind, self.path = where, kind, path
        self.diagnosis, self.hint = diagnosis, hint
        self.answer, self.full_expected = got, expected  # the whole answer, not just a part
        log = _ACTIVE_LOG.get()
        if log is not None:
            log.add(self)


def _labelled(path: str, summary: str) -> str:
    """``summary`` prefixed with the part of the answer it is about (unless the whole)."""
    return summary if path == "output" else layout("{path}: {summary}", path=path,
                                                   summary=summary)


def _index(idx) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _type_name(value: Any) -> str:
    if isinstance(value, _ndarray):
        return _("array of shape {shape}", shape=value.shape)
    return type(value).__name__


def _is_real_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real):
        return True
    return isinstance(value, _ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def _check_float_dtype(got: np.ndarray, expected: np.ndarray, fail) -> None:
    if got.dtype.kind != "f":
        fail(MismatchKind.DTYPE, _("expected floats, got {dtype}", dtype=got.dtype))
    if got.dtype != expected.dtype:
        if expected.dtype == np.float32:
            fail(MismatchKind.DTYPE, _("expected float32 output for float32 input, got {dtype}",
                                       dtype=got.dtype))
        fail(MismatchKind.DTYPE, _("expected {expected} output, got {dtype}",
                                   expected=expected.dtype, dtype=got.dtype))


def _judged_dtype(expected: np.dtype, got: np.dtype, strict: bool) -> np.dtype:
    """The dtype whose tolerance applies: the expected one, or the coarser float one."""
    if not strict and got.kind == "f" and got.itemsize < expected.itemsize:
        return got
    return expected


def _compare_arrays(got, expected: np.ndarray, fail, rtol, atol, equal_nan=False,
                    strict_dtype=False) -> None:
    if not isinstance(got, _ndarray):
        fail(MismatchKind.TYPE, _("expected a numpy array of shape {shape}, got {got}",
                                  shape=expected.shape, got=_type_name(got)))
    if got.shape != expected.shape:
        fail(MismatchKind.SHAPE, _("expected shape {expected}, got {got}",
                                   expected=expected.shape, got=got.shape))
    if expected.dtype.kind == "f":
        if strict_dtype:
            _check_float_dtype(got, expected, fail)
    elif got.dtype.kind not in "iub":
        fail(MismatchKind.DTYPE, _("expected integers ({expected}), got {dtype}",
                                   expected=expected.dtype, dtype=got.dtype))
    if got.dtype.kind not in "iufb":
        fail(MismatchKind.DTYPE, _("expected real numbers, got {dtype}", dtype=got.dtype))
    e = expected.astype(np.float64)
    g = got.astype(np.float64)
    judged = _judged_dtype(expected.dtype, got.dtype, strict_dtype)
    rt, at = tolerance(judged) if expected.dtype.kind == "f" else (0.0, 0.0)
    rt = rt if rtol is None else rtol
    scale = float(np.max(np.abs(e[_isfinite(e)]), initial=1.0))
    at = at * scale if atol is None else atol
    ok = _isclose(g, e, rtol=rt, atol=at, equal_nan=equal_nan)
    if ok.all():
        return
    bad = _argwhere(~ok)
    first = tuple(bad[0])
    where = _("first difference at {index}: expected {expected}, got {got}",
              index=_index(first), expected=f"{e[first]:.6g}", got=f"{g[first]:.6g}")
    nans = int(_isnan(g).sum())
    summary = (_("wrong values at {bad} of {total} positions ({nans} of them nan)",
                 bad=len(bad), total=e.size, nans=nans) if nans
               else _("wrong values at {bad} of {total} positions", bad=len(bad), total=e.size))
    fail(MismatchKind.VALUE, summary, where)


def _compare_numbers(got, expected, fail, rtol, atol, equal_nan=False) -> None:
    if isinstance(expected, numbers.Integral):
        if isinstance(got, bool) or not isinstance(got, (numbers.Integral, np.integer)):
            shown = f" {got!r}" if _is_real_number(got) else ""
            fail(MismatchKind.TYPE, _("expected a whole number (int), got {got}",
                                      got=layout("{type}{shown}", type=_type_name(got),
                                                 shown=shown)))
        if int(got) != int(expected):
            fail(MismatchKind.VALUE, _("expected {expected}, got {got}",
                                       expected=int(expected), got=int(got)))
        return
    if not _is_real_number(got):
        fail(MismatchKind.TYPE, _("expected a single number, got {got}", got=_type_name(got)))
    g, e = float(_asarray(got)), float(expected)
    rt, at = tolerance(np.float64)
    rt = rt if rtol is None else rtol
    at = at * max(1.0, abs(e)) if atol is None else atol
    if not _isclose(g, e, rtol=rt, atol=at, equal_nan=equal_nan):
        fail(MismatchKind.VALUE, _("expected {expected}, got {got}",
                                   expected=f"{e:.10g}", got=f"{g:.10g}"))


def assert_same(
    got: Any, expected: Any, call: Call | None = None, *, path: str = "output",
    names: tuple[str, ...] | None = None, rtol: float | None = None, atol: float | None = None,
    equal_nan: bool = False, strict_dtype: bool = False,
) -> None:
    """Raise :class:`Mismatch` unless ``got`` matches ``expected`` (recursing into tuples
    and dicts). ``names`` names the parts of a tuple answer, e.g. ("dx", "dw", "db").
    ``equal_nan`` lets NaN match NaN (only for recognising mistakes that produce NaN);
    ``strict_dtype``: a float array must have exactly the expected dtype (for the items
    about dtype; elsewhere values are judged at the coarser dtype's tolerance)."""
    tol = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan, "strict_dtype": strict_dtype}

    def fail(kind: MismatchKind, summary: str, where: str = ""):
        raise Mismatch(
            _labelled(path, summary), call=call, expected=expected, got=got, where=where,
            kind=kind, path=path,
        )

    if isinstance(expected, _ndarray):
        _compare_arrays(got, expected, fail, rtol, atol, equal_nan, strict_dtype)
    elif isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            what = (_("{n} values", n=len(got)) if isinstance(got, (tuple, list))
                    else _type_name(got))
            wanted = ", ".join(names) if names else _("{n} values", n=len(expected))
            fail(MismatchKind.TYPE, _("expected a tuple ({wanted}), got {got}", wanted=wanted,
                                      got=what))
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            sub = names[i] if names else f"{path}[{i}]"
            assert_same(g, e, call, path=sub, **tol)
    elif isinstance(expected, dict):
        if not isinstance(got, dict):
            fail(MismatchKind.TYPE, _("expected a dict with keys {keys}, got {got}",
                                      keys=sorted(expected), got=_type_name(got)))
        missing = sorted(set(expected) - set(got))
        if missing:
            fail(MismatchKind.TYPE, _("missing keys {keys}", keys=missing))
        for key in expected:
            sub = layout("{path}[{key}]", path=path, key=repr(key)) if path != "output" else key
            assert_same(got[key], expected[key], call, path=sub, **tol)
    elif _is_real_number(expected):
        _compare_numbers(got, expected, fail, rtol, atol, equal_nan)
    else:  # the grader only ever expects the kinds above
        raise TypeError(f"cannot compare with expected value of type {type(expected).__name__}")


def assert_matches_reference(
    student: Student, call: Call, *, names: tuple[str, ...] | None = None,
    rtol: float | None = None, atol: float | None = None, strict_dtype: bool = False,
) -> Any:
    """Call the student and the reference with the same inputs; raise on a difference.

    The reference runs first, on its own copies, so nothing the student's code does
    can change the expected value. Returns the student's answer.
    """
    expected = call.expected()
    got = call.got(student)
    try:
        assert_same(got, expected, call, names=names, rtol=rtol, atol=atol,
                    strict_dtype=strict_dtype)
    except Mismatch as mismatch:
        mismatch.answer, mismatch.full_expected = got, expected  # for diagnosing the whole
        raise
    return got


def assert_shape(student: Student, call: Call) -> Any:
    """Only the shape of the student's array answer must match the reference's."""
    expected = call.expected()
    got = call.got(student)
    if not isinstance(got, _ndarray):
        raise Mismatch(
            _("expected a numpy array of shape {shape}, got {got}", shape=expected.shape,
              got=_type_name(got)),
            call=call, expected=expected, got=got, kind=MismatchKind.TYPE,
        )
    if got.shape != expected.shape:
        mismatch = Mismatch(
            _("expected shape {expected}, got {got}", expected=expected.shape, got=got.shape),
            call=call, expected=expected, got=got, kind=MismatchKind.SHAPE,
        )
        raise mismatch
    return got


def assert_raises(
    student: Student, call: Call, exc_type: str = "ValueError", why: str = ""
) -> None:
    """The student's function must raise ``exc_type`` for this call.

    A stub's ``NotImplementedError`` is passed on, so it reads as "not implemented yet".
    """
    try:
        got = call.got(student)
    except StudentError as err:
        if err.exc_type == exc_type:
            return
        if err.exc_type == "NotImplementedError":
            raise
        raise Mismatch(
            _("expected {exc_type}{why}, but it raised {raised}: {message}", exc_type=exc_type,
              why=why, raised=err.exc_type, message=err.message),
            call=call, got=f"{err.exc_type}: {err.message}", kind=MismatchKind.WRONG_ERROR,
        ) from None
    shown = (_("an array of shape {shape}", shape=got.shape) if isinstance(got, _ndarray)
             else repr(got))
    raise Mismatch(
        _("expected {exc_type}{why}, but it returned {shown}", exc_type=exc_type, why=why,
          shown=shown), call=call, got=got,
        kind=MismatchKind.NO_ERROR,
    )


def fail(summary: str, *, call: Call | None = None, got: Any = None, expected: Any = None,
         kind: MismatchKind = MismatchKind.VALUE, where: str = "") -> None:
    """Raise a :class:`Mismatch` for a property that does not hold."""
    raise Mismatch(summary, call=call, got=got, expected=expected, kind=kind, where=where)
