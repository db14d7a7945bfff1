"""The fused ``attention_probabilities`` and ``attention_combine`` ops
(ops/attention_ops.py, NumPy kernels in numpy_plugin/numpy_attention.py)
against the plain paths (scaled query, transposes, products, masked softmax)
and float64 finite differences, values and gradients; and
MultiHeadAttention through them against the plain path."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry
from tinykeras.layers.attention.attention import masked_softmax
from tinykeras.ops import attention_ops


def plain_probabilities(q, k, mask, scale=1.0):
    """What MultiHeadAttention computed before the op: a scaled query, transposes, a product, masked_softmax."""
    scores = tk.ops.transpose(q * scale, (0, 2, 1, 3)) @ tk.ops.transpose(k, (0, 2, 3, 1))
    return masked_softmax(scores, None if mask is None else tk.ops.expand_dims(mask, 1))


def plain_combine(p, v):
    """What MultiHeadAttention computed before ``attention_combine``: transposes and a product."""
    return tk.ops.transpose(p @ tk.ops.transpose(v, (0, 2, 1, 3)), (0, 2, 1, 3))


def _masks(rng):
    partial = rng.random((2, 3, 5)) < 0.6
    partial[1, 2] = False                          # a fully masked row gives zeros
    return [None, partial, np.tril(np.ones((3, 5), bool))[None]]


def _assert_same_values_and_gradients(fused, plain, inputs, w):
    """``fused(*inputs)`` and ``plain(*inputs)``: the same values and gradients of ``(out * w).sum()``."""
    results = []
    for fn in (fused, plain):
        for t in inputs:
            t.grad = None
        out = fn(*inputs)
        (out * w).sum().backward()
        assert out.dtype == w.dtype and out.shape == w.shape
        results.append([out.numpy()] + [np.asarray(t.grad) for t in inputs])
    tol = 1e-6 if w.dtype == np.float32 else 1e-13
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_op_matches_the_plain_path(which, dtype):
    rng = np.random.default_rng(0)
    mask = _masks(rng)[which]
    mask = None if mask is None else tk.Tensor(mask)
    q = tk.Tensor(rng.standard_normal((2, 3, 2, 4)).astype(dtype), requires_grad=True)
    k = tk.Tensor(rng.standard_normal((2, 5, 2, 4)).astype(dtype), requires_grad=True)
    _assert_same_values_and_gradients(lambda q_, k_: attention_ops.attention_probabilities(q_, k_, mask, scale=0.7),
                                      lambda q_, k_: plain_probabilities(q_, k_, mask, scale=0.7), [q, k],
                                      rng.standard_normal((2, 2, 3, 5)).astype(dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_combine_matches_the_plain_path(dtype):
    rng = np.random.default_rng(3)
    p = tk.Tensor(rng.random((2, 3, 4, 5)).astype(dtype), requires_grad=True)
    v = tk.Tensor(rng.standard_normal((2, 5, 3, 6)).astype(dtype), requires_grad=True)
    _assert_same_values_and_gradients(attention_ops.attention_combine, plain_combine, [p, v],
                                      rng.standard_normal((2, 4, 3, 6)).astype(dtype))


def _check_finite_differences(forward, backward, inputs, g, eps=1e-6):
    """The flat gradient ``backward`` gives for the inputs against central differences of ``(g * forward).sum()``."""
    flat, start = backward(g, *inputs), 0
    for which, arr in enumerate(inputs):
        grad = flat[start:start + arr.size].reshape(arr.shape)
        start += arr.size
        for idx in np.ndindex(arr.shape):
            moved = [a.copy() for a in inputs]
            moved[which][idx] += eps
            up = (g * forward(*moved)).sum()
            moved[which][idx] -= 2 * eps
            down = (g * forward(*moved)).sum()
            np.testing.assert_allclose((up - down) / (2 * eps), grad[idx], rtol=1e-6, atol=1e-8)
    assert start == flat.size


def test_numpy_kernel_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((2, 3, 2, 4)), rng.standard_normal((2, 5, 2, 4))
    mask = _masks(rng)[1]
    kernels = registry.KERNELS["numpy"]
    probabilities = lambda q_, k_: kernels["attention_probabilities"](q_, k_, mask, scale=0.7)
    _check_finite_differences(probabilities, lambda g, q_, k_: kernels["attention_probabilities_grad"](
        g, probabilities(q_, k_), q_, k_, scale=0.7), [q, k], rng.standard_normal((2, 2, 3, 5)))


def test_numpy_combine_kernel_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    p, v = rng.random((2, 3, 4, 5)), rng.standard_normal((2, 5, 3, 2))
    kernels = registry.KERNELS["numpy"]
    _check_finite_differences(kernels["attention_combine"], kernels["attention_combine_grad"], [p, v],
                              rng.standard_normal((2, 4, 3, 2)))


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
            monkeypatch.setattr(attention_ops, "attention_combine", plain_combine)
        xt = tk.Tensor(x, requires_grad=True)
        out = mha(xt, xt, use_causal_mask=causal)
        out.sum().backward()
        results.append([out.numpy(), np.asarray(xt.grad)])
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=1e-6, atol=1e-6)


def test_bad_shapes_name_the_op():
    with pytest.raises(ValueError, match="attention_probabilities: expected q"):
        attention_ops.attention_probabilities(np.ones((2, 3, 4)), np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"attention_combine: expected p .* got \(2, 3, 4, 5\) and \(2, 4, 3, 6\)"):
        attention_ops.attention_combine(np.ones((2, 3, 4, 5)), np.ones((2, 4, 3, 6)))
