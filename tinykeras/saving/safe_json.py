"""Strict, bounded JSON for files that other people wrote.

:func:`loads` refuses, with a :class:`FileFormatError` naming the problem:
documents over ``max_bytes``, nesting deeper than ``max_depth`` (checked
*before* parsing, by a linear scan, so deep input can never reach Python's
recursion limit), duplicate keys (two parsers could disagree on which one
wins), ``NaN``/``Infinity`` and numbers that overflow to them, and anything
that is not valid UTF-8 JSON.

>>> loads('{"a": [1, 2.5, null]}')
{'a': [1, 2.5, None]}
>>> loads('[' * 200 + ']' * 200)
Traceback (most recent call last):
...
tinykeras.saving.errors.FileFormatError: architecture JSON: nesting is deeper than 64 levels
"""
import json
import math

import numpy as np

from .errors import FileFormatError

MAX_JSON_BYTES = 16 * 2 ** 20
MAX_DEPTH = 64

_OPEN = np.frombuffer(b"[{", np.uint8)
_CLOSE = np.frombuffer(b"]}", np.uint8)


def nesting_depth(text):
    """The deepest bracket nesting of a JSON text, ignoring brackets in strings.

    Linear and vectorized: drop escaped backslashes, then escaped quotes, so
    every quote left opens or closes a string; a running XOR of the quotes
    marks the inside of strings; the running sum of the other brackets (+1
    opening, -1 closing) is the depth.

    >>> nesting_depth(r'{"a": [[1], "[[[[\\"]"]}')
    3
    """
    raw = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    chars = np.frombuffer(raw, np.uint8)
    outside = ~np.logical_xor.accumulate(chars == ord('"'))
    opens, closes = np.isin(chars, _OPEN) & outside, np.isin(chars, _CLOSE) & outside
    steps = opens[opens | closes].astype(np.int8) * 2 - 1
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise FileFormatError(f"duplicate key {key!r} in a JSON object")
        out[key] = value
    return out


def _finite(text):
    value = float(text)
    if not math.isfinite(value):
        raise FileFormatError(f"number {text[:40]!r} is not finite")
    return value


def _no_constant(name):
    raise FileFormatError(f"{name} is not allowed in JSON")


def loads(data, what="architecture JSON", max_bytes=MAX_JSON_BYTES, max_depth=MAX_DEPTH):
    """Parse ``data`` (str or bytes) strictly; see the module docstring."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        if len(data) > max_bytes:
            raise FileFormatError(f"{what}: {len(data)} bytes is more than the limit of {max_bytes}")
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"{what}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not isinstance(data, str):
        raise FileFormatError(f"{what}: expected text, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise FileFormatError(f"{what}: {len(data)} characters is more than the limit of {max_bytes}")
    if nesting_depth(data) > max_depth:
        raise FileFormatError(f"{what}: nesting is deeper than {max_depth} levels")
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_float=_finite,
                           parse_constant=_no_constant)
    except FileFormatError as exc:
        raise FileFormatError(f"{what}: {exc}") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge integers
        raise FileFormatError(f"{what}: not valid JSON ({str(exc)[:200]})") from None
    _check_text(value, what)
    return value


def _check_text(value, what):
    """Every string (keys included) must be valid Unicode text: a JSON escape
    such as ``"\\ud800"`` (a lone surrogate) parses, but could never be
    written back as UTF-8 nor printed, so it is refused where it is."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # fast path, in C
        return
    except UnicodeEncodeError:
        pass
    stack = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, f"{where}[{k!r}]") for k, v in item.items())
            strings = list(item)
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
            strings = []
        else:
            strings = [item] if isinstance(item, str) else []
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                shown = text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
                raise FileFormatError(f"{what}: {'key' if text is not item else 'string'} "
                                      f"{shown[:80]!r} at {where or 'the top'} is not valid Unicode "
                                      f"text (a lone surrogate at character {exc.start}); names "
                                      "and strings must be UTF-8") from None


def dumps(value):
    """Compact JSON with no NaN/Infinity (the writer's side of :func:`loads`).

    >>> dumps({"units": 3, "shape": (None, 4)})
    '{"units":3,"shape":[null,4]}'
    """
    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
