"""Plain data in and out of the student's kernel, as text that cannot run code.

Test inputs travel from the grader to the student's kernel, and the student's
outputs travel back, as JSON: NumPy arrays become ``{"__nd__": dtype, "shape":
[...], "b64": raw bytes}``, tuples ``{"__tuple__": [...]}``. Decoding is
:func:`json.loads` plus :func:`numpy.frombuffer` on a short list of dtypes, so
whatever a (possibly tampered) kernel sends back can only ever be *data*: never
a pickle, never code. Decoding is bounded before anything is allocated: the
compressed and the decompressed size, the number of JSON values, the nesting, and
each array's dimensions and bytes; anything out of bounds or malformed is a
:class:`WireError`, never another exception.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from typing import Any

import numpy as np

__all__ = ["WireError", "decode", "encode", "from_plain", "pack", "to_plain", "unpack"]

_DTYPES = frozenset({"float64", "float32", "float16", "int64", "int32", "int16", "int8",
                     "uint8", "bool"})
MAX_BYTES = 64 * 2**20
MAX_DEPTH = 32
MAX_DIMS = 32
#: JSON values (roughly: separators) one message may hold; arrays travel as one string each
MAX_VALUES = 2_000_000


class WireError(ValueError):
    """Data that cannot be encoded, or text that is not a valid encoding."""


def to_plain(obj: Any, _depth: int = 0) -> Any:
    """``obj`` as JSON-ready values; arrays and tuples become tagged dicts."""
    if _depth > MAX_DEPTH:
        raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int | float):
        return obj
    if isinstance(obj, np.generic):
        return to_plain(obj.item(), _depth)
    if isinstance(obj, np.ndarray):
        if obj.dtype.name not in _DTYPES:
            raise WireError(f"arrays of dtype {obj.dtype} cannot be sent (allowed: {sorted(_DTYPES)})")
        if obj.nbytes > MAX_BYTES:
            raise WireError(f"an array of {obj.nbytes} bytes is more than the limit of {MAX_BYTES}")
        data = np.ascontiguousarray(obj).tobytes()
        return {"__nd__": obj.dtype.name, "shape": list(obj.shape),
                "b64": base64.b64encode(data).decode("ascii")}
    if isinstance(obj, tuple):
        return {"__tuple__": [to_plain(x, _depth + 1) for x in obj]}
    if isinstance(obj, list):
        return [to_plain(x, _depth + 1) for x in obj]
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if not isinstance(key, str) or key.startswith("__"):
                raise WireError(f"dict keys must be strings not starting with '__', got {key!r}")
            out[key] = to_plain(value, _depth + 1)
        return out
    raise WireError(f"values of type {type(obj).__name__} cannot be sent")


def _array(tagged: dict) -> np.ndarray:
    dtype, shape, b64 = tagged.get("__nd__"), tagged.get("shape"), tagged.get("b64")
    if dtype not in _DTYPES:
        raise WireError(f"unknown array dtype {dtype!r}")
    if not isinstance(shape, list) or len(shape) > MAX_DIMS or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise WireError(f"invalid array shape {str(shape)[:80]}")
    if not isinstance(b64, str):
        raise WireError("array data is not a string")
    itemsize = np.dtype(dtype).itemsize
    if math.prod(shape) * itemsize > MAX_BYTES or len(b64) > 4 * (MAX_BYTES // 3 + 1):
        raise WireError(f"an array of shape {shape} is more than the limit of {MAX_BYTES} bytes")
    try:
        raw = base64.b64decode(b64.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as err:
        raise WireError(f"array data is not base64: {err}") from None
    if len(raw) != math.prod(shape) * itemsize:
        raise WireError(f"array data has {len(raw)} bytes, shape {shape} needs "
                        f"{math.prod(shape) * itemsize}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def from_plain(obj: Any, _depth: int = 0) -> Any:
    """The inverse of :func:`to_plain`; raises :class:`WireError` on anything unexpected."""
    if _depth > MAX_DEPTH:
        raise WireError(f"data nested deeper than {MAX_DEPTH} levels")
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, list):
        return [from_plain(x, _depth + 1) for x in obj]
    if isinstance(obj, dict):
        if "__nd__" in obj:
            return _array(obj)
        if "__tuple__" in obj:
            items = obj["__tuple__"]
            if not isinstance(items, list) or len(obj) != 1:
                raise WireError("malformed tuple")
            return tuple(from_plain(x, _depth + 1) for x in items)
        if any(k.startswith("__") for k in obj):
            raise WireError(f"unknown tag in {sorted(obj)}")
        return {k: from_plain(v, _depth + 1) for k, v in obj.items()}
    raise WireError(f"unexpected JSON value of type {type(obj).__name__}")


def encode(obj: Any) -> str:
    """``obj`` as JSON text (NaN and infinities allowed)."""
    return json.dumps(to_plain(obj), separators=(",", ":"))


def decode(text: str) -> Any:
    """Data from :func:`encode`'s text; raises :class:`WireError` when it is not."""
    if not isinstance(text, str):
        raise WireError(f"expected text, got {type(text).__name__}")
    if len(text) > 2 * MAX_BYTES:
        raise WireError(f"{len(text)} characters is more than the limit of {2 * MAX_BYTES}")
    if text.count(",") + text.count(":") > MAX_VALUES:
        raise WireError(f"more than {MAX_VALUES} values in one message")
    try:
        plain = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise WireError(f"not valid JSON: {str(err)[:200]}") from None
    try:
        return from_plain(plain)
    except WireError:
        raise
    except RecursionError:
        raise WireError("data nested too deeply") from None
    except Exception as err:  # anything else malformed is the sender's problem
        raise WireError(f"malformed data ({type(err).__name__})") from None


def pack(obj: Any) -> str:
    """:func:`encode`, compressed and base64'd: one ASCII token to embed in code."""
    return base64.b64encode(zlib.compress(encode(obj).encode("utf-8"), 6)).decode("ascii")


def unpack(token: str) -> Any:
    """The inverse of :func:`pack`; output larger than the size limit is refused."""
    if not isinstance(token, str):
        raise WireError(f"expected text, got {type(token).__name__}")
    if len(token) > 2 * MAX_BYTES:
        raise WireError(f"a token of {len(token)} characters is more than the limit")
    try:
        raw = base64.b64decode(token.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_BYTES + 1)
    except (ValueError, zlib.error) as err:
        raise WireError(f"not a packed token: {err}") from None
    if len(data) > MAX_BYTES or inflater.unconsumed_tail:
        raise WireError(f"packed data is larger than the limit of {MAX_BYTES} bytes")
    return decode(data.decode("utf-8", errors="replace"))
