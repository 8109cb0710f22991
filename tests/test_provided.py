"""Answers to a student's calls of earlier graded functions (``autograder.provided``): a
call a correct version makes on the case being graded gets the reference's answer; any
other call runs the student's own function, in the sandbox. Then the attacks the old rule
("the reference answers any arguments") let through, mounted as a student would."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference
from autograder import provided, rubric
from autograder.provided import OWN, Answers
from autograder.sandbox import SandboxedStudent, bubblewrap_status
from autograder.sandbox.jail import canonical
from autograder.sandbox.jail.canonical import call_key
from autograder.strategies import conv_cases, made, valid_geometries
from autograder.student import InProcessStudent
from reference.geometry import as_pair, resolve_padding

BWRAP_OK, _, BWRAP_WHY = bubblewrap_status()
NEEDS_BWRAP = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable: {BWRAP_WHY}")
KINDS = [pytest.param("bubblewrap", marks=NEEDS_BWRAP), "rlimit"]


def ask(answers: Answers, function: str, *args, **kwargs) -> dict:
    """The grader's reply to the student's ``function(*args, **kwargs)``, asked by key."""
    return answers.reply({"fn": function, "key": call_key(function, args, kwargs)})


def unkeyed(reply: dict) -> dict:
    """A reply without the keys it tells the worker about (and the answers sent ahead)."""
    return {k: v for k, v in reply.items() if k not in ("keys", "answers")}


# --------------------------------------------------------------------------- which calls


def test_only_functions_taught_earlier_are_provided():
    for function in rubric.FUNCTIONS:
        given_ = rubric.provided_while_grading(function)
        before = rubric.FUNCTIONS[: rubric.FUNCTIONS.index(function)]
        assert set(given_) <= set(before) and function not in given_
    assert "conv2d" not in rubric.provided_while_grading("conv2d_single")
    assert "conv2d" in rubric.provided_while_grading("tiny_cnn_forward")
    assert "numerical_gradient" not in rubric.provided_while_grading("train_tiny_cnn")


@given(case=conv_cases(valid_geometries(max_out=3, max_stride=2, max_pad=2, per_side=True)))
def test_the_calls_of_the_notebooks_helpers_on_the_case_get_the_references_answers(case):
    """conv2d pads with zero_pad and sizes with output_size (conv_geometry); those calls, on
    this case's own arrays and numbers, in any of their forms, are answered."""
    case = made(case, None)
    answers = Answers("conv2d", (case.x, case.w, case.b),
                      {"stride": case.stride, "padding": case.padding})
    stride = as_pair(case.stride, "stride")
    (top, bottom), (left, right) = resolve_padding(case.padding, case.x.shape[2:],
                                                   case.w.shape[2:], stride)
    for pad in [((top, bottom), (left, right)), [[top, bottom], [left, right]]] + (
            [(top, left)] if (top, left) == (bottom, right) else []):
        reply = ask(answers, "zero_pad", case.x, pad)
        np.testing.assert_array_equal(reply["ok"], reference.zero_pad(case.x, pad))
    reply = ask(answers, "output_size", case.x.shape[2], case.w.shape[2], stride[0],
                padding=(top, bottom))
    assert reply["ok"] == reference.output_size(case.x.shape[2], case.w.shape[2], stride[0],
                                                (top, bottom))


@given(case=conv_cases(valid_geometries(max_out=3, max_stride=2, max_pad=1)),
       where=st.sampled_from(["input", "padded"]))
def test_conv2d_summed_from_conv2d_single_per_image_filter_and_channel_is_answered(case, where):
    case = made(case, None)
    answers = Answers("conv2d", (case.x, case.w, case.b),
                      {"stride": case.stride, "padding": case.padding})
    stride = as_pair(case.stride, "stride")
    pads = resolve_padding(case.padding, case.x.shape[2:], case.w.shape[2:], stride)
    x = reference.zero_pad(case.x, pads) if where == "padded" else case.x
    options = {"stride": case.stride} | ({} if where == "padded" else {"padding": case.padding})
    for i, k, c in np.ndindex(x.shape[0], case.w.shape[0], x.shape[1]):
        bias = float(case.b[k]) if c == 0 else 0.0
        reply = ask(answers, "conv2d_single", x[i, c], case.w[k, c], bias, **options)
        np.testing.assert_array_equal(
            reply["ok"], reference.conv2d_single(x[i, c], case.w[k, c], bias, **options))


