"""Reverse-mode autodiff: walk the graph backwards, apply each op's rule.

>>> import tinykeras as tk
>>> x = tk.Tensor([3.0], requires_grad=True)
>>> y = x * x + x
>>> y.backward(tk.Tensor([1.0]))
>>> x.grad.numpy().tolist()
[7.0]

Each op's rule is its ``OpDef.rule`` (``registry.OPS[op].rule``; the
primitives' are in ``tinykeras/core/primitives.py``); each is written with
tensor ops, so gradients run on any backend.  Broadcasting is undone here,
in one place (:func:`unbroadcast`), not in every rule.
"""
import functools

import numpy as np

from .registry import ACTIVE, OPS


class GradMode:
    """Whether new ops are recorded for ``backward()``: ``GRAD.enabled``,
    switched off by :class:`no_grad` and while ``backward()`` runs."""
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


GRAD = GradMode()
_FREED = ("<freed>", (), {})  # what a node's _ctx becomes after backward()


class no_grad:
    """Context manager and decorator that stops graph recording.

    >>> import tinykeras as tk
    >>> with tk.no_grad():
    ...     y = tk.Tensor([1.0], requires_grad=True) * 2
    >>> y.requires_grad
    False
    """

    def __enter__(self):
        self._prev = GRAD.enabled
        GRAD.enabled = False

    def __exit__(self, *exc):
        GRAD.enabled = self._prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        return wrapper


def is_grad_enabled():
    """True unless inside :class:`no_grad` (or a backward pass)."""
    return GRAD.enabled


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the adjoint of broadcasting."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and grad.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _topological_order(root):
    """Nodes that lead to ``root``, each after all of its inputs (iterative DFS)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node._ctx is _FREED:
            raise RuntimeError("backward() through a graph that was already freed: a previous "
                               "backward() released it. Call backward(retain_graph=True) the "
                               "first time if you need to go back through it twice.")
        stack.append((node, True))
        if node._ctx is not None:
            for parent in node._ctx[1]:
                if parent.requires_grad and id(parent) not in seen:
                    stack.append((parent, False))
    return order


def _complex_rule(opdef, g, node, inputs, params):
    """The input gradients of a complex ``node`` in PyTorch's convention
    (``dL/dRe + i dL/dIm``).  A rule written as for real numbers is the
    complex derivative ``f'``, and the convention wants ``g * conj(f')``:
    so it runs on ``conj(g)`` and its results are conjugated.  A real input
    gets the real part."""
    from .complex_parts import conj, real
    if not opdef.holomorphic:
        grads = opdef.rule(g, node, *inputs, **params)
    else:
        grads = [None if ig is None else conj(ig) for ig in opdef.rule(conj(g), node, *inputs, **params)]
    return [real(ig) if ig is not None and inp.data.dtype.kind != "c" else ig
            for inp, ig in zip(inputs, grads)]


def backward(root, gradient=None, retain_graph=False, create_graph=False, inputs=None):
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf (only
    for the tensors in ``inputs`` when given).  ``create_graph=True`` records
    the backward pass itself (the rules are ops), so the gradients can be
    differentiated again; the graph is then kept."""
    from .tensor import Tensor, _wrap  # here, not at the top: tensor.py imports this module
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad; create the leaves "
                           "with requires_grad=True (and not inside no_grad())")
    if gradient is None:
        if root.size != 1:
            raise RuntimeError(f"backward(): the tensor has shape {root.shape}; gradients can be "
                               "created implicitly only for scalars, so pass gradient=")
        gradient = _wrap(ACTIVE["full"](root.shape, 1, root.data.dtype))
    elif not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=root.dtype))
    if gradient.shape != root.shape:
        raise ValueError(f"backward(): gradient has shape {gradient.shape}, expected {root.shape}")

    order = _topological_order(root)
    grads = {id(root): gradient}
    wanted = None if inputs is None else {id(t) for t in inputs}
    prev, GRAD.enabled = GRAD.enabled, create_graph
    try:
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._ctx is None:  # a leaf: keep its gradient
                if wanted is not None and id(node) not in wanted:
                    continue
                node.grad = g if node.grad is None else node.grad + g
                continue
            op, inputs, params = node._ctx
            if node.data.dtype.kind == "c":
                in_grads = _complex_rule(OPS[op], g, node, inputs, params)
            else:
                in_grads = OPS[op].rule(g, node, *inputs, **params)
            for inp, ig in zip(inputs, in_grads):
                if ig is None or not inp.requires_grad:
                    continue
                if ig.shape != inp.shape:
                    ig = unbroadcast(ig, inp.shape)
                key = id(inp)
                grads[key] = ig if key not in grads else grads[key] + ig
            if not (retain_graph or create_graph):
                node._ctx = _FREED
    finally:
        GRAD.enabled = prev


def grad(output, inputs, gradient=None, create_graph=False):
    """Gradients of ``output`` with respect to ``inputs`` (a list), without
    touching ``.grad`` of anything else (``None`` for an input it does not
    reach); ``create_graph=True`` gives gradients that can be differentiated.

    >>> import tinykeras as tk
    >>> x = tk.Tensor(2.0, requires_grad=True)
    >>> [g.item() for g in tk.grad(x * x * x, [x])]
    [12.0]
    """
    saved = [t.grad for t in inputs]
    for t in inputs:
        t.grad = None
    try:
        backward(output, gradient, create_graph=create_graph, inputs=inputs)
        return [t.grad for t in inputs]
    finally:
        for t, s in zip(inputs, saved):
            t.grad = s
