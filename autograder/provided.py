"""Answers to a student's calls of earlier graded functions, for the case at hand only.

A mistake costs the items of the function it is in, and no others. So while the grader
calls a student's function F on a case it chose, F's calls of the graded functions taught
before it (``rubric.provided_while_grading``) can get the reference's answers: a
``tiny_cnn_forward`` that composes the layers right is not charged again for a wrong
``conv2d``. But only the calls a correct F makes on this very case are answered: the
reference's answers reach student code as the intermediate values of the case being graded,
never for arguments of the student's choosing (that would make the grader an oracle: a
table of answers, learned one submission at a time). Any other call runs the student's own
earlier function, in the sandbox, at the submission's cost.

Which calls does a correct F make? :class:`Answers` runs, on the case (in this trusted
process, on the grader's own arguments), the compositions a correct F is built from, and
records every call they make of an earlier graded function, with the reference's answer:

- the course's model solution (``conv2d`` sizes its output with ``output_size`` and
  ``same_padding`` and pads with ``zero_pad``, ``tiny_cnn_forward`` chains the layers), in
  its vectorized form where it has one (the same calls, without the loops);
- a few other honest compositions (:data:`VARIANTS`): ``conv2d`` summed from
  ``conv2d_single`` per image, filter and channel; the tiny CNN's max-pool before its
  ReLU; the loss's gradient from ``softmax``.

Calls are matched by :func:`~autograder.sandbox.jail.canonical.call_key` (defaults bound,
padding in any of its forms, arrays by content). The worker sends keys only, and the
replies tell it, per function, every key the grader answers in this call (with the answers
already computed), so it runs its own function for any other call without asking, and
needs no round trip for most answered ones.

Training is the exception: ``train_tiny_cnn``'s parameters are the student's own from the
first step on, so no key could match them. While it is graded, ``init_tiny_cnn(seed)`` is
answered for the case's seed, and ``tiny_cnn_loss_and_grads`` and ``tiny_cnn_forward`` by
value (:class:`_Training`): when every image of the batch is one of the case's own digits
(with its own label), the parameters have the tiny CNN's shapes, and the call is within
the number of steps the case asks for. Those answers are computed on the student's
parameters, but over the case's own 64 digits and bounded in number and size: they answer
no other item (whose digits carry noise, or are composed from answered layers anyway).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

import reference
from reference.tiny_cnn import PARAM_SHAPES

from .rubric import FUNCTIONS, provided_while_grading
from .sandbox.jail import canonical, standins
from .sandbox.jail.callables import resolve_refs
from .sandbox.jail.protocol import error_reply

#: The reply to an ask the grader does not answer: the student's own function runs.
OWN: dict[str, Any] = {"own": True}
#: Functions answered by value (the student's own arguments, checked) while these are graded.
BY_VALUE: dict[str, tuple[str, ...]] = {
    "train_tiny_cnn": ("tiny_cnn_loss_and_grads", "tiny_cnn_forward")}


def by_value(function: str) -> tuple[str, ...]:
    """The provided functions whose asks carry their arguments while ``function`` runs."""
    return BY_VALUE.get(function, ())


class Answers:
    """What the grader answers while it calls ``function(*args, **kwargs)`` on a case it
    chose: the calls of earlier graded functions that a correct ``function`` makes on
    these arguments, each with the reference's answer (or its refusal).

    Made on the first ask of the call; :meth:`reply` answers each ask. The model
    solution's calls are traced at once; each of :data:`VARIANTS` only when one of the
    functions it adds calls of is first asked for."""

    def __init__(self, function: str, args: tuple, kwargs: dict,
                 book: _Book | None = None) -> None:
        """``args``, ``kwargs``: the grader's own (no student code holds them: the worker
        has its own copy; they are traced as they are). ``book``: whose compositions to
        trace (default: :func:`_book`'s)."""
        self.function = function
        self.allowed = frozenset(provided_while_grading(function))
        #: call key → the reply: {"ok": value} or an error reply
        self.outcomes: dict[str, dict[str, Any]] = {}
        #: call key → (function, args, kwargs), answered when first asked
        self.pending: dict[str, tuple[str, tuple, dict]] = {}
        #: function → the keys of its calls answered
        self.keyed: dict[str, set[str]] = {name: set() for name in self.allowed}
        #: the variants not run yet, and the functions whose keys the worker knows
        self.waiting: list[Variant] = []
        self.told: set[str] = set()
        self.training: _Training | None = None
        if not self.allowed:
            return
        self.args, self.kwargs = resolve_refs(args), resolve_refs(kwargs)
        if function == "train_tiny_cnn":
            self.training = _Training(self, self.args, self.kwargs)
            return
        book = book or _book()
        if function in book.own:
            with _tracing(self, self.allowed):
                _attempt(book.own[function], self.args, self.kwargs)
        self.waiting = [v for v in VARIANTS.get(function, ()) if v.adds & self.allowed]

    # ---- what the grader expects

    def expect(self, function: str, args: tuple, kwargs: dict) -> None:
        """Answer ``function(*args, **kwargs)`` too, computed when first asked."""
        key = canonical.call_key(function, args, kwargs)
        if key is not None and function in self.allowed and key not in self.outcomes:
            self.pending.setdefault(key, (function, args, kwargs))
            self.keyed[function].add(key)

    def record(self, function: str, args: tuple, kwargs: dict, answered: bool) -> Any:
        """A traced call: the reference's answer (a copy; its exception, raised). With
        ``answered``, the student's same call is answered too."""
        key = canonical.call_key(function, args, kwargs)
        outcome = self.outcomes.get(key) if key is not None else None
        if outcome is None:
            outcome = _computed(function, args, kwargs)
            if key is not None and answered:
                self.outcomes[key] = outcome
                self.pending.pop(key, None)
                self.keyed[function].add(key)
        if "ok" in outcome:
            return copy.deepcopy(outcome["ok"])
        error = outcome["error"]
        raise standins.ERRORS.get(error["type"], RuntimeError)(error["message"])

    def _run_variants(self, function: str) -> None:
        """Trace the variants that add calls of ``function`` (each once)."""
        book = _book()
        for variant in [v for v in self.waiting if function in v.adds]:
            self.waiting.remove(variant)
            with _tracing(self, variant.adds & self.allowed):
                _attempt(functools.partial(variant.trace, book.g), self.args, self.kwargs)

    def _news(self) -> dict[str, list[str]]:
        """The keys of every function not told yet whose answered calls are all known."""
        waiting = {name for v in self.waiting for name in v.adds}
        news = {name: sorted(self.keyed[name]) for name in self.allowed
                if name not in self.told and name not in waiting}
        self.told.update(news)
        return news

    # ---- answering

    def reply(self, ask: dict[str, Any]) -> dict[str, Any]:
        """The reply to one ask, ``{"fn", "key"}`` or (by value) ``{"fn", "args",
        "kwargs"}``: ``{"ok": value}``, an error reply, or :data:`OWN`, with ``"keys"``
        (function → the keys of all its calls answered in this call) for every function
        whose keys the worker has not been told yet and are all known, and ``"answers"``
        (key → reply) for those already computed, up to :data:`AHEAD_BYTES` of arrays: the
        worker then needs no round trip for them (a call of conv2d asks output_size twice
        and zero_pad once)."""
        reply = self._reply(ask)
        news = self._news()
        if not news:
            return reply
        ahead, room = {}, AHEAD_BYTES
        for key in (k for keys in news.values() for k in keys if k in self.outcomes):
            room -= _nbytes(self.outcomes[key])
            if room < 0:
                break
            ahead[key] = self.outcomes[key]
        return {**reply, "keys": news, "answers": ahead}

    def _reply(self, ask: dict[str, Any]) -> dict[str, Any]:
        function = ask.get("fn")
        if function not in self.allowed:
            return OWN
        if "key" in ask:
            self._run_variants(function)
            key = ask["key"]
            if key in self.outcomes:
                return self.outcomes[key]
            if key in self.pending:
                self.outcomes[key] = _computed(*self.pending.pop(key))
                return self.outcomes[key]
            return OWN
        if self.training is not None and function in by_value(self.function):
            return self.training.reply(function, tuple(ask.get("args", ())),
                                       dict(ask.get("kwargs", {})))
        return OWN


#: Bytes of arrays sent ahead with the keys, per reply.
AHEAD_BYTES = 1 << 20


def _nbytes(value: Any) -> int:
    """About how many bytes ``value`` takes on the wire (its arrays; 64 per other leaf)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(map(_nbytes, value))
    if isinstance(value, dict):
        return sum(map(_nbytes, value.values()))
    return 64


def _attempt(trace: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """Run a correct composition on the case; the reference's answers are recorded."""
    try:  # like the reference, a composition leaves its arguments as they are
        trace(*args, **kwargs)
    except Exception:  # a case the function must reject, say: the calls made are known
        pass


def _computed(function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """The reference's reply to a call on the grader's own arguments (the reference
    changes no argument it is given: numerical_gradient, which does, is never provided)."""
    try:
        with np.errstate(all="ignore"):
            return {"ok": getattr(reference, function)(*args, **kwargs)}
    except Exception as exc:  # the case is one the function must refuse
        return error_reply(type(exc).__name__, str(exc)[:2000])


# --------------------------------------------------------------------------- tracing

_LOCAL = threading.local()


@contextmanager
def _tracing(answers: Answers, answered: frozenset[str]) -> Iterator[None]:
    """While the block runs, this thread's recipe book records every call of a function
    provided to ``answers``' function into it (the reference answers); the calls of the
    ``answered`` ones are answered to the student too."""
    outer = getattr(_LOCAL, "tracing", None)
    _LOCAL.tracing = (answers, answered)
    try:
        yield
    finally:
        _LOCAL.tracing = outer


def _dispatcher(name: str, own: Callable[..., Any]) -> Callable[..., Any]:
    """``name`` in the recipe book: while a call is traced and ``name`` is provided to
    the traced function, the reference's answer (recorded); else the book's own version."""
    def call(*args: Any, **kwargs: Any) -> Any:
        tracing = getattr(_LOCAL, "tracing", None)
        if tracing is not None and name in tracing[0].allowed:
            return tracing[0].record(name, args, kwargs, name in tracing[1])
        return own(*args, **kwargs)

    call.__name__ = name
    return call


class _Book:
    """The model solution (or a variant of it) run as a module of its own, whose graded
    functions are dispatchers: ``book.own[name]`` is its version, ``book.g`` its names."""

    def __init__(self, source: str) -> None:
        self.namespace: dict[str, Any] = {"__name__": "convlab_recipe_book",
                                          "__file__": "model_solution.py"}
        exec(compile(source, "<model solution>", "exec"), self.namespace)  # trusted code
        self.own = {name: self.namespace[name] for name in FUNCTIONS if name in self.namespace}
        for name, function in self.own.items():
            self.namespace[name] = _dispatcher(name, function)
        self.g = _Names(self.namespace)


class _Names:
    """Attribute access to a book's names (``g.conv2d``, ``g.zero_pad``)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None


@functools.cache
def _book() -> _Book:
    """The model solution with its vectorized override: the functions the override
    redefines (conv2d_single, conv2d, max_pool2d) make the loops' calls without the loops
    (a test compares the two); every other function is the model solution's."""
    from .examples import read

    return _Book(read("model_solution.py").rstrip("\n") + "\n" + read("overrides/vectorized.py"))


# --------------------------------------------------------------------------- variants
# Other honest compositions, written with the book's names (``g``): while one is traced,
# each call of a provided function through ``g`` gets the reference's answer, and the calls
# of the functions it ``adds`` are answered to the student too (``expect`` adds more).


@dataclass(frozen=True)
class Variant:
    """An honest composition beyond the model solution's: ``trace(g, *args, **kwargs)``
    makes (or ``expect``s) the calls of the functions in ``adds`` it would make."""

    adds: frozenset[str]
    trace: Callable[..., None]


def _conv2d_by_channels(g: _Names, x: Any, w: Any, b: Any = None, stride: Any = 1,
                        padding: Any = 0) -> None:
    """conv2d as sums of conv2d_single over channels, one per image and filter: on the
    input with the padding, or on the input padded by zero_pad; the filter's bias added by
    one of the calls, or afterwards."""
    answers: Answers = _LOCAL.tracing[0]
    x, w, b = g._check_conv_inputs(x, w, b)
    calls = [((x, w), {"stride": stride, "padding": padding})]
    try:
        _, pads, _ = g._geometry(x.shape[2:], w.shape[2:], stride, padding)
        calls.append(((g.zero_pad(x, pads), w), {"stride": stride}))
    except ValueError:  # a geometry conv2d must reject: conv2d_single rejects it too
        pass
    for (xs, ws), options in calls:
        for i in range(xs.shape[0]):
            for k in range(ws.shape[0]):
                for bias in sorted({0.0} if b is None else {0.0, float(b[k])}):
                    for ch in range(xs.shape[1]):
                        answers.expect("conv2d_single", (xs[i, ch], ws[k, ch]),
                                       {"bias": bias, **options})


def _forward_pool_first(g: _Names, x: Any, params: Any) -> None:
    """The tiny CNN with each max-pool before its ReLU (they commute)."""
    x, p = g._check_images(x), g._check_params(params)
    h = g.relu(g.max_pool2d(g.conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)))
    h = g.relu(g.max_pool2d(g.conv2d(h, p["conv2_w"], p["conv2_b"], padding=1)))
    g.dense(g.flatten(h), p["fc_w"], p["fc_b"])


def _loss_from_forward(g: _Names, x: Any, y: Any, params: Any) -> None:
    """The logits from tiny_cnn_forward, their gradient from softmax (minus the one-hot
    labels, over the batch size)."""
    x, p = g._check_images(x), g._check_params(params)
    logits = g.tiny_cnn_forward(x, p)
    g.cross_entropy(logits, y)
    g.softmax(logits)


def _pool_gradient_by_relu_input(g: _Names, x: Any, y: Any, params: Any) -> None:
    """Each max-pool's gradient routed by the ReLU's input itself rather than its output
    (where a window has no positive value, ReLU's gradient is 0 whichever cell gets it)."""
    x, p = g._check_images(x), g._check_params(params)
    a1 = g.conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)
    h1 = g.max_pool2d(g.relu(a1))
    a2 = g.conv2d(h1, p["conv2_w"], p["conv2_b"], padding=1)
    h2 = g.max_pool2d(g.relu(a2))
    logits = g.dense(g.flatten(h2), p["fc_w"], p["fc_b"])
    dflat, _, _ = g.dense_backward(g.cross_entropy_backward(logits, y), g.flatten(h2),
                                   p["fc_w"])
    da2 = g.relu_backward(g.max_pool2d_backward(dflat.reshape(h2.shape), a2), a2)
    dh1, _, _ = g.conv2d_backward(da2, h1, p["conv2_w"], padding=1)
    g.relu_backward(g.max_pool2d_backward(dh1, a1), a1)


