"""The fused ``attention_probabilities`` op (ops/attention_ops.py, NumPy
kernels in numpy_plugin/numpy_attention.py) against the plain masked-softmax
path and float64 finite differences, values and gradients; and
MultiHeadAttention through it against the plain path."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry
from tinykeras.layers.attention.attention import masked_softmax
from tinykeras.ops import attention_ops


def plain_probabilities(q, k, mask):
    """What MultiHeadAttention computed before the op: transposes, a product, masked_softmax."""
    scores = tk.ops.transpose(q, (0, 2, 1, 3)) @ tk.ops.transpose(k, (0, 2, 3, 1))
    return masked_softmax(scores, None if mask is None else tk.ops.expand_dims(mask, 1))


def _masks(rng):
    partial = rng.random((2, 3, 5)) < 0.6
    partial[1, 2] = False                          # a fully masked row gives zeros
    return [None, partial, np.tril(np.ones((3, 5), bool))[None]]


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_op_matches_the_plain_path(which, dtype):
    rng = np.random.default_rng(0)
    mask = _masks(rng)[which]
    q = tk.Tensor(rng.standard_normal((2, 3, 2, 4)).astype(dtype), requires_grad=True)
    k = tk.Tensor(rng.standard_normal((2, 5, 2, 4)).astype(dtype), requires_grad=True)
    w = rng.standard_normal((2, 2, 3, 5)).astype(dtype)
    results = []
    for fn in (attention_ops.attention_probabilities, plain_probabilities):
        q.grad = k.grad = None
        p = fn(q, k, None if mask is None else tk.Tensor(mask))
        (p * w).sum().backward()
        assert p.dtype == dtype and p.shape == (2, 2, 3, 5)
        results.append([p.numpy(), np.asarray(q.grad), np.asarray(k.grad)])
    tol = 1e-6 if dtype == "float32" else 1e-13
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=tol, atol=tol)


def test_numpy_kernel_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((2, 3, 2, 4)), rng.standard_normal((2, 5, 2, 4))
    mask = _masks(rng)[1]
    g = rng.standard_normal((2, 2, 3, 5))
    kernels = registry.KERNELS["numpy"]
    p = kernels["attention_probabilities"](q, k, mask)
    flat = kernels["attention_probabilities_grad"](g, p, q, k)
    grads, eps = [flat[:q.size].reshape(q.shape), flat[q.size:].reshape(k.shape)], 1e-6
    for which, arr in enumerate((q, k)):
        for idx in np.ndindex(arr.shape):
            moved = [q.copy(), k.copy()]
            moved[which][idx] += eps
            up = (g * kernels["attention_probabilities"](*moved, mask)).sum()
            moved[which][idx] -= 2 * eps
            down = (g * kernels["attention_probabilities"](*moved, mask)).sum()
            np.testing.assert_allclose((up - down) / (2 * eps), grads[which][idx], rtol=1e-6, atol=1e-8)


def test_fully_masked_rows_are_zero_with_zero_gradient():
    q = tk.Tensor(np.ones((1, 2, 1, 3), "float32"), requires_grad=True)
    k = tk.Tensor(np.ones((1, 2, 1, 3), "float32"), requires_grad=True)
    p = attention_ops.attention_probabilities(q, k, np.array([[[True, True], [False, False]]]))
    p.sum().backward()
    assert p.numpy()[0, 0].tolist() == [[0.5, 0.5], [0.0, 0.0]]
    assert not np.asarray(q.grad)[0, 1].any()


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_the_plain_path(causal, monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 6)).astype("float32")
    mha = tk.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    mha(x, x)
    results = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(attention_ops, "attention_probabilities", plain_probabilities)
        xt = tk.Tensor(x, requires_grad=True)
        out = mha(xt, xt, use_causal_mask=causal)
        out.sum().backward()
        results.append([out.numpy(), np.asarray(xt.grad)])
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=1e-6, atol=1e-6)


def test_bad_shapes_name_the_op():
    with pytest.raises(ValueError, match="attention_probabilities: expected q"):
        attention_ops.attention_probabilities(np.ones((2, 3, 4)), np.ones((2, 3, 4)))
