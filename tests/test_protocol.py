"""The wire format: every allowed value survives a round trip exactly; anything else is refused.

Round trips are hypothesis properties over values built from small named pieces; the
rejections are hand-made hostile messages (pickles, object arrays, lies about sizes).
"""

from __future__ import annotations

import io
import math
import pickle
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.jail import protocol
from autograder.jail.protocol import FunctionRef, ProtocolError

# --------------------------------------------------------------------------- strategies

numeric_dtypes = st.one_of(
    hnp.boolean_dtypes(), hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(),
    hnp.floating_dtypes(), hnp.complex_number_dtypes(),
)
arrays = numeric_dtypes.flatmap(
    lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)))
numpy_scalars = arrays.map(lambda a: a.reshape(-1)[0] if a.size else a.dtype.type(0))
python_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
leaves = st.one_of(python_scalars, arrays, numpy_scalars)
function_refs = st.builds(FunctionRef, st.sampled_from(["quadratic", "sin_sum"]),
                          st.dictionaries(st.text(max_size=5), arrays, max_size=2))


def containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    )


values = st.recursive(st.one_of(leaves, function_refs), containers, max_leaves=12)


def same(a: object, b: object) -> bool:
    """Equal, of the same type, arrays with the same dtype and shape (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray | np.generic):
        return a.dtype == b.dtype and a.shape == b.shape and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, FunctionRef):
        return a.name == b.name and same(a.kwargs, b.kwargs)
    return a == b


def framed(*chunks: bytes) -> bytes:
    """A message built by hand: each chunk prefixed by its 8-byte length."""
    return b"".join(struct.pack("<Q", len(c)) + c for c in chunks)


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


# --------------------------------------------------------------------------- round trips


@given(values)
def test_every_allowed_value_round_trips_exactly(value):
    assert same(protocol.decode(protocol.encode(value)), value)


@given(arrays)
def test_decoded_arrays_are_fresh_writable_copies(array):
    decoded = protocol.decode(protocol.encode(array))
    assert decoded.flags.writeable and not np.shares_memory(decoded, array)


def test_numpy_scalars_stay_apart_from_python_numbers():
    decoded = protocol.decode(protocol.encode([np.float64(1.0), 1.0, np.int64(2), 2]))
    assert [type(v) for v in decoded] == [np.float64, float, np.int64, int]


@given(values)
def test_framed_messages_read_back(value):
    stream = io.BytesIO()
    protocol.write_message(stream, protocol.encode(value))
    stream.seek(0)
    assert same(protocol.decode(protocol.read_message(stream)), value)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("value", [
    np.array([1, "a"], dtype=object),
    np.array(["text"]),
    np.array([b"bytes"]),
    np.array(["2020-01-01"], dtype="datetime64[D]"),
    np.zeros(2, dtype=[("x", "f8")]),
    {1: "non-string key"},
    object(),
    lambda x: x,
    {1, 2},
    b"raw bytes",
], ids=lambda v: type(v).__name__)
def test_encode_refuses_what_is_not_plain_data(value):
    with pytest.raises(ProtocolError):
        protocol.encode(value)


def test_encode_refuses_deep_nesting():
    value: list = []
    for _ in range(protocol.MAX_DEPTH + 2):
        value = [value]
    with pytest.raises(ProtocolError, match="nested"):
        protocol.encode(value)


HOSTILE = {
    "pickle as header": framed(pickle.dumps({"ok": 1})),
    "pickled object array": framed(b'{"__nd__": [0, "|O", [2]]}',
                                   pickle.dumps(np.array([1, None], dtype=object))),
    "pickle as array blob": framed(b'{"__nd__": [0, "<f8", [3]]}', pickle.dumps(np.zeros(3))),
    "string array": framed(b'{"__nd__": [0, "<U1", [1]]}', b"a\x00\x00\x00"),
    "structured array": framed(b'{"__nd__": [0, "|V8", [1]]}', bytes(8)),
    "subarray dtype": framed(b'{"__nd__": [0, "(2,)<f8", [1]]}', bytes(16)),
    "array index out of range": framed(b'{"__nd__": [1, "<f8", [3]]}', bytes(24)),
    "header shape larger than the data": framed(b'{"__nd__": [0, "<f8", [4000000000]]}',
                                                bytes(24)),
    "negative size": framed(b'{"__nd__": [0, "<f8", [-3]]}', bytes(24)),
    "size that is not an int": framed(b'{"__nd__": [0, "<f8", [true, 3]]}', bytes(24)),
    "array spec that is not a list": framed(b'{"__nd__": 0}', bytes(24)),
    ".npy file as blob": framed(b'{"__nd__": [0, "<f8", [3]]}', npy(np.zeros(3))),
    "unknown tag": framed(b'{"__class__": "os.system"}'),
    "bare JSON list": framed(b"[1, 2]"),
    "bare JSON float": framed(b"1.5"),
    "tag with extra keys": framed(b'{"__float__": "1.0", "x": 1}'),
    "float that is not a number": framed(b'{"__float__": "one"}'),
    "function ref without kw": framed(b'{"__fn__": "quadratic", "x": 1}'),
    "deeply nested JSON": framed(b"[" * 100_000),
    "not JSON": framed(b"\xff\xfe"),
    "empty": b"",
    "length beyond the data": struct.pack("<Q", 1000) + b"{}",
    "half a length": b"\x01\x00\x00",
}


@pytest.mark.parametrize("message", HOSTILE.values(), ids=HOSTILE.keys())
def test_decode_refuses_hostile_messages(message):
    with pytest.raises(ProtocolError):
        protocol.decode(message)


@given(values, st.data())
def test_every_truncation_is_refused(value, data):
    message = protocol.encode(value)
    cut = data.draw(st.integers(0, len(message) - 1), label="cut")
    with pytest.raises(ProtocolError):
        protocol.decode(message[:cut])


def test_read_message_refuses_over_size_frames():
    stream = io.BytesIO()
    protocol.write_message(stream, protocol.encode(np.zeros(100)))
    stream.seek(0)
    with pytest.raises(ProtocolError, match="over the 64-byte limit"):
        protocol.read_message(stream, limit=64)


def test_read_message_reports_a_vanished_peer():
    stream = io.BytesIO(struct.pack("<Q", 10) + b"abc")
    with pytest.raises(EOFError):
        protocol.read_message(stream)