@given(case=conv_cases(valid_geometries(max_out=3, max_stride=2, max_pad=1)),
       change=st.sampled_from(["values", "padding", "function"]))
def test_any_other_call_runs_the_students_own_function(case, change):
    case = made(case, None)
    answers = Answers("conv2d", (case.x, case.w, case.b),
                      {"stride": case.stride, "padding": case.padding})
    if change == "values":  # the student's own numbers
        reply = ask(answers, "zero_pad", case.x + 1, 1)
    elif change == "padding":  # the attack of the issue: a 1×1 image padded by 4095
        reply = ask(answers, "conv2d_single", np.ones((1, 1)), np.ones((1, 1)), padding=4095)
    else:  # a function not provided while conv2d is graded
        reply = ask(answers, "conv2d", case.x, case.w)
    assert unkeyed(reply) == OWN


def test_what_the_reference_refuses_on_the_case_is_raised_as_its_own_error():
    answers = Answers("conv2d", (np.ones((1, 1, 7, 7)), np.ones((1, 1, 3, 3))), {"stride": 3})
    reply = ask(answers, "output_size", 7, 3, 3, (0, 0))
    assert reply["error"]["type"] == "ValueError" and "not an integer" in reply["error"]["message"]


def test_the_replies_tell_the_worker_every_key_it_may_ask_for():
    """So the worker runs its own function for any other call without asking: the keys of a
    function come once all its answered calls are known (a variant's, once it is asked)."""
    x, w = np.arange(18.0).reshape(1, 2, 3, 3), np.arange(16.0).reshape(2, 2, 2, 2)
    answers = Answers("conv2d", (x, w), {"padding": 1})
    first = ask(answers, "zero_pad", x, 1)
    assert set(first["keys"]) == set(rubric.provided_while_grading("conv2d")) - {"conv2d_single"}
    assert first["keys"]["zero_pad"] == [call_key("zero_pad", (x, 1), {})]
    assert first["keys"]["same_padding"] == []
    # and the answers, computed already, so that the worker need not ask for them
    ahead = first["answers"][call_key("output_size", (3, 2, 1, 1), {})]
    assert ahead == {"ok": reference.output_size(3, 2, 1, 1)}
    single = ask(answers, "conv2d_single", x[0, 1], w[1, 1], padding=1)
    np.testing.assert_array_equal(single["ok"], reference.conv2d_single(x[0, 1], w[1, 1],
                                                                        padding=1))
    # one per image, filter and channel, on the input with its padding or padded
    assert set(single["keys"]) == {"conv2d_single"} and len(single["keys"]["conv2d_single"]) == 8
    assert "keys" not in ask(answers, "zero_pad", x, 1)


