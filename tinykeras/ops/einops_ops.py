"""``keras.ops.rearrange``: einops-style axis rearrangement (reshape and
transpose, so differentiable on every backend).

>>> import tinykeras as tk
>>> tk.ops.rearrange(np.zeros((2, 4, 6, 3)), "b (h1 h) w c -> (b h1) h w c", h1=2).shape
(4, 2, 6, 3)
"""
import math
import re

import numpy as np

from .common import convert_to_tensor, record, symbolic

__all__ = ["rearrange"]


def _groups(side):
    return [g[1:-1].split() if g.startswith("(") else [g] for g in re.findall(r"\w+|\(.*?\)", side)]


def rearrange(tensor, pattern, **axes_lengths):
    """Rearrange axes as ``pattern`` says (``"b h w c -> b (h w) c"``;
    grouped input axes are split with the sizes given in ``axes_lengths``).

    >>> rearrange(np.zeros((2, 3, 4)), "b h w -> b (w h)").shape
    (2, 12)
    """
    if symbolic(locals()) or symbolic(axes_lengths):
        return record("rearrange", locals())
    x = convert_to_tensor(tensor)
    if "->" not in pattern:
        raise ValueError(f"rearrange: the pattern needs '->', got {pattern!r}")
    left, right = (_groups(s) for s in re.split(r"\s*->\s*", pattern.strip()))
    if len(left) != x.ndim:
        raise ValueError(f"rearrange: {pattern!r} names {len(left)} axes, the tensor has shape {x.shape}")
    sizes = dict(axes_lengths)
    for group, dim in zip(left, x.shape):
        unknown = [a for a in group if a not in sizes]
        known = math.prod(sizes[a] for a in group if a in sizes)
        if len(unknown) > 1:
            raise ValueError(f"rearrange: give the sizes of all but one of {group} in axes_lengths")
        if unknown:
            sizes[unknown[0]] = dim // known if known else 0
        if math.prod(sizes[a] for a in group) != dim:
            raise ValueError(f"rearrange: axes {group} of sizes {[sizes[a] for a in group]} do not make {dim}")
    names = [a for g in left for a in g]
    out_names = [a for g in right for a in g]
    if sorted(names) != sorted(out_names):
        raise ValueError(f"rearrange: {pattern!r} must use the same axes on both sides")
    x = x.reshape([sizes[a] for a in names])
    x = x.transpose(tuple(names.index(a) for a in out_names))
    return x.reshape([int(np.prod([sizes[a] for a in g], dtype=np.int64)) for g in right])
