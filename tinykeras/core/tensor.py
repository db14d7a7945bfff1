"""The Tensor: a backend array plus what autograd needs to know.

>>> import tinykeras as tk
>>> a = tk.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> b = (a * a).sum()
>>> b.backward()
>>> a.grad.numpy().tolist()
[[2.0, 4.0], [6.0, 8.0]]

Every operation goes through :func:`apply` (operators through its short
form :func:`_binary`): look the kernel up in the active backend's dict
``registry.ACTIVE``, run it on the raw arrays, wrap the result, and (if an
input requires a gradient) remember ``(op, inputs, params)`` so that
``backward()`` can find the op's rule (``registry.OPS[op].rule``).
"""
import math

import numpy as np

from .autograd import GRAD, backward
from .registry import ACTIVE, OPS, current_backend, on_rebuild

_NOPARAMS = {}
_CONSTS = {}                   # (type, value, dtype) -> Tensor, per backend
on_rebuild(_CONSTS.clear)
_PYTHON_DTYPES = {bool: np.bool_, int: np.int32, float: np.float32, complex: np.complex64}


class Symbolic:
    """The protocol for symbolic tensors (``keras.Input``'s KerasTensor
    subclasses it): a shape and a dtype, no data.  The core only knows that
    an op given one must not run: ``Symbolic.record(op, arguments)`` (the
    op's public function passes its ``locals()``), set by
    ``tinykeras.layers``, adds a node to the functional graph instead
    (``Symbolic.record_apply(op, inputs, params)`` for a plain ``apply``,
    a plugin's op in a traced layer), and a Tensor operator with a symbolic
    operand defers to the symbolic tensor's.
    """
    record = None
    record_apply = None