def test_the_vectorized_model_solution_makes_the_loops_calls():
    """The grader traces the vectorized model solution where it has a function of its own:
    on every kind of case, the loops make exactly the same calls."""
    from autograder.examples import read

    loops = provided._Book(read("model_solution.py"))
    vectorized = provided._book()
    cases = [("conv2d_single", (np.arange(20.0).reshape(4, 5), np.ones((2, 3))),
              {"stride": (2, 1), "padding": ((1, 0), (2, 1))}),
             ("conv2d", (np.ones((2, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.ones(2)),
              {"stride": 2, "padding": "same"}),
             ("conv2d", (np.ones((1, 1, 7, 7)), np.ones((1, 1, 3, 3))), {"stride": 3}),
             ("max_pool2d", (np.arange(32.0).reshape(1, 2, 4, 4),), {"size": 2, "padding": 1})]
    for function, args, kwargs in cases:
        keys = [Answers(function, args, kwargs, book).keyed for book in (loops, vectorized)]
        assert keys[0] == keys[1] and any(keys[0].values()), function


def _owned(monkeypatch) -> list:
    """Every ask the grader answers with "run your own", from now on."""
    owned = []
    reply = Answers._reply

    def watched(self, ask):
        answer = reply(self, ask)
        if answer == OWN:
            owned.append((self.function, ask.get("fn")))
        return answer

    monkeypatch.setattr(Answers, "_reply", watched)
    return owned


@pytest.mark.parametrize("override", [None, "overrides/vectorized.py"])
def test_every_call_of_the_model_solution_is_answered(override, monkeypatch):
    """The loops and the vectorized model solution, graded: no call of theirs is left to
    their own functions (what the grader expects is what the course teaches)."""
    from support.namespaces import run_source

    from autograder.engine import grade_items
    from autograder.examples import read

    owned = _owned(monkeypatch)
    source = read("model_solution.py") + ("\n" + read(override) if override else "")
    results = grade_items(InProcessStudent(run_source(source)), seed=2, salt="model")
    assert [r.name for r in results if not r.passed] == [] and owned == []


#: conv2d summed from conv2d_single over channels, and a tiny CNN pooling before its ReLU,
#: on a conv2d_single that flips its kernel and a relu that is wrong: only their own items
#: are lost.
OTHER_FORMS = """
_model_conv2d_single = conv2d_single


def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
    return _model_conv2d_single(image, np.asarray(kernel)[::-1, ::-1], bias, stride, padding)


def conv2d(x, w, b=None, stride=1, padding=0):
    x, w, b = _check_conv_inputs(x, w, b)
    b = np.zeros(w.shape[0]) if b is None else b
    maps = [[sum(conv2d_single(x[i, c], w[k, c], stride=stride, padding=padding)
                 for c in range(x.shape[1])) + b[k] for k in range(w.shape[0])]
            for i in range(x.shape[0])]
    return np.array(maps, dtype=float_dtype(x, w))


def relu(x):
    return np.abs(x)


def tiny_cnn_forward(x, params):
    p = params
    h = relu(max_pool2d(conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)))
    h = relu(max_pool2d(conv2d(h, p["conv2_w"], p["conv2_b"], padding=1)))
    return dense(flatten(h), p["fc_w"], p["fc_b"])
"""


def test_other_honest_compositions_are_answered_too(monkeypatch):
    from support.namespaces import run_source

    from autograder.engine import grade_items
    from autograder.examples import read

    results = grade_items(InProcessStudent(run_source(read("model_solution.py") + OTHER_FORMS)),
                          seed=2, salt="other forms")
    lost = {rubric.item(r.name).function for r in results if not r.passed}
    assert lost == {"conv2d_single", "relu"}


# --------------------------------------------------------------------------- call keys


@given(x=st.integers(1, 4).flatmap(lambda n: st.lists(st.integers(-4, 4), min_size=n,
                                                      max_size=n)),
       p=st.integers(0, 3), q=st.integers(0, 3))
def test_every_way_of_writing_a_call_has_its_key_and_other_calls_others(x, p, q):
    arr = np.array([x], dtype=np.float64)
    same = {call_key("zero_pad", (arr, ((p, p), (q, q))), {}),
            call_key("zero_pad", (arr,), {"pad": (p, q)}),
            call_key("zero_pad", (arr.astype(np.int64).tolist(), [[p, p], [q, q]]), {}),
            call_key("zero_pad", (np.asfortranarray(arr), (np.int64(p), q)), {})}
    assert len(same) == 1 and None not in same
    assert call_key("zero_pad", (arr, (p, q + 1)), {}) not in same
    assert call_key("zero_pad", (arr.astype(np.float32), (p, q)), {}) not in same
    assert call_key("zero_pad", (arr + 1, (p, q)), {}) not in same
    assert call_key("max_pool2d", (arr[None, None],), {}) == call_key(
        "max_pool2d", (arr[None, None], (2, 2), 2, 0), {})
    assert call_key("output_size", (5, 3), {}) == call_key("output_size", (5, 3, 1, (0, 0)), {})
    assert call_key("output_size", (5, 3, 1, "SAME"), {}) == call_key(
        "output_size", (5, 3), {"padding": "same"})
    for bad in [((arr, 1, 2), {}), ((arr,), {"pads": 1}), (("x", 1), {}), ((arr,), {})]:
        assert call_key("zero_pad", *bad) is None


def test_the_key_table_holds_the_references_parameters():
    for function in rubric.FUNCTIONS:
        if function in rubric.NOT_PROVIDED or function == rubric.FUNCTIONS[-1]:
            assert function not in canonical.SPECS
            continue
        sig = inspect.signature(getattr(reference, function)).parameters
        spec = canonical.SPECS[function]
        assert [p[0] for p in spec] == list(sig), function
        for p in spec:
            default = sig[p[0]].default
            assert (p[2] if len(p) > 2 else inspect.Parameter.empty) == default, (function, p)


# --------------------------------------------------------------------------- training


def _training():
    xtr, ytr, xte, yte = reference.load_digits_split()
    args = (xtr[:16], ytr[:16], xte[:4], yte[:4])
    return args, Answers("train_tiny_cnn", args, {"epochs": 2, "batch_size": 8, "seed": 3})


def test_training_is_answered_on_the_cases_digits_with_the_students_own_params():
    (x, y, _, _), answers = _training()
    rng = np.random.default_rng(0)
    params = {k: v + rng.normal(0, 0.01, v.shape) for k, v in reference.init_tiny_cnn(3).items()}
    batch = [5, 1, 9]
    reply = answers.reply({"fn": "tiny_cnn_loss_and_grads", "args": (x[batch], y[batch], params),
                           "kwargs": {}})
    loss, grads = reference.tiny_cnn_loss_and_grads(x[batch], y[batch], params)
    assert reply["ok"][0] == loss
    for name in grads:
        np.testing.assert_array_equal(reply["ok"][1][name], grads[name])
    init = ask(answers, "init_tiny_cnn", seed=3)["ok"]
    assert all(np.array_equal(init[k], v) for k, v in reference.init_tiny_cnn(3).items())
    assert unkeyed(ask(answers, "init_tiny_cnn", seed=4)) == OWN


@pytest.mark.parametrize("change", ["foreign digit", "wrong label", "params shape", "float32",
                                    "too many rows", "other function"])
def test_training_is_not_answered_beyond_the_cases_digits(change):
    (x, y, _, _), answers = _training()
    params = reference.init_tiny_cnn(3)
    xs, ys, function = x[:4].copy(), y[:4].copy(), "tiny_cnn_loss_and_grads"
    if change == "foreign digit":
        xs[2, 0, 4, 4] += 1e-9
    elif change == "wrong label":
        ys[1] = (ys[1] + 1) % 10
    elif change == "params shape":
        params["fc_w"] = np.zeros((64, 11))
    elif change == "float32":
        xs = xs.astype(np.float32)
    elif change == "too many rows":
        xs, ys = np.concatenate([x, x]), np.concatenate([y, y])
    else:
        function = "dense"
    args = (xs, ys, params) if function != "dense" else (xs.reshape(4, -1), np.ones((64, 2)),
                                                          np.ones(2))
    assert unkeyed(answers.reply({"fn": function, "args": args, "kwargs": {}})) == OWN


def test_training_answers_stop_at_the_steps_the_case_asks_for():
    (x, _, _, _), answers = _training()
    params = reference.init_tiny_cnn(3)
    limit = provided._Training.limit(steps=2 * 2, epochs=2)
    replies = [answers.reply({"fn": "tiny_cnn_forward", "args": (x[:2], params), "kwargs": {}})
               for _ in range(limit + 3)]
    assert all("ok" in r for r in replies[:limit]) and replies[limit:] == [OWN] * 3
    assert "keys" in replies[0]


# --------------------------------------------------------------------------- in the sandbox

COMPOSER = '''
import numpy as np

def conv2d(x, w, b=None, stride=1, padding=0):
    raise ValueError("my conv2d is broken")

def relu(x):
    return x * 0  # wrong on purpose

def tiny_cnn_forward(x, params):
    p = params
    h = max_pool2d(relu(conv2d(x, p["conv1_w"], p["conv1_b"], padding=1)))
    h = max_pool2d(relu(conv2d(h, p["conv2_w"], p["conv2_b"], padding=1)))
    return dense(flatten(h), p["fc_w"], p["fc_b"])

def init_tiny_cnn(seed=0):
    try:  # not a call a correct init_tiny_cnn makes: the student's own conv2d runs
        conv2d(np.ones((1, 1, 9, 9)), np.ones((1, 1, 3, 3)))
    except ValueError as exc:
        return {"own": str(exc)}
    return {}
'''


def _check_composer(student) -> None:
    x = reference.load_digits_split()[0][:3]
    params = reference.init_tiny_cnn(1)
    got = student.call("tiny_cnn_forward", x, params)
    np.testing.assert_array_equal(got, reference.tiny_cnn_forward(x, params))
    assert student.call("init_tiny_cnn", 0) == {"own": "my conv2d is broken"}
    with pytest.raises(Exception, match="my conv2d is broken"):
        student.call("conv2d", x, params["conv1_w"])


@pytest.mark.parametrize("kind", KINDS)
def test_a_sandboxed_composite_runs_on_correct_answers_for_its_case_only(tmp_path: Path, kind):
    path = tmp_path / "composer.py"
    path.write_text(textwrap.dedent(COMPOSER))
    with SandboxedStudent(path, sandbox=kind) as student:
        _check_composer(student)
        # the student's own bindings are back after each call
        assert student.call("relu", np.array([1.0, -1.0])).tolist() == [0.0, -0.0]


def test_an_in_process_composite_runs_on_correct_answers_for_its_case_only_and_is_put_back():
    namespace: dict = {}
    exec(textwrap.dedent(COMPOSER), namespace)
    own_conv = namespace["conv2d"]
    _check_composer(InProcessStudent(namespace))
    assert namespace["conv2d"] is own_conv and "max_pool2d" not in namespace


#: The issue's two attacks on the grader's resources: one ask of conv2d_single on a 1×1
#: image padded by 4095 (67 M iterations of the reference's loop in the grader: 378 s),
#: one of zero_pad making an 11585² answer (1 GiB, 2.1 GB peak in the grader).
BURNER = '''
import numpy as np

def conv2d_single(image, kernel, bias=0.0, stride=1, padding=0):
    return "my own conv2d_single"

def zero_pad(x, pad):
    return "my own zero_pad"

def conv2d(x, w, b=None, stride=1, padding=0):
    return [conv2d_single(np.ones((1, 1)), np.ones((1, 1)), padding=4095),
            zero_pad(np.ones((1, 1)), 5792)]
'''


@pytest.mark.parametrize("kind", KINDS)
def test_asks_that_would_burn_the_grader_run_the_students_own_code(tmp_path: Path, kind,
                                                                   monkeypatch):
    """The grader computes nothing on the student's arguments: the reference is never asked
    for these two answers (the spies stand in for it, in the grader's process, and refuse
    big ones at once instead of spending minutes); the student's own functions answer."""
    asked = []

    def spy(name):
        real = getattr(reference, name)

        def watched(*args, **kwargs):
            bound = inspect.signature(real).bind(*args, **kwargs)
            padding = bound.arguments.get("padding", bound.arguments.get("pad", 0))
            if np.max(np.asarray(padding, dtype=object).ravel().tolist() or [0]) > 100:
                asked.append((name, padding))
                raise RuntimeError("the grader was made to compute this")
            return real(*args, **kwargs)

        return watched

    for name in ("conv2d_single", "zero_pad"):
        monkeypatch.setattr(reference, name, spy(name))
    path = tmp_path / "burner.py"
    path.write_text(textwrap.dedent(BURNER))
    with SandboxedStudent(path, sandbox=kind) as student:
        got = student.call("conv2d", np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), padding=1)
    assert asked == []
    assert got == ["my own conv2d_single", "my own zero_pad"]


#: A worker that speaks the protocol itself: it asks for one answered key again and again,
#: past its own remembered replies (the stand-in's closure holds the worker).
ASKS_FOREVER = '''
import sys

def zero_pad(x, pad):
    return x

def conv2d(x, w, b=None, stride=1, padding=0):
    stand_in = globals()["zero_pad"]
    cells = [c.cell_contents for c in stand_in.__closure__]
    worker = next(c for f in cells if callable(f) and getattr(f, "__closure__", None)
                  for c in (cell.cell_contents for cell in f.__closure__)
                  if hasattr(c, "_asked"))
    protocol = sys.modules["jail.protocol"]
    worker.ask("zero_pad", (x, 0), {})  # learns the answered keys
    key = next(iter(worker.asks.keys["zero_pad"]))
    while True:
        worker._asked(protocol.encode({"ask": {"fn": "zero_pad", "key": key}}))
'''


@pytest.mark.parametrize("kind", KINDS)
def test_a_call_that_asks_without_end_is_stopped_by_count(tmp_path: Path, kind, monkeypatch):
    from autograder.sandbox import sandboxed
    from autograder.student import WorkerCrashed

    monkeypatch.setattr(sandboxed, "MAX_ASKS_PER_CALL", 50)
    path = tmp_path / "asker.py"
    path.write_text(textwrap.dedent(ASKS_FOREVER))
    with SandboxedStudent(path, sandbox=kind, call_timeout=60) as student:
        with pytest.raises(WorkerCrashed, match="more than 50 times in one call"):
            student.call("conv2d", np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))


