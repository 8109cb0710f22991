"""What crosses between the trusted grader and the sandboxed worker: plain data only.

A value is encoded as a small JSON header plus one blob of raw bytes per array; the
header names each array's dtype (from a fixed list of numeric and boolean dtypes) and
shape. Decoding never unpickles, checks that a blob holds exactly the bytes its dtype and
shape need before it makes the array, and refuses anything larger than a fixed budget,
so nothing the student's code returns can run code or smuggle objects (subclasses,
custom ``__eq__``) into the grader. (Raw bytes, not ``.npy`` files: parsing a ``.npy``
header costs about a hundred times more than the copy, on every message.)

Supported values: None, bool, int, float, str, list, tuple, dict with str keys,
numpy arrays and numpy scalars (kept apart from Python numbers so the grader can tell
``np.float64(1.0)`` from ``1.0``), and :class:`FunctionRef` (a named function from
``callables`` (beside this module) with array arguments, since callables cannot be sent).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 20
#: The dtypes an array may have, by their ``dtype.str`` ("<f8", "|b1", ...): every numeric
#: and boolean dtype, in either byte order.
_DTYPES: dict[str, np.dtype] = {
    d.str: d for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                       np.uint32, np.uint64, np.float16, np.float32, np.float64,
                       np.longdouble, np.complex64, np.complex128, np.clongdouble)
    for d in (np.dtype(t), np.dtype(t).newbyteorder())}
_HEADER = struct.Struct("<Q")  # every length prefix: the frame's and each part's

#: Bytes of the length prefix before each framed message.
FRAME_PREFIX_BYTES = _HEADER.size


class ProtocolError(ValueError):
    """A message that is malformed, too large or holds something not allowed."""


@dataclass(frozen=True)
class FunctionRef:
    """A function known to both sides by name, e.g. ``FunctionRef("quadratic", {"a": A})``."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def _to_json(obj: Any, blobs: list[bytes], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError(f"value is nested more than {MAX_DEPTH} levels deep")
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int) and type(obj) is int:
        return obj
    if type(obj) is float:
        return {"__float__": repr(obj)}  # repr round-trips exactly, NaN and inf included
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.str not in _DTYPES:
            raise ProtocolError(f"arrays must be numeric, got dtype {arr.dtype}")
        blobs.append(arr.tobytes())  # C order, whatever the array's own layout
        tag = "__npscalar__" if isinstance(obj, np.generic) else "__nd__"
        return {tag: [len(blobs) - 1, arr.dtype.str, list(arr.shape)]}
    if isinstance(obj, FunctionRef):
        return {"__fn__": obj.name, "kw": _to_json(dict(obj.kwargs), blobs, depth + 1)}
    if isinstance(obj, (list, tuple)):
        items = [_to_json(v, blobs, depth + 1) for v in obj]
        return {"__tuple__": items} if isinstance(obj, tuple) else {"__list__": items}
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise ProtocolError("dict keys must be strings")
        return {"__dict__": [[k, _to_json(v, blobs, depth + 1)] for k, v in obj.items()]}
    if isinstance(obj, int):  # int subclasses (IntEnum, ...) become plain ints
        return int(obj)
    if isinstance(obj, float):
        return {"__float__": repr(float(obj))}
    raise ProtocolError(f"cannot send a value of type {type(obj).__name__}")


def error_reply(exc_type: str, message: str, tb: str = "") -> dict[str, Any]:
    """The reply for a call that raised: ``{"error": {"type", "message", "traceback"}}``."""
    return {"error": {"type": exc_type, "message": message, "traceback": tb}}


def encode(obj: Any) -> bytes:
    """Serialize ``obj`` (see the module docstring for what is allowed)."""
    blobs: list[bytes] = []
    header = json.dumps(_to_json(obj, blobs)).encode()
    parts = [_HEADER.pack(len(header)), header]
    for blob in blobs:
        parts += [_HEADER.pack(len(blob)), blob]
    data = b"".join(parts)
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"value is {len(data)} bytes, over the {MAX_MESSAGE_BYTES}-byte limit")
    return data


