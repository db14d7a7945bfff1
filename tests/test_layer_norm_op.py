"""The fused ``layer_norm`` op (ops/norm_ops.py, NumPy kernels in
numpy_plugin/numpy_fused.py) against the plain LayerNormalization path and
float64 finite differences, values and gradients."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry
from tinykeras.ops import norm_ops


def plain_layer_norm(x, gamma, beta, epsilon):
    """The composite path LayerNormalization takes for its other forms."""
    mean, var = tk.ops.moments(x, axes=(x.ndim - 1,), keepdims=True)
    return (x - mean) * (1.0 / tk.ops.sqrt(var + epsilon) * gamma) + beta


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 8), (1, 5)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_op_matches_the_plain_path(shape, dtype):
    rng = np.random.default_rng(0)
    x, gamma, beta = (tk.Tensor(rng.standard_normal(s).astype(dtype) * 3 + 1, requires_grad=True)
                      for s in (shape, shape[-1:], shape[-1:]))
    w = rng.standard_normal(shape).astype(dtype)
    results = []
    for fn in (norm_ops.layer_norm, plain_layer_norm):
        for v in (x, gamma, beta):
            v.grad = None
        out = fn(x, gamma, beta, 1e-3)
        (out * w).sum().backward()
        assert out.dtype == dtype
        results.append([out.numpy()] + [np.asarray(v.grad) for v in (x, gamma, beta)])
    tol = 1e-5 if dtype == "float32" else 1e-11
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=tol, atol=tol)


def test_numpy_kernel_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    x, gamma, beta = rng.standard_normal((3, 7)), rng.standard_normal(7), rng.standard_normal(7)
    g = rng.standard_normal((3, 7))
    kernels = registry.KERNELS["numpy"]
    flat = kernels["layer_norm_grad"](g, x, gamma, 1e-3)
    grads = [flat[:21].reshape(3, 7), flat[21:28], flat[28:]]
    eps = 1e-6
    for which, arr in enumerate((x, gamma, beta)):
        for idx in np.ndindex(arr.shape):
            moved = [a.copy() for a in (x, gamma, beta)]
            moved[which][idx] += eps
            up = (g * kernels["layer_norm"](*moved, 1e-3)).sum()
            moved[which][idx] -= 2 * eps
            down = (g * kernels["layer_norm"](*moved, 1e-3)).sum()
            np.testing.assert_allclose((up - down) / (2 * eps), grads[which][idx], rtol=1e-6, atol=1e-8)


def test_layer_takes_the_op_for_the_usual_form_only(monkeypatch):
    calls = []
    original = norm_ops.layer_norm
    monkeypatch.setattr(norm_ops, "layer_norm", lambda *a: calls.append(1) or original(*a))
    x = np.random.default_rng(2).standard_normal((2, 3, 4)).astype("float32")
    tk.layers.LayerNormalization()(x)
    assert len(calls) == 1
    for layer in (tk.layers.LayerNormalization(axis=[1, 2]), tk.layers.LayerNormalization(center=False),
                  tk.layers.LayerNormalization(rms_scaling=True)):
        layer(x)
    assert len(calls) == 1


def test_bad_shapes_name_the_op():
    with pytest.raises(ValueError, match="layer_norm: gamma and beta must have shape"):
        norm_ops.layer_norm(np.ones((2, 3)), np.ones(4), np.ones(3))