#: Honest compositions beyond the model solution's, per graded function.
VARIANTS: dict[str, tuple[Variant, ...]] = {
    "conv2d": (Variant(frozenset({"conv2d_single"}), _conv2d_by_channels),),
    "tiny_cnn_forward": (Variant(frozenset({"max_pool2d", "relu"}), _forward_pool_first),),
    "tiny_cnn_loss_and_grads": (
        Variant(frozenset({"tiny_cnn_forward", "softmax"}), _loss_from_forward),
        Variant(frozenset({"max_pool2d_backward", "relu_backward"}),
                _pool_gradient_by_relu_input)),
}


# --------------------------------------------------------------------------- training


class _Training:
    """What ``train_tiny_cnn(x_train, y_train, x_test, y_test, epochs, batch_size, lr,
    seed)`` gets answered: ``init_tiny_cnn(seed)``, and at most :meth:`limit` answers of
    ``tiny_cnn_loss_and_grads(x, y, params)`` / ``tiny_cnn_forward(x, params)`` where each
    image of ``x`` is one of the case's digits (``y`` their labels) and ``params`` has the
    tiny CNN's shapes."""

    def __init__(self, answers: Answers, args: tuple, kwargs: dict) -> None:
        bound = inspect.signature(reference.train_tiny_cnn).bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        answers.expect("init_tiny_cnn", (), {"seed": a["seed"]})
        if a["x_train"] is None:
            a["x_train"], a["y_train"], a["x_test"], a["y_test"] = \
                reference.load_digits_split()
        self.pairs: set[bytes] = set()
        self.max_rows = 0
        for x, y in ((a["x_train"], a["y_train"]), (a["x_test"], a["y_test"])):
            if x is None or y is None:
                continue
            x, y = canonical.canonical_array(x), np.asarray(y)
            self.max_rows = max(self.max_rows, len(x))
            self.pairs.update(_row_digest(row, label) for row, label in zip(x, y, strict=False))
            self.pairs.update(_row_digest(row, None) for row in x)
        try:
            epochs = int(a["epochs"])
            steps = epochs * math.ceil(len(a["x_train"]) / int(a["batch_size"]))
        except (TypeError, ValueError, ZeroDivisionError):
            epochs = steps = 0
        self.left = self.limit(steps, epochs)

    @staticmethod
    def limit(steps: int, epochs: int) -> int:
        """Answers allowed: each step's loss and gradients twice over, and a forward pass
        and a loss per epoch, with a little room."""
        return 2 * steps + 2 * epochs + 8

    def reply(self, function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
        if self.left <= 0:
            return OWN
        try:
            bound = canonical.bind(function, args, kwargs)
            x = canonical.canonical_array(bound["x"])
            y = canonical.canonical_array(bound["y"], labels=True) if "y" in bound else None
            params = bound["params"]
            if not (x.ndim == 4 and x.shape[1:] == (1, 8, 8) and 1 <= len(x) <= self.max_rows
                    and x.dtype == np.float64 and (y is None or y.shape == (len(x),))
                    and isinstance(params, dict) and set(PARAM_SHAPES) <= set(params)):
                return OWN
            params = {name: canonical.canonical_array(params[name]) for name in PARAM_SHAPES}
        except (canonical.NotCanonical, TypeError, ValueError):
            return OWN
        if any(params[name].shape != shape for name, shape in PARAM_SHAPES.items()):
            return OWN
        labels = [None] * len(x) if y is None else y.tolist()
        if any(_row_digest(row, label) not in self.pairs
               for row, label in zip(x, labels, strict=True)):
            return OWN
        self.left -= 1
        return _computed(function, (x, *(() if y is None else (y,)), params), {})


def _row_digest(row: np.ndarray, label: int | None) -> bytes:
    digest = hashlib.blake2b(np.ascontiguousarray(row, dtype=np.float64), digest_size=16)
    digest.update(b"-" if label is None else str(int(label)).encode())
    return digest.digest()


__all__ = ["BY_VALUE", "OWN", "VARIANTS", "Answers", "Variant", "by_value"]