def _array(spec: list, blobs: list[bytes]) -> np.ndarray:
    """A fresh, writable array from ``[blob index, dtype, shape]``; ProtocolError unless
    the dtype is on the list, the shape is a list of sizes and the blob holds exactly
    the bytes they need."""
    if len(spec) != 3:
        raise ProtocolError("malformed array")
    index, dtype, shape = spec
    if not (type(index) is int and 0 <= index < len(blobs)):
        raise ProtocolError("array index out of range")
    if not isinstance(dtype, str) or dtype not in _DTYPES:
        raise ProtocolError(f"arrays must be numeric, got dtype {str(dtype)[:20]}")
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(type(d) is int and d >= 0 for d in shape)):
        raise ProtocolError("malformed array shape")
    dt, blob = _DTYPES[dtype], blobs[index]
    if math.prod(shape) * dt.itemsize != len(blob):
        raise ProtocolError("the array data does not match its dtype and shape")
    return np.frombuffer(blob, dt).reshape(shape).copy()


def _from_json(obj: Any, arrays: list[np.ndarray], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError(f"value is nested more than {MAX_DEPTH} levels deep")
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, dict) and len(obj) == (2 if "__fn__" in obj else 1):
        ((tag, val), *rest) = obj.items()
        if tag == "__float__" and isinstance(val, str):
            return float(val)
        if tag in ("__nd__", "__npscalar__") and isinstance(val, list):
            arr = _array(val, arrays)
            return arr[()] if tag == "__npscalar__" else arr
        if tag in ("__list__", "__tuple__") and isinstance(val, list):
            items = [_from_json(v, arrays, depth + 1) for v in val]
            return tuple(items) if tag == "__tuple__" else items
        if tag == "__dict__" and isinstance(val, list):
            out = {}
            for pair in val:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                    raise ProtocolError("malformed dict entry")
                out[pair[0]] = _from_json(pair[1], arrays, depth + 1)
            return out
        if tag == "__fn__" and isinstance(val, str) and rest and rest[0][0] == "kw":
            return FunctionRef(val, _from_json(rest[0][1], arrays, depth + 1))
    raise ProtocolError(f"unexpected element in message: {str(obj)[:80]}")


def decode(data: bytes) -> Any:
    """Inverse of :func:`encode`; raises :class:`ProtocolError` on anything unexpected."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message is {len(data)} bytes, over the limit")
    view, pos, chunks = memoryview(data), 0, []
    while pos < len(data):
        if pos + _HEADER.size > len(data):
            raise ProtocolError("truncated message")
        (size,) = _HEADER.unpack_from(view, pos)
        pos += _HEADER.size
        if pos + size > len(data):
            raise ProtocolError("truncated message")
        chunks.append(bytes(view[pos : pos + size]))
        pos += size
    if not chunks:
        raise ProtocolError("empty message")
    try:
        header = json.loads(chunks[0])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(f"bad header: {exc}") from None
    arrays = chunks[1:]
    try:
        return _from_json(header, arrays)
    except ProtocolError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. {"__float__": "abc"}
        raise ProtocolError(f"malformed value: {exc}") from None


# --------------------------------------------------------------------------- framing
# One message on a stream is its length (FRAME_PREFIX_BYTES, little-endian) then its bytes.
# Both sides frame with these; the trusted side reads with deadlines (sandbox.pipes).


def frame(payload: bytes) -> bytes:
    """``payload`` with its length in front, ready to write to a stream."""
    return _HEADER.pack(len(payload)) + payload


def frame_length(prefix: bytes, limit: int = MAX_MESSAGE_BYTES) -> int:
    """The payload length a frame's prefix announces; ProtocolError if over ``limit``."""
    (size,) = _HEADER.unpack(prefix)
    if size > limit:
        raise ProtocolError(f"message of {size} bytes is over the {limit}-byte limit")
    return size


def write_message(stream: BinaryIO, payload: bytes) -> None:
    """Frame ``payload`` with its length and write it."""
    stream.write(frame(payload))
    stream.flush()


def read_message(stream: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> bytes:
    """Read one framed payload; raises EOFError if the other side has gone."""
    head = stream.read(FRAME_PREFIX_BYTES)
    if len(head) < FRAME_PREFIX_BYTES:
        raise EOFError("the other side closed the connection")
    size = frame_length(head, limit)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("the other side closed the connection mid-message")
    return payload
