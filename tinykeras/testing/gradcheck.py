"""Check autograd against central finite differences, in float64.

>>> import tinykeras as tk
>>> check_gradients(lambda x: (x * x).sum(), [np.array([1.0, -2.0])])
>>> check_gradients(lambda x: x.detach() * x, [np.array([3.0])])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: gradient of <lambda> w.r.t. input 0 (shape (1,)) is wrong at index (0,): autograd ..., finite differences ...
"""
import numpy as np

from ..core.autograd import no_grad
from ..core.tensor import Tensor


def check_gradients(fn, inputs, params=None, eps=1e-6, rtol=1e-4, atol=1e-5, name=None, seed=0):
    """Compare the gradients autograd gives for ``fn(*inputs, **params)``
    with central finite differences, everything in float64.

    ``inputs`` are arrays (or Tensors); floating ones are cast to float64
    (complex ones to complex128) and differentiated, the others (int
    labels, bool masks) are passed as they are.  The output is reduced to a
    real scalar with fixed random weights (on the real and the imaginary
    part of a complex output), so every output element counts; a complex
    input's gradient is PyTorch's ``dL/dRe + i dL/dIm``.  Raises AssertionError naming ``name``
    (default: ``fn.__name__``), the input and its worst element.

    >>> import tinykeras as tk
    >>> check_gradients(tk.ops.softmax, [np.array([[1.0, 2.0, 0.5]])], {"axis": 1})
    """
    params = dict(params or {})
    name = name or getattr(fn, "__name__", repr(fn))
    arrays = [np.asarray(x.numpy() if isinstance(x, Tensor) else x) for x in inputs]
    arrays = [a.astype(_PRECISE.get(a.dtype.kind, a.dtype)) for a in arrays]
    wrt = [i for i, a in enumerate(arrays) if a.dtype.kind in "fc"]

    leaves = [Tensor(a.copy(), requires_grad=i in wrt) for i, a in enumerate(arrays)]
    out = fn(*leaves, **params)
    if not isinstance(out, Tensor):
        raise TypeError(f"check_gradients: {name} returned {type(out).__name__}, not a Tensor")
    if out.dtype in ("float16", "float32", "complex64"):
        raise ValueError(f"check_gradients: {name} gives {out.dtype} for float64 inputs; "
                         "finite differences need a float64 (or complex128) output")
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)
    if out.dtype == "complex128":  # L = sum(Re(out) * w.real + Im(out) * w.imag)
        weights = weights + 1j * np.random.default_rng(seed + 1).uniform(0.5, 1.5, size=out.shape)
    if out.requires_grad:
        out.backward(Tensor(weights.astype(out.dtype)))

    def objective():
        with no_grad():
            value = fn(*[Tensor(a.copy()) for a in arrays], **params)
        return float(np.sum(np.real(value.numpy() * np.conj(weights))))

    for i in wrt:
        grad = leaves[i].grad
        analytic = np.zeros_like(arrays[i]) if grad is None else grad.numpy()
        if analytic.shape != arrays[i].shape:
            raise AssertionError(f"gradient of {name} w.r.t. input {i} has shape {analytic.shape}, "
                                 f"expected {arrays[i].shape}")
        numeric = _finite_differences(objective, arrays[i], eps)
        _compare(name, i, analytic, numeric, rtol, atol)


_PRECISE = {"f": np.float64, "c": np.complex128}


def _finite_differences(objective, array, eps):
    """d objective / d array by central differences, perturbing ``array`` in
    place (for a complex array: d/dRe + i d/dIm)."""
    numeric = np.zeros_like(array)
    flat, out = array.reshape(-1), numeric.reshape(-1)  # views: edits reach ``array``
    steps = (eps, 1j * eps) if array.dtype.kind == "c" else (eps,)
    for j in range(flat.size):
        orig = flat[j]
        for step in steps:
            flat[j] = orig + step
            plus = objective()
            flat[j] = orig - step
            minus = objective()
            flat[j] = orig
            out[j] += (plus - minus) / (2 * eps) * (step / eps)
    return numeric


def _compare(name, i, analytic, numeric, rtol, atol):
    err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    bad = ~(err <= 0)  # NaN counts as bad
    if bad.any():
        worst = np.unravel_index(int(np.nanargmax(np.where(np.isnan(err), np.inf, err))), err.shape)
        raise AssertionError(
            f"gradient of {name} w.r.t. input {i} (shape {analytic.shape}) is wrong at index "
            f"{tuple(int(k) for k in worst)}: autograd {analytic[worst]:.6g}, finite differences "
            f"{numeric[worst]:.6g} ({int(bad.sum())} of {bad.size} elements off; "
            f"rtol={rtol}, atol={atol})")
