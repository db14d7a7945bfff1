"""NaN-aware reductions and scans with Keras 3 names: ``nansum``,
``nanmean``, ``nanmax``, ``nanargmax``, ``nancumsum``, ``nanquantile``, ...
(NaN values are left out; written with ``where`` and the plain reductions).

>>> import tinykeras as tk
>>> tk.ops.nanmean([1.0, float("nan"), 3.0]).item()
2.0
"""
import math

import numpy as np

from ..core.primitives import where
from .common import convert_to_tensor, normalize_axis, record, symbolic
from .elementwise_ops import floating
from .math_ops import argmax, argmin, isnan, logical_not, max, min, prod, sqrt, sum
from .reduce_ops import cumprod, cumsum, sorted_quantile

__all__ = ["nancumsum", "nancumprod", "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
           "nanargmax", "nanargmin", "nanmedian", "nanquantile", "nanpercentile"]


def _nan_as(x, value):
    x = convert_to_tensor(x)
    return where(isnan(x), value, x) if x.data.dtype.kind in "fc" else x


def nancumsum(x, axis=None, dtype=None):
    """``cumsum`` with NaN counted as 0.

    >>> nancumsum([1.0, float("nan"), 2.0]).numpy().tolist()
    [1.0, 1.0, 3.0]
    """
    if symbolic(locals()):
        return record("nancumsum", locals())
    return cumsum(_nan_as(x, 0.0), axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    """``cumprod`` with NaN counted as 1.

    >>> nancumprod([2.0, float("nan"), 2.0]).numpy().tolist()
    [2.0, 2.0, 4.0]
    """
    if symbolic(locals()):
        return record("nancumprod", locals())
    return cumprod(_nan_as(x, 1.0), axis, dtype)


def _nan_reduce(name, fn, fill):
    def op(x, axis=None, keepdims=False):
        if symbolic(locals()):
            return record(name, locals())
        return fn(_nan_as(x, fill), axis, keepdims)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"``{fn.__name__}`` ignoring NaN.\n\n>>> {name}([1.0, float('nan'), 3.0]).item()\n"
                  f"{float(getattr(np, name)([1.0, np.nan, 3.0]))}\n")
    return op


nansum, nanprod = _nan_reduce("nansum", sum, 0.0), _nan_reduce("nanprod", prod, 1.0)


def _count(x, axis, keepdims):
    return sum(logical_not(isnan(x)).astype(x.dtype), axis, keepdims)


def nanmean(x, axis=None, keepdims=False):
    """The mean of the values that are not NaN.

    >>> nanmean([1.0, float("nan"), 3.0]).item()
    2.0
    """
    if symbolic(locals()):
        return record("nanmean", locals())
    x = floating(x)
    return nansum(x, axis, keepdims) / _count(x, axis, keepdims)


def nanvar(x, axis=None, keepdims=False):
    """The variance of the values that are not NaN.

    >>> nanvar([1.0, float("nan"), 3.0]).item()
    1.0
    """
    if symbolic(locals()):
        return record("nanvar", locals())
    x = floating(x)
    nan = isnan(x)  # NaN positions: 0, not NaN * 0, so no NaN leaks into the gradient
    centered = where(nan, 0.0, _nan_as(x, 0.0) - nanmean(x, axis, keepdims=True))
    return sum(centered * centered, axis, keepdims) / _count(x, axis, keepdims)


def nanstd(x, axis=None, keepdims=False):
    """The standard deviation of the values that are not NaN.

    >>> nanstd([1.0, float("nan"), 3.0]).item()
    1.0
    """
    if symbolic(locals()):
        return record("nanstd", locals())
    return sqrt(nanvar(x, axis, keepdims))


def _nan_extreme(name, fn, fill):
    def op(x, axis=None, keepdims=False):
        if symbolic(locals()):
            return record(name, locals())
        x = convert_to_tensor(x)
        if x.data.dtype.kind not in "fc":
            return fn(x, axis, keepdims)
        out = fn(_nan_as(x, fill), axis, keepdims)
        all_nan = logical_not(isnan(x)).astype("int32").sum(normalize_axis(axis, x.ndim), keepdims) == 0
        return where(all_nan, float("nan"), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"``{fn.__name__}`` ignoring NaN (NaN where every value is NaN).\n\n"
                  f">>> {name}([1.0, float('nan'), 3.0]).item()\n{float(getattr(np, name)([1.0, np.nan, 3.0]))}\n")
    return op


nanmax, nanmin = _nan_extreme("nanmax", max, -math.inf), _nan_extreme("nanmin", min, math.inf)


def nanargmax(x, axis=None, keepdims=False):
    """``argmax`` ignoring NaN.

    >>> nanargmax([1.0, float("nan"), 3.0]).item()
    2
    """
    if symbolic(locals()):
        return record("nanargmax", locals())
    return argmax(_nan_as(x, -math.inf), axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    """``argmin`` ignoring NaN.

    >>> nanargmin([1.0, float("nan"), 3.0]).item()
    0
    """
    if symbolic(locals()):
        return record("nanargmin", locals())
    return argmin(_nan_as(x, math.inf), axis, keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` of the values that are not NaN (NaN where a slice has
    none); differentiable as PyTorch's: NaN positions get zero gradient.

    >>> nanquantile([1.0, float("nan"), 3.0], 0.5).item()
    2.0
    """
    if symbolic(locals()):
        return record("nanquantile", locals())
    return sorted_quantile(x, q, axis, method, keepdims, "nanquantile", skip_nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """``nanquantile`` with ``q`` in percent.

    >>> nanpercentile([1.0, float("nan"), 3.0], 50).item()
    2.0
    """
    if symbolic(locals()):
        return record("nanpercentile", locals())
    return nanquantile(x, np.asarray(q.numpy() if hasattr(q, "numpy") else q) / 100.0, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    """The median of the values that are not NaN.

    >>> nanmedian([1.0, float("nan"), 3.0, 4.0]).item()
    3.0
    """
    if symbolic(locals()):
        return record("nanmedian", locals())
    return nanquantile(x, 0.5, axis, keepdims=keepdims)
