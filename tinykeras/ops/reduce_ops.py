"""Scans, statistics, NaN-aware reductions and comparisons with Keras 3
names: ``cumsum``/``cumprod``, ``median``/``quantile``/``percentile``,
``nansum``..., ``isclose``/``allclose``/``isin``, ``nan_to_num``, ...

``cumsum`` and ``cumprod`` are ops with composites (a triangular matmul,
a running product); the rest are written with existing ops, so gradients
flow where Keras's do (``quantile`` interpolates between sorted values).

>>> import tinykeras as tk
>>> tk.ops.cumsum([1, 2, 3]).numpy().tolist(), tk.ops.median([3.0, 1.0, 2.0]).item()
([1, 3, 6], 2.0)
"""
import math

import numpy as np

from ..core.primitives import where
from ..core.tensor import Tensor, _lift, apply
from .array_ops import diagonal
from .common import convert_to_tensor, declare_composite, normalize_axis, record, symbolic, tensors
from .elementwise_ops import floating
from .math_ops import (abs, equal, isnan, logical_and, logical_not, logical_or, max, maximum, mean, min, minimum,
                       sqrt, sum)
from .shape_ops import concatenate, flip, moveaxis, pad, take_along_axis
from .sort_ops import sort

__all__ = ["cumsum", "cumprod", "diff", "average", "ptp", "median", "quantile", "percentile", "isclose",
           "allclose", "isin", "isinf", "isposinf", "isneginf", "nan_to_num", "select", "trapezoid", "correlate",
           "corrcoef", "divide_no_nan", "fmax", "fmin", "logical_xor", "i0"]


def _scan_sample(rng):
    from ..testing.samples import values  # the test-suite's generator (testing imports ops)
    return [([values(rng, s)], {"axis": a}) for s, a in [((4,), 0), ((2, 3), 0), ((2, 3), 1), ((0, 3), 1),
                                                        ((1, 1), 0), ((3, 1, 2), 2)]]


def _cumsum_rule(g, o, x, axis):
    return (flip(cumsum_op(flip(g, axis), axis), axis),)


@declare_composite("cumsum", params=("axis",), rule=_cumsum_rule, sample=_scan_sample)
def _cumsum_composite(x, axis):
    n = x.shape[axis]
    upper = Tensor(np.triu(np.ones((n, n), dtype=x.data.dtype)))
    return moveaxis(moveaxis(x, axis, -1) @ upper, -1, axis)


@declare_composite("cumprod", params=("axis",), sample=_scan_sample)
def _cumprod_composite(x, axis):
    if x.shape[axis] == 0:
        return x
    key = (slice(None),) * axis
    parts = [x[key + (slice(0, 1),)]]
    for i in range(1, x.shape[axis]):
        parts.append(parts[-1] * x[key + (slice(i, i + 1),)])
    return concatenate(parts, axis)


def cumsum_op(x, axis):
    """The ``cumsum`` op on a Tensor (``axis`` an int)."""
    return apply("cumsum", (x,), {"axis": axis})


def _scan(name, x, axis, dtype):
    x = convert_to_tensor(x)
    if dtype is not None:
        x = x.astype(dtype)
    elif x.dtype == "bool":
        x = x.astype("int32")
    if axis is None:
        x, axis = x.reshape(-1), 0
    return apply(name, (x,), {"axis": normalize_axis(axis, x.ndim)[0]})