#: A later function that writes its own numbers into the case's arrays before asking.
OVERWRITER = '''
def zero_pad(x, pad):
    return "my own zero_pad"

def conv2d(x, w, b=None, stride=1, padding=0):
    x[...] = 7.0  # the case's array, now holding numbers of the student's choosing
    return zero_pad(x, padding)
'''


@pytest.mark.parametrize("kind", [*KINDS, "in-process"])
def test_changing_the_cases_arrays_in_place_gets_no_answer_for_the_changed_ones(tmp_path,
                                                                             kind):
    x, w = np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2))
    if kind == "in-process":
        namespace: dict = {}
        exec(textwrap.dedent(OVERWRITER), namespace)
        assert InProcessStudent(namespace).call("conv2d", x, w, padding=1) == "my own zero_pad"
        return
    path = tmp_path / "overwriter.py"
    path.write_text(textwrap.dedent(OVERWRITER))
    with SandboxedStudent(path, sandbox=kind) as student:
        assert student.call("conv2d", x, w, padding=1) == "my own zero_pad"


#: The issue's oracle: a later function asks the grader for the answers of an earlier one
#: on the inputs the earlier one was graded on (remembered: the worker lives across items).
ORACLE = '''
import numpy as np
SEEN = []

def relu(x):
    SEEN.append(np.array(x))
    return x  # no implementation

def flatten(x):
    return [relu(seen) for seen in list(SEEN)]  # while flatten is graded: whose relu?
'''