class Tensor:
    """An n-dimensional array that can record operations for autograd.

    ``Tensor(data, dtype=None, requires_grad=False)``: ``data`` is a number,
    a nested list, a NumPy array or a Tensor.  Python floats become
    float32, Python ints int32, Python complex numbers complex64; NumPy
    arrays keep their dtype.

    >>> Tensor([1, 2]).dtype, Tensor([1.5]).dtype
    ('int32', 'float32')
    """
    __array_priority__ = 1000  # so ndarray + Tensor calls Tensor.__radd__
    grad = None
    _ctx = None                # (op, inputs, params) for non-leaf tensors
    requires_grad = False
    name = None

    def __init__(self, data, dtype=None, requires_grad=False, name=None):
        if isinstance(data, Tensor):
            data = data.numpy()
        if not isinstance(data, np.ndarray):
            if type(data) in _PYTHON_DTYPES and dtype is None:
                dtype = _PYTHON_DTYPES[type(data)]
            elif isinstance(data, (list, tuple)) and dtype is None:
                probe = np.asarray(data)
                dtype = {"f": np.float32, "i": np.int32, "u": np.int32,
                         "c": np.complex64}.get(probe.dtype.kind, probe.dtype)
            data = np.asarray(data)
        if dtype is not None:
            data = data.astype(dtype, copy=False)
        self.data = ACTIVE["asarray"](np.asarray(data, order="C"))
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_()

    # -- basic facts -------------------------------------------------------
    shape = property(lambda self: tuple(self.data.shape), doc="Tuple of dimension sizes.")
    ndim = property(lambda self: len(self.data.shape), doc="Number of dimensions.")
    dtype = property(lambda self: dtype_name(self.data.dtype), doc="dtype name, e.g. 'float32'.")
    size = property(lambda self: math.prod(self.data.shape))
    T = property(lambda self: self.transpose())
    is_leaf = property(lambda self: self._ctx is None)

    def numpy(self):
        """The values as a NumPy array (copied from the device if needed)."""
        try:
            return ACTIVE["to_numpy"](self.data)
        except (AttributeError, TypeError) as exc:
            raise TypeError(f"this tensor holds a {type(self.data).__name__}, which the active "
                            f"backend {current_backend()!r} cannot read: it was made "
                            "under another backend (switch back with tk.backend.set_backend)") from exc

    def item(self):
        """The single value as a Python number."""
        return self.numpy().item()

    def requires_grad_(self, flag=True):
        """Mark a leaf tensor as one whose gradient ``backward()`` computes."""
        if flag and self.data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, got {self.dtype}")
        self.requires_grad = flag
        return self

    def detach(self):
        """A tensor with the same data, cut off from the graph."""
        return _wrap(self.data)

    def backward(self, gradient=None, retain_graph=False):
        """Compute gradients of this tensor with respect to every leaf."""
        backward(self, gradient, retain_graph)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.dtype}{grad})"

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.size} elements is ambiguous")
        return bool(self.item())

    __hash__ = object.__hash__

    def __setitem__(self, key, value):
        raise TypeError("tinykeras Tensors are immutable: build a new one with tk.ops.where, "
                        "tk.ops.scatter_add or tk.ops.concatenate instead")

    # -- operators ---------------------------------------------------------
    def __add__(self, o): return _binary("add", self, o)
    def __radd__(self, o): return _binary("add", _lift(o, self), self)
    def __sub__(self, o): return _binary("subtract", self, o)
    def __rsub__(self, o): return _binary("subtract", _lift(o, self), self)
    def __mul__(self, o): return _binary("multiply", self, o)
    def __rmul__(self, o): return _binary("multiply", _lift(o, self), self)
    def __truediv__(self, o): return _true_divide(self, o)
    def __rtruediv__(self, o): return _true_divide(_lift(o, self), self)
    def __floordiv__(self, o): return _binary("floor_divide", self, o)
    def __rfloordiv__(self, o): return _binary("floor_divide", _lift(o, self), self)
    def __mod__(self, o): return _binary("mod", self, o)
    def __rmod__(self, o): return _binary("mod", _lift(o, self), self)
    def __pow__(self, o): return _binary("power", self, o)
    def __rpow__(self, o): return _binary("power", _lift(o, self), self)
    def __matmul__(self, o): return _binary("matmul", self, o)
    def __rmatmul__(self, o): return _binary("matmul", _lift(o, self), self)
    def __eq__(self, o): return _binary("equal", self, o)
    def __ne__(self, o): return _binary("not_equal", self, o)
    def __lt__(self, o): return _binary("less", self, o)
    def __le__(self, o): return _binary("less_equal", self, o)
    def __gt__(self, o): return _binary("greater", self, o)
    def __ge__(self, o): return _binary("greater_equal", self, o)
    def __and__(self, o): return _binary("logical_and", self, o)
    def __or__(self, o): return _binary("logical_or", self, o)
    def __rand__(self, o): return _binary("logical_and", _lift(o, self), self)
    def __ror__(self, o): return _binary("logical_or", _lift(o, self), self)
    def __invert__(self): return apply("logical_not", (self,))
    def __neg__(self): return apply("negative", (self,))
    def __pos__(self): return self
    def __abs__(self): return apply("abs", (self,))

    def __getitem__(self, key):
        return apply("getitem", (self,), {"key": _index_key(key)})

    # -- methods used by backward rules and layers ------------------------
    def exp(self): return apply("exp", (self,))
    def log(self): return apply("log", (self,))
    def sqrt(self): return apply("sqrt", (self,))
    def sign(self): return apply("sign", (self,))
    def sin(self): return apply("sin", (self,))
    def cos(self): return apply("cos", (self,))
    def tanh(self): return apply("tanh", (self,))

    def astype(self, dtype):
        """Cast to ``dtype`` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype).name
        return self if dtype == self.dtype else apply("cast", (self,), {"dtype": dtype})

    def reshape(self, *shape):
        """``x.reshape(2, -1)`` or ``x.reshape((2, -1))``; -1 is inferred."""
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return apply("reshape", (self,), {"shape": _infer_shape(self.shape, shape)})

    def transpose(self, *axes):
        """Permute axes (default: reverse them)."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(a % self.ndim for a in axes) if axes else tuple(reversed(range(self.ndim)))
        return apply("transpose", (self,), {"axes": axes})

    def broadcast_to(self, shape):
        shape = tuple(int(s) for s in shape)
        return self if shape == self.shape else apply("broadcast_to", (self,), {"shape": shape})

    def _reduce(self, op, axis, keepdims):
        return apply(op, (self,), {"axis": _norm_axes(axis, self.ndim), "keepdims": bool(keepdims)})

    def sum(self, axis=None, keepdims=False): return self._reduce("sum", axis, keepdims)
    def max(self, axis=None, keepdims=False): return self._reduce("max", axis, keepdims)
    def min(self, axis=None, keepdims=False): return self._reduce("min", axis, keepdims)
    def prod(self, axis=None, keepdims=False): return self._reduce("prod", axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        axes = _norm_axes(axis, self.ndim)
        count = self.size if axes is None else math.prod(self.shape[a] for a in axes)
        return self._reduce("sum", axes, keepdims) / max(count, 1)


_DTYPE_NAMES = {}


def dtype_name(dtype):
    """``np.dtype('float32')`` -> ``'float32'`` (cached: ``.name`` is slow)."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = np.dtype(dtype).name
    return name


def _wrap(data):
    out = Tensor.__new__(Tensor)
    out.data = data
    return out


def _lift(value, like):
    """Turn a Python/NumPy value into a Tensor next to ``like``."""
    if isinstance(value, Tensor):
        return value
    if value is None:
        raise TypeError("unsupported operand: None cannot be combined with a Tensor")
    if isinstance(value, (bool, int, float, complex, np.generic)):
        kind, like_dtype = np.asarray(value).dtype.kind, like.data.dtype
        if kind == "f" and like_dtype.kind not in "fc":
            dtype = np.float32
        elif kind == "c" and like_dtype.kind != "c":  # float64 -> complex128, else complex64
            dtype = np.complex128 if like_dtype == np.float64 else np.complex64
        elif kind == "b" and like_dtype.kind != "b":
            dtype = like_dtype
        elif kind in "iu" and like_dtype.kind == "b":
            dtype = np.int32
        else:  # weak scalars take the tensor's dtype, as in Keras and NumPy 2
            dtype = like_dtype
        key = (type(value), value, dtype)
        const = _CONSTS.get(key)
        if const is None:
            if len(_CONSTS) > 4096:
                _CONSTS.clear()
            const = _CONSTS[key] = Tensor(np.asarray(value, dtype=dtype))
        return const
    return Tensor(value)


_PROMOTIONS = {}


def result_dtype(a, b):
    """Keras-style promotion: int with float gives the float, else NumPy's."""
    key = (a, b)
    out = _PROMOTIONS.get(key)
    if out is None:
        if a.kind in "fc" and b.kind not in "fc":
            out = a
        elif b.kind in "fc" and a.kind not in "fc":
            out = b
        else:
            out = np.promote_types(a, b)
        out = _PROMOTIONS[key] = np.dtype(out)
    return out


def _binary(op, a, b):
    if type(b) is not Tensor and not isinstance(b, Tensor):   # (a Variable is a Tensor)
        if isinstance(b, Symbolic):
            return NotImplemented
        b = _lift(b, a)
    if a.data.dtype != b.data.dtype:
        dtype = result_dtype(a.data.dtype, b.data.dtype).name
        a, b = a.astype(dtype), b.astype(dtype)
    try:
        data = ACTIVE[op](a.data, b.data)
    except ValueError as exc:
        raise ValueError(f"{op}: cannot combine shapes {a.shape} and {b.shape} ({exc})") from None
    out = _wrap(data)
    if GRAD.enabled and (a.requires_grad or b.requires_grad) and data.dtype.kind in "fc":
        out.requires_grad = True
        out._ctx = (op, (a, b), _NOPARAMS)
    return out


def _true_divide(a, b):
    """``a / b``; integer (and bool) inputs give float32, as in Keras."""
    if type(b) is not Tensor:
        if isinstance(b, Symbolic):
            return NotImplemented
        b = _lift(b, a)
    if a.data.dtype.kind not in "fc" and b.data.dtype.kind not in "fc":
        a, b = a.astype("float32"), b.astype("float32")
    return _binary("divide", a, b)


def apply(op, inputs, params=_NOPARAMS):
    """Run ``op`` on Tensors ``inputs`` with keyword ``params``; record it.

    The one place that decides how an op runs, from its ``OpDef``: the
    active backend's kernel when it has one, except when a gradient is
    needed and the op has no ``rule``; then the op's ``composite`` (written
    with other ops, which record themselves).

    >>> apply("exp", (Tensor([0.0]),)).numpy().tolist()
    [1.0]
    """
    try:
        arrays = [t.data for t in inputs]
    except AttributeError:  # an input is not a Tensor
        return _not_tensors(op, inputs, params)
    kernel = ACTIVE.get(op)
    record = False
    if GRAD.enabled:
        for t in inputs:
            if t.requires_grad:
                record = True
                break
    if kernel is None or record and OPS[op].rule is None:
        opdef = OPS.get(op)
        if opdef is None:
            raise ValueError(f"unknown op {op!r}; known ops: {', '.join(sorted(OPS))}")
        if opdef.composite is not None:
            return opdef.composite(*inputs, **params)
        if kernel is None:
            raise NotImplementedError(f"backend {current_backend()!r} has no kernel for op "
                                      f"{op!r} and the op has no composite fallback")
        record = False  # no rule and no composite: the op has no gradient (argmax, equal, ...)
    try:
        data = kernel(*arrays, **params)
    except (ValueError, TypeError, IndexError) as exc:
        shapes = " and ".join(str(t.shape) for t in inputs)
        raise type(exc)(f"{op}: invalid input of shape {shapes}: {exc}") from None
    out = _wrap(data)
    if record and data.dtype.kind in "fc":
        out.requires_grad = True
        out._ctx = (op, inputs, params)
    return out


def _not_tensors(op, inputs, params):
    """``apply`` with an input that is not a Tensor: symbolic inputs (a
    plugin's op inside a layer traced for its output shape) go to
    ``Symbolic.record_apply``, anything else is a clear error."""
    if Symbolic.record_apply is not None and any(isinstance(t, Symbolic) for t in inputs):
        return Symbolic.record_apply(op, inputs, params)
    bad = next(type(t).__name__ for t in inputs if not isinstance(t, Tensor))
    raise TypeError(f"{op}: expected Tensor inputs, got a {bad} (convert it with "
                    "tk.ops.convert_to_tensor)")


def _norm_axes(axis, ndim):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
        out.append(int(a) % max(ndim, 1))
    return tuple(sorted(set(out)))


def _infer_shape(old, new):
    new = tuple(int(s) for s in new)
    size = math.prod(old)
    if -1 not in new and math.prod(new) == size:
        return new
    if new.count(-1) > 1:
        raise ValueError(f"reshape: only one -1 is allowed, got {new}")
    if -1 in new:
        rest = math.prod(s for s in new if s != -1)
        if rest == 0 or size % rest:
            raise ValueError(f"reshape: cannot reshape {old} into {new}")
        new = tuple(size // rest if s == -1 else s for s in new)
    if math.prod(new) != size:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {old} ({size} values) into {new}")
    return new


def _index_key(key):
    """Normalize an index into a tuple of ints, slices, None, ... and arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            k = k.numpy()
        if isinstance(k, (list, np.ndarray)):
            k = np.asarray(k)
            if k.dtype == np.bool_:
                out.extend(np.nonzero(k))
                continue
            if k.dtype.kind not in "iu":
                raise TypeError(f"getitem: index arrays must be integers or booleans, got {k.dtype}")
            k = k.astype(np.int64)
        elif isinstance(k, np.integer):
            k = int(k)
        elif not isinstance(k, (int, slice, type(None), type(Ellipsis))):
            raise TypeError(f"getitem: unsupported index {k!r} of type {type(k).__name__}")
        out.append(k)
    return tuple(out)
