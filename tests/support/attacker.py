"""A hostile student who writes no implementation at all: every graded function is a
lookup table, learned over resubmissions from the feedback.

Each round the attacker hands in ``<student>.py`` (:func:`submission`), runs
``autograder grade`` on it, reads its own ``results.json`` and adds what it learned to the
table (:func:`learn`). Two ways to learn:

- **the shown case**: a function that misses returns ``"K:<key>"`` (the key of its
  arguments), so the report shows, for that key, the expected value (parsed from the
  printed text: exact for the small whole numbers most cases use), or says that the call
  should have raised;
- **the grader as an oracle**: before returning, a missing function calls every earlier
  graded function on every input that function was seen with (the worker process lives
  across items) and appends whatever comes back to its ``"K:..."`` string, compressed.
  Where the grader answers such calls for any arguments, these are the reference's answers
  for the hidden cases of earlier items, at full precision.

The table is keyed by the arguments' content (:func:`key` in the submission), so it helps
exactly when the next submission is graded on the same inputs.

``benchmarks/bench_attack.py`` runs it for 20 rounds; ``tests/test_provided.py`` for a few.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograder import rubric

#: Characters of leaked answers one missing call appends to its returned string.
LEAK_CHARS = 1800

TEMPLATE = '''
"""No implementation: answers from a table learned from earlier feedback."""
import base64
import hashlib
import json
import zlib

import numpy as np

TABLE = json.loads(zlib.decompress(base64.b85decode({table!r})))
ORDER = {order!r}
LEAK_CHARS = {leak_chars}
SEEN = {{}}
LEAKED = set()
BUSY = []
HITS = [0]


def _norm(v):
    if isinstance(v, np.ndarray):
        return ["nd", v.dtype.str, list(v.shape), hashlib.sha1(v.tobytes()).hexdigest()]
    if isinstance(v, np.generic):
        return _norm(np.asarray(v))
    if isinstance(v, (list, tuple)):
        return [type(v).__name__] + [_norm(x) for x in v]
    if isinstance(v, dict):
        return ["dict"] + [[k, _norm(v[k])] for k in sorted(v)]
    if callable(v):
        return "callable"
    return repr(v)


def key(fn, args, kwargs):
    text = json.dumps([fn, _norm(list(args)), _norm(dict(kwargs))])
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _encode(v):
    if isinstance(v, np.ndarray):
        return ["nd", v.dtype.str, list(v.shape), v.ravel().tolist()]
    if isinstance(v, np.generic):
        return ["sc", _encode(np.asarray(v))]
    if isinstance(v, tuple):
        return ["tu", [_encode(x) for x in v]]
    if isinstance(v, list):
        return ["li", [_encode(x) for x in v]]
    if isinstance(v, dict):
        return ["di", {{k: _encode(x) for k, x in v.items()}}]
    return ["py", v]


def _decode(e):
    tag, body = e[0], e[1:]
    if tag == "nd":
        dtype, shape, data = body
        return np.array(data, dtype=dtype).reshape(shape)
    if tag == "sc":
        return _decode(body[0])[()]
    if tag == "tu":
        return tuple(_decode(x) for x in body[0])
    if tag == "li":
        return [_decode(x) for x in body[0]]
    if tag == "di":
        return {{k: _decode(x) for k, x in body[0].items()}}
    return body[0]


def _harvest(current):
    """Every earlier function, on every input it was seen with (first seen first), not
    sent out before: what comes back, as much as fits in one returned string."""
    found = {{}}
    for fn in ORDER[: ORDER.index(current)]:
        for k, (args, kwargs) in list(SEEN.get(fn, {{}}).items()):
            if k in TABLE or k in LEAKED:
                continue
            try:
                found[k] = _encode(globals()[fn](*args, **kwargs))
            except ValueError:
                found[k] = "RAISE"
            except Exception:
                continue
            if found[k][0] == "py" and str(found[k][1]).startswith("K:"):
                del found[k]  # our own table again: nothing learned
    kept = {{}}
    for k in found:
        kept[k] = found[k]
        if len(json.dumps(kept)) > LEAK_CHARS * 3:  # what compresses into the room
            del kept[k]
    text = base64.b85encode(zlib.compress(json.dumps(kept).encode(), 9)).decode()
    while len(text) > LEAK_CHARS and kept:
        kept.pop(next(iter(reversed(kept))))
        text = base64.b85encode(zlib.compress(json.dumps(kept).encode(), 9)).decode()
    LEAKED.update(kept)
    return text


def _answer(fn, args, kwargs):
    k = key(fn, args, kwargs)
    if k in TABLE:
        HITS[0] += 1
        if isinstance(TABLE[k], str):  # "RAISE"
            raise ValueError("this one raises")
        return _decode(TABLE[k])
    SEEN.setdefault(fn, {{}})[k] = (args, kwargs)
    if BUSY:  # called while harvesting: a miss, no second harvest
        return "K:" + k
    BUSY.append(fn)
    try:
        leak = _harvest(fn)
        return "K:" + k + "|H:" + str(HITS[0]) + "|L:" + leak
    finally:
        BUSY.pop()
'''

FUNCTION = '''

def {name}(*args, **kwargs):
    return _answer({name!r}, args, kwargs)
'''


def submission(table: dict[str, Any]) -> str:
    """The attacker's file, holding ``table`` (key → encoded answer, or "RAISE")."""
    packed = base64.b85encode(zlib.compress(json.dumps(table).encode(), 9)).decode()
    source = TEMPLATE.format(table=packed, order=list(rubric.FUNCTIONS), leak_chars=LEAK_CHARS)
    return source + "".join(FUNCTION.format(name=name) for name in rubric.FUNCTIONS)


