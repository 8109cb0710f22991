"""What crosses between the trusted grader and the sandboxed worker: plain data only.

A value is encoded as a small JSON header plus raw ``.npy`` blobs. Decoding never
unpickles (``np.load(..., allow_pickle=False)``), accepts only numeric and boolean
arrays, and refuses anything larger than a fixed budget, so nothing the student's code
returns can run code or smuggle objects (subclasses, custom ``__eq__``) into the grader.

Supported values: None, bool, int, float, str, list, tuple, dict with str keys,
numpy arrays and numpy scalars (kept apart from Python numbers so the grader can tell
``np.float64(1.0)`` from ``1.0``), and :class:`FunctionRef` (a named function from
``callables`` (beside this module) with array arguments, since callables cannot be sent).
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 20
_ARRAY_KINDS = "biufc"
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
        if arr.dtype.kind not in _ARRAY_KINDS:
            raise ProtocolError(f"arrays must be numeric, got dtype {arr.dtype}")
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        blobs.append(buf.getvalue())
        tag = "__npscalar__" if isinstance(obj, np.generic) else "__nd__"
        return {tag: len(blobs) - 1}
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


def _npy_data_size(blob: bytes) -> int:
    """Bytes of array data the .npy header announces (checked before anything is allocated)."""
    stream = io.BytesIO(blob)
    version = np.lib.format.read_magic(stream)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read_header is None:
        raise ValueError(f"unsupported .npy version {version}")
    shape, _, dtype = read_header(stream)
    if dtype.hasobject:
        raise ValueError("object arrays are not allowed")
    return int(np.prod(shape, dtype=object)) * dtype.itemsize + stream.tell() - len(blob)


def _load_array(blob: bytes) -> np.ndarray:
    try:
        if _npy_data_size(blob) != 0:
            raise ValueError("the array data does not match its header's shape")
        arr = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:
        raise ProtocolError(f"not a plain numpy array: {exc}") from None
    if not isinstance(arr, np.ndarray) or type(arr) is not np.ndarray:
        raise ProtocolError("not a plain numpy array")
    if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
        raise ProtocolError(f"arrays must be numeric, got dtype {arr.dtype}")
    return arr


def _from_json(obj: Any, arrays: list[np.ndarray], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError(f"value is nested more than {MAX_DEPTH} levels deep")
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, dict) and len(obj) == (2 if "__fn__" in obj else 1):
        ((tag, val), *rest) = obj.items()
        if tag == "__float__" and isinstance(val, str):
            return float(val)
        if tag in ("__nd__", "__npscalar__") and type(val) is int and 0 <= val < len(arrays):
            arr = arrays[val].copy()
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
    arrays = [_load_array(blob) for blob in chunks[1:]]
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