def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (flattened if None).

    >>> cumsum([[1, 2], [3, 4]], axis=0).numpy().tolist()
    [[1, 2], [4, 6]]
    """
    if symbolic(locals()):
        return record("cumsum", locals())
    return _scan("cumsum", x, axis, dtype)


def cumprod(x, axis=None, dtype=None):
    """Running products along ``axis`` (flattened if None).

    >>> cumprod([1, 2, 3]).numpy().tolist()
    [1, 2, 6]
    """
    if symbolic(locals()):
        return record("cumprod", locals())
    return _scan("cumprod", x, axis, dtype)


def diff(a, n=1, axis=-1):
    """The ``n``-th difference along ``axis``.

    >>> diff([1, 4, 9]).numpy().tolist(), diff([1, 4, 9], n=2).numpy().tolist()
    ([3, 5], [2])
    """
    if symbolic(locals()):
        return record("diff", locals())
    x = convert_to_tensor(a)
    axis = normalize_axis(axis, x.ndim)[0]
    key = (slice(None),) * axis
    for _ in range(n):
        x = x[key + (slice(1, None),)] - x[key + (slice(None, -1),)]
    return x


def average(x, axis=None, weights=None):
    """The (weighted) mean along ``axis``.

    >>> average([1.0, 3.0], weights=[3.0, 1.0]).item()
    1.5
    """
    if symbolic(locals()):
        return record("average", locals())
    x = floating(x)
    if weights is None:
        return mean(x, axis)
    w = convert_to_tensor(weights).astype(x.dtype)
    if w.ndim == 1 and x.ndim > 1 and axis is not None:
        a = normalize_axis(axis, x.ndim)[0]
        w = w.reshape([-1 if i == a else 1 for i in range(x.ndim)])
    return sum(x * w, axis) / sum(w.broadcast_to(x.shape) if w.shape != x.shape else w, axis)


def ptp(x, axis=None, keepdims=False):
    """max - min along ``axis``.

    >>> ptp([[1, 5], [2, 3]], axis=1).numpy().tolist()
    [4, 1]
    """
    if symbolic(locals()):
        return record("ptp", locals())
    return max(x, axis, keepdims) - min(x, axis, keepdims)


def _quantile_axes(x, axis):
    """``x`` with the reduced axes flattened into one last axis, and the kept shape."""
    axes = normalize_axis(axis, x.ndim) if axis is not None else tuple(range(x.ndim))
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = x.transpose(kept + list(axes))
    return moved.reshape([x.shape[i] for i in kept] + [-1]), axes


def _interpolation(pos, method):
    """The sorted positions below and above real positions ``pos`` and the
    weight of the one above, by ``method``."""
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    frac = {"linear": pos - lo, "lower": 0 * pos, "higher": 0 * pos + (hi > lo), "midpoint": 0.5 * (hi > lo),
            "nearest": (np.around(pos) > lo).astype(np.float64)}[method]
    return lo, hi, frac


def sorted_quantile(x, q, axis, method, keepdims, name, skip_nan=False):
    """What ``quantile`` and ``nanquantile`` (``skip_nan``: NaN values sort
    last and are not counted) compute: values interpolated between sorted
    ones, so the gradient reaches the two values each quantile reads."""
    if method not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{name}: unknown method {method!r}")
    x = floating(x)
    qs = np.asarray(q.numpy() if hasattr(q, "numpy") else q, dtype=np.float64)
    if (qs < 0).any() or (qs > 1).any():
        raise ValueError(f"{name}: q must be in [0, 1], got {q}")
    flat, axes = _quantile_axes(x, axis)
    if skip_nan:
        nan = isnan(flat)
        s = sort(where(nan, math.inf, flat), axis=-1)
        last = np.logical_not(nan.numpy()).sum(-1, keepdims=True) - 1  # the last valid position of each slice
        lo, hi, frac = _interpolation(qs.reshape(-1) * np.maximum(last, 0), method)
        empty = Tensor(np.broadcast_to(last < 0, lo.shape))  # all NaN: NaN (its sorted values are inf)
        a, b = where(empty, 0.0, take_along_axis(s, lo, -1)), where(empty, 0.0, take_along_axis(s, hi, -1))
        out = where(empty, math.nan, a + (b - a) * Tensor(frac.astype(x.data.dtype)))
    else:
        lo, hi, frac = _interpolation(qs.reshape(-1) * (flat.shape[-1] - 1), method)
        s = sort(flat, axis=-1)
        a, b = s[..., lo], s[..., hi]
        out = a + (b - a) * Tensor(frac.astype(x.data.dtype))
    out = moveaxis(out, -1, 0).reshape(qs.shape + flat.shape[:-1])
    if keepdims:
        out = out.reshape(qs.shape + tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return out


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``q`` in [0, 1]) along ``axis``; ``method`` is
    ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.
    ``q``'s axes come first, as in NumPy.

    >>> quantile([1.0, 2.0, 3.0, 4.0], 0.5).item()
    2.5
    """
    if symbolic(locals()):
        return record("quantile", locals())
    return sorted_quantile(x, q, axis, method, keepdims, "quantile")


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` with ``q`` in percent.

    >>> percentile([1.0, 2.0, 3.0], 50).item()
    2.0
    """
    if symbolic(locals()):
        return record("percentile", locals())
    qs = np.asarray(q.numpy() if hasattr(q, "numpy") else q, dtype=np.float64) / 100.0
    return quantile(x, qs, axis, method, keepdims)


def median(x, axis=None, keepdims=False):
    """The middle value (the mean of the two middle ones for even sizes).

    >>> median([[1.0, 5.0, 2.0]], axis=1).numpy().tolist()
    [2.0]
    """
    if symbolic(locals()):
        return record("median", locals())
    return quantile(x, 0.5, axis, keepdims=keepdims)


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|x1 - x2| <= atol + rtol * |x2|`` (infinities equal only to themselves).

    >>> isclose([1.0, 1.1], [1.0, 1.0]).numpy().tolist()
    [True, False]
    """
    if symbolic(locals()):
        return record("isclose", locals())
    a, b = tensors(x1, x2)
    a, b = floating(a), floating(b)
    if a.dtype != b.dtype:
        a, b = a.astype("float64"), b.astype("float64")
    finite = abs(a - b) <= atol + rtol * abs(b)
    out = logical_or(equal(a, b), logical_and(finite, abs(b) < math.inf))
    if equal_nan:
        out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return out


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when ``isclose`` holds everywhere.

    >>> allclose([1.0, 2.0], [1.0, 2.0 + 1e-9]).item()
    True
    """
    if symbolic(locals()):
        return record("allclose", locals())
    return isclose(x1, x2, rtol, atol, equal_nan).astype("int32").min().astype("bool")


def isin(x1, x2, assume_unique=False, invert=False):
    """True where a value of ``x1`` occurs in ``x2``.

    >>> isin([1, 2, 3], [3, 1]).numpy().tolist()
    [True, False, True]
    """
    if symbolic(locals()):
        return record("isin", locals())
    a, b = tensors(x1, x2)
    b = b.reshape(-1)
    hit = equal(a.reshape(a.shape + (1,)), b.astype(a.dtype) if b.dtype != a.dtype else b)
    out = hit.astype("int32").max(a.ndim, False).astype("bool") if b.shape[0] else \
        Tensor(np.zeros(a.shape, bool))
    return logical_not(out) if invert else out


def _inf_test(name, test):
    def op(x):
        if symbolic(locals()):
            return record(name, locals())
        x = convert_to_tensor(x)
        if x.data.dtype.kind not in "fc":
            return Tensor(np.zeros(x.shape, bool))
        return test(x)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"NumPy's ``{name}``.\n\n>>> {name}([1.0, float('inf'), -float('inf')]).numpy().tolist()\n" \
                 f"{getattr(np, name)([1.0, np.inf, -np.inf]).tolist()}\n"
    return op


isinf = _inf_test("isinf", lambda x: equal(abs(x), math.inf))
isposinf = _inf_test("isposinf", lambda x: equal(x, math.inf))
isneginf = _inf_test("isneginf", lambda x: equal(x, -math.inf))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN to ``nan``, +inf to ``posinf`` and -inf to ``neginf`` (default: the
    largest and smallest finite values of the dtype).

    >>> nan_to_num([float("nan"), 1.0]).numpy().tolist()
    [0.0, 1.0]
    """
    if symbolic(locals()):
        return record("nan_to_num", locals())
    x = convert_to_tensor(x)
    if x.data.dtype.kind not in "fc":
        return x
    info = np.finfo(x.data.dtype)
    x = where(isnan(x), nan, x)
    x = where(equal(x, math.inf), info.max if posinf is None else posinf, x)
    return where(equal(x, -math.inf), info.min if neginf is None else neginf, x)


def select(condlist, choicelist, default=0):
    """From each choice where its condition is the first that holds, else ``default``.

    >>> select([[True, False], [True, True]], [[1, 2], [3, 4]]).numpy().tolist()
    [1, 4]
    """
    if symbolic(locals()):
        return record("select", locals())
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions but {len(choicelist)} choices")
    choices = tensors(*choicelist)
    out = _lift(default, choices[0]) if choices else convert_to_tensor(default)
    for cond, choice in reversed(list(zip(condlist, choices))):
        out = where(convert_to_tensor(cond).astype("bool"), choice, out)
    return out


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` by the trapezoidal rule (at points ``x``, or ``dx`` apart).

    >>> trapezoid([1.0, 2.0, 3.0]).item()
    4.0
    """
    if symbolic(locals()):
        return record("trapezoid", locals())
    y = floating(y)
    axis = normalize_axis(axis, y.ndim)[0]
    key = (slice(None),) * axis
    mids = (y[key + (slice(1, None),)] + y[key + (slice(None, -1),)]) / 2
    if x is None:
        return sum(mids, axis) * dx
    x = convert_to_tensor(x).astype(y.dtype)
    step = x[1:] - x[:-1] if x.ndim == 1 else x[key + (slice(1, None),)] - x[key + (slice(None, -1),)]
    if x.ndim == 1:
        step = step.reshape([-1 if i == axis else 1 for i in range(y.ndim)])
    return sum(mids * step, axis)


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors (``mode`` ``"valid"``, ``"same"`` or ``"full"``).

    >>> correlate([1.0, 2.0, 3.0], [0.0, 1.0]).numpy().tolist()
    [2.0, 3.0]
    """
    if symbolic(locals()):
        return record("correlate", locals())
    a, b = tensors(x1, x2)
    a, b = floating(a), floating(b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"correlate: expected 1-D inputs, got shapes {a.shape} and {b.shape}")
    if a.shape[0] < b.shape[0]:
        return flip(correlate(b, a, mode), 0)
    n, m = a.shape[0], b.shape[0]
    widths = {"valid": (0, 0), "same": (m // 2, m - 1 - m // 2), "full": (m - 1, m - 1)}.get(mode)
    if widths is None:
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}")
    a = pad(a, [widths])
    k = a.shape[0] - m + 1
    windows = a[np.arange(k)[:, None] + np.arange(m)[None, :]]
    return windows @ b


def corrcoef(x):
    """Pearson correlation coefficients between the rows of ``x``.

    >>> [round(v, 3) for v in corrcoef([[1.0, 2.0, 3.0], [2.0, 4.0, 7.0]]).numpy()[0].tolist()]
    [1.0, 0.993]
    """
    if symbolic(locals()):
        return record("corrcoef", locals())
    x = floating(x)
    x = x.reshape(1, -1) if x.ndim == 1 else x
    c = x - mean(x, axis=1, keepdims=True)
    cov = c @ c.transpose()
    d = sqrt(diagonal(cov))
    return minimum(maximum(cov / d.reshape(-1, 1) / d.reshape(1, -1), -1.0), 1.0)


def divide_no_nan(x1, x2):
    """x1 / x2, with 0 where x2 is 0.

    >>> divide_no_nan([1.0, 1.0], [0.0, 2.0]).numpy().tolist()
    [0.0, 0.5]
    """
    if symbolic(locals()):
        return record("divide_no_nan", locals())
    a, b = tensors(x1, x2)
    a, b = floating(a), floating(b)
    zero = equal(b, 0)
    return where(zero, 0.0, a / where(zero, 1.0, b))


def fmax(x1, x2):
    """The larger value, NaN ignored (NaN only where both are).

    >>> fmax([1.0, float("nan")], [float("nan"), 2.0]).numpy().tolist()
    [1.0, 2.0]
    """
    if symbolic(locals()):
        return record("fmax", locals())
    a, b = tensors(x1, x2)
    return where(isnan(a), b, where(isnan(b), a, maximum(a, b)))


def fmin(x1, x2):
    """The smaller value, NaN ignored (NaN only where both are).

    >>> fmin([1.0, float("nan")], [float("nan"), 2.0]).numpy().tolist()
    [1.0, 2.0]
    """
    if symbolic(locals()):
        return record("fmin", locals())
    a, b = tensors(x1, x2)
    return where(isnan(a), b, where(isnan(b), a, minimum(a, b)))


def logical_xor(x1, x2):
    """True where exactly one is true.

    >>> logical_xor([True, True], [True, False]).numpy().tolist()
    [False, True]
    """
    if symbolic(locals()):
        return record("logical_xor", locals())
    a, b = tensors(x1, x2)
    return logical_and(logical_or(a, b), logical_not(logical_and(a, b)))


def i0(x):
    """The modified Bessel function of the first kind, order 0 (its power series).

    >>> round(i0([1.0]).item(), 6)
    1.266066
    """
    if symbolic(locals()):
        return record("i0", locals())
    x = floating(x)
    q = x * x / 4
    term, total = q * 0 + 1, q * 0 + 1
    for k in range(1, 60):
        term = term * q / (k * k)
        total = total + term
    return total

