"""``ops.jvp``: forward-mode (Jacobian-vector) products from our reverse mode.

tinykeras's autograd is reverse mode only, so ``jvp`` uses the transpose
trick: with ``v`` a free variable shaped like the output, reverse mode gives
``J^T v`` as a function of ``v`` (``backward(create_graph=True)`` records the
backward pass, whose rules are ops); that function is linear in ``v``, and
its reverse-mode gradient of ``<J^T v, t>`` with respect to ``v`` is
``J t``.  Two backward passes, so it runs on every backend.

>>> import tinykeras as tk
>>> out, tangent = tk.ops.jvp(tk.ops.sin, (tk.ops.convert_to_tensor(0.1),), (tk.ops.convert_to_tensor(0.2),))
>>> round(out.item(), 6), round(tangent.item(), 6)
(0.099833, 0.199001)
"""
import numpy as np

from .. import tree
from ..core.autograd import GRAD, grad
from ..core.tensor import Symbolic, Tensor
from .common import convert_to_tensor, record, symbolic

__all__ = ["jvp"]


class _grad_enabled:
    """Record operations even inside ``no_grad`` (as ``torch.enable_grad``)."""

    def __enter__(self):
        self._prev, GRAD.enabled = GRAD.enabled, True

    def __exit__(self, *exc):
        GRAD.enabled = self._prev


def _is_float(t):
    return isinstance(t, Tensor) and t.dtype.startswith(("float", "bfloat"))


def jvp(fun, primals, tangents, has_aux=False):
    """The Jacobian-vector product of ``fun`` at ``primals`` along ``tangents``
    (Keras 3's ``keras.ops.jvp``).

    ``primals`` and ``tangents`` are tuples (or lists) of the positional
    arguments of ``fun``, with the same structure and shapes.  Returns
    ``(primals_out, tangents_out)`` (``tangents_out`` shaped like
    ``fun(*primals)``), or ``(primals_out, tangents_out, aux)`` when
    ``has_aux`` and ``fun`` returns ``(output, aux)``.  Outputs that are not
    floating point get zero tangents.

    >>> import tinykeras as tk
    >>> _, t = jvp(lambda x, y: x * y, (np.array([1.0, 2.0]), np.array([3.0, 4.0])),
    ...           (np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    >>> t.numpy().tolist()
    [3.0, 2.0]
    """
    if symbolic(locals()) or any(isinstance(a, Symbolic) for a in tree.flatten((primals, tangents))):
        return record("jvp", locals())  # a node of the functional graph: layers.operation.JVP
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError(f"jvp: primals and tangents must be tuples or lists of arguments, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    flat_p, flat_t = tree.flatten(primals), tree.flatten(tangents)
    if len(flat_p) != len(flat_t):
        raise ValueError(f"jvp: {len(flat_p)} primal values but {len(flat_t)} tangents; they must have "
                         "the same structure")
    xs = []
    for p, t in zip(flat_p, flat_t):
        p = convert_to_tensor(p)
        if tuple(convert_to_tensor(t).shape) != tuple(p.shape):
            raise ValueError(f"jvp: a tangent has shape {convert_to_tensor(t).shape}, its primal {p.shape}")
        xs.append(Tensor(p.data, requires_grad=True) if _is_float(p) else p.detach())
    with _grad_enabled():
        out = fun(*tree.pack_sequence_as(primals, xs))
        out, aux = out if has_aux else (out, None)
        outs = [convert_to_tensor(o) for o in tree.flatten(out)]
        vs = [Tensor(np.zeros(o.shape, o.data.dtype), requires_grad=True) if _is_float(o) and o.requires_grad
              else None for o in outs]
        wrt = [x for x in xs if x.requires_grad]
        pulled = [o * v for o, v in zip(outs, vs) if v is not None]
        cotangent = grad(sum(p.sum() for p in pulled), wrt, create_graph=True) if pulled else []
        dot = [(g * convert_to_tensor(t, g.dtype)).sum()
               for g, t in zip(cotangent, [t for x, t in zip(xs, flat_t) if x.requires_grad])
               if g is not None and g.requires_grad]
        live = [v for v in vs if v is not None]
        pushed = grad(sum(dot), live) if dot else [None] * len(live)
    pushed = iter(pushed)
    tangent_out = []
    for o, v in zip(outs, vs):
        g = next(pushed) if v is not None else None
        tangent_out.append(g.detach() if g is not None else Tensor(np.zeros(o.shape, o.data.dtype)))
    primal_out = tree.pack_sequence_as(out, [o.detach() for o in outs])
    tangent_out = tree.pack_sequence_as(out, tangent_out)
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)