# --------------------------------------------------------------------------- learning

_KEY = re.compile(r"'K:([0-9a-f]{20})(?:\|H:(\d+)\|L:([^'…]*))?")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf|nan)")
_ARRAY = re.compile(r"array of shape \(([\d, ]*)\), (\w+):\n(.*)", re.S)


def learn(table: dict[str, Any], results: dict[str, Any]) -> dict[str, int]:
    """Add to ``table`` what one ``results.json`` shows. Returns how many keys were new,
    from the grader's answers smuggled out ("leaked") and from the cases the reports show
    ("shown"), and how often the table answered a call ("hits", as far as the reports tell)."""
    counts = {"leaked": 0, "shown": 0, "hits": 0}
    for test in results.get("tests", []):
        output = test.get("output", "")
        for found in _KEY.finditer(output):
            counts["hits"] = max(counts["hits"], int(found.group(2) or 0))
            leak = found.group(3)
            if leak:
                try:
                    leaked = json.loads(zlib.decompress(base64.b85decode(leak)))
                except (ValueError, zlib.error):
                    continue  # cut short by the report
                new = {k: v for k, v in leaked.items() if k not in table}
                table.update(new)
                counts["leaked"] += len(new)
        shown = _KEY.search(output.split("Got (your code):", 1)[-1])
        if shown is None or shown.group(1) in table:
            continue
        if "expected ValueError" in output.split("\n", 1)[0]:
            table[shown.group(1)] = "RAISE"
            counts["shown"] += 1
            continue
        expected = _section(output, "Expected (reference):", "Got (your code):")
        value = parse_value(expected) if expected is not None else None
        if value is not None:
            table[shown.group(1)] = value
            counts["shown"] += 1
    return counts


def _section(text: str, start: str, end: str) -> str | None:
    if start not in text or end not in text:
        return None
    body = text.split(start, 1)[1].split(end, 1)[0]
    return "\n".join(line[2:] if line.startswith("  ") else line
                     for line in body.strip("\n").splitlines()).strip()


def parse_value(text: str) -> list | None:
    """An encoded answer (as the submission's ``_encode``) from the printed expected value,
    or None where it cannot be read back (a described, not printed, array)."""
    if text.startswith("a tuple of"):
        parts = re.split(r"\n\[\d+\] ", "\n" + text.split("\n", 1)[1])[1:]
        items = [parse_value(part) for part in parts]
        return None if any(i is None for i in items) else ["tu", items]
    array = _ARRAY.match(text)
    if array:
        shape = [int(d) for d in array.group(1).replace(" ", "").split(",") if d]
        numbers = [float(n) for n in _NUMBER.findall(array.group(3))]
        if len(numbers) != int(np.prod(shape)):
            return None
        arr = np.array(numbers, dtype=array.group(2))
        return ["nd", arr.dtype.str, shape, arr.tolist()]
    try:
        value = ast.literal_eval(text.split(" (numpy", 1)[0])
    except (ValueError, SyntaxError):
        return None
    return None if value is None else _plain(value)


def _plain(value: Any) -> list:
    if isinstance(value, tuple):
        return ["tu", [_plain(v) for v in value]]
    if isinstance(value, list):
        return ["li", [_plain(v) for v in value]]
    return ["py", value]


# --------------------------------------------------------------------------- rounds


def attack(folder: Path, rounds: int, options: list[str], student: str = "mallory",
           python: str = sys.executable, env: dict[str, str] | None = None,
           each: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Hand in, grade with ``autograder grade <folder> --out <folder>/out --lang en
    *options`` (run in ``folder``, with ``env``), learn; ``rounds`` times. Returns one row
    per round (also given to ``each`` as it comes): the score, the points of output_size …
    tiny_cnn_forward, what :func:`learn` counted and the table's size."""
    folder.mkdir(parents=True, exist_ok=True)
    submissions, out = folder / "submissions", folder / "out"
    submissions.mkdir(exist_ok=True)
    forward = {it.name for it in rubric.ITEMS
               if rubric.FUNCTIONS.index(it.function)
               <= rubric.FUNCTIONS.index("tiny_cnn_forward")}
    table: dict[str, Any] = {}
    rows = []
    for number in range(1, rounds + 1):
        (submissions / f"{student}.py").write_text(submission(table))
        subprocess.run(
            [python, "-c", "import sys; from autograder.cli import main; sys.exit(main())",
             "grade", str(submissions), "--out", str(out), "--lang", "en", "--quiet",
             "--workers", "1", *options],
            check=False, capture_output=True, env=env, timeout=1800, cwd=folder)
        results = json.loads((out / student / "results.json").read_text())
        tests = results.get("tests", [])
        score = sum(t.get("score", 0) for t in tests)
        forward_points = sum(t.get("score", 0) for t in tests if t.get("name") in forward)
        rows.append({"round": number, "score": score, "forward": forward_points,
                     "forward_max": sum(rubric.item(n).points for n in forward),
                     **learn(table, results), "table": len(table)})
        if each is not None:
            each(rows[-1])
    return rows