@pytest.mark.parametrize("kind", KINDS)
def test_a_later_function_cannot_ask_for_an_earlier_ones_hidden_answers(tmp_path: Path, kind):
    path = tmp_path / "oracle.py"
    path.write_text(textwrap.dedent(ORACLE))
    inputs = [np.array([[-1.0, 2.0]]), np.array([[3.0, -4.0, 0.5]])]
    with SandboxedStudent(path, sandbox=kind) as student:
        for x in inputs:
            student.call("relu", x)
        got = student.call("flatten", np.zeros((1, 2, 2, 2)))
    for x, answer in zip(inputs, got[:2], strict=True):
        np.testing.assert_array_equal(answer, x)  # its own relu: no answer from the grader


# --------------------------------------------------------------------------- learning


@pytest.mark.slow
@NEEDS_BWRAP
def test_a_lookup_table_learns_nothing_from_the_grader_and_nothing_that_lasts(tmp_path):
    """The learning attack, three rounds through ``autograder grade`` with bubblewrap
    (``tests/support/attacker.py``; ``benchmarks/bench_attack.py`` runs twenty): no answer
    of the grader's reaches it but the shown cases, and what a round learns from those is
    about that submission's values, which the next submission does not get."""
    from support.attacker import attack

    rows = attack(tmp_path, 3, ["--sandbox", "bubblewrap"])
    assert [row["leaked"] for row in rows] == [0, 0, 0], rows  # (the old rule: 11, 24, 51)
    assert all(row["shown"] > 20 for row in rows), rows  # it learns the shown cases, but
    assert [row["score"] for row in rows] == [0, 0, 0], rows  # each submission has its own
