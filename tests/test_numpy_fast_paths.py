"""Fast paths that replace a plain computation with an equal, faster one:
the NumPy ``index_add`` on rows (an Embedding's gradient) against
``np.add.at`` bit for bit, and the matmul rule's one-product weight
gradient of a ``(batch, steps, features) @ (features, units)`` product
against float64 finite differences."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry


@pytest.mark.parametrize("rows, index_shape, width", [
    (5000, (64, 64), (8,)),     # an Embedding: mostly distinct rows
    (10, (6, 80), (4,)),        # a row repeated many times: the add.at fallback
    (7, (5,), (3, 2)),
    (6, (4, 3), ()),            # scalars per row
    (3, (0,), (2,)),            # nothing to add
])
def test_rows_index_add_equals_add_at_bit_for_bit(rows, index_shape, width):
    rng = np.random.default_rng(0)
    idx = rng.integers(-rows, rows, index_shape)          # negative rows count from the end
    values = rng.standard_normal(index_shape + width).astype("float32")
    expected = np.zeros((rows,) + width, "float32")
    np.add.at(expected, (idx,), values)
    out = registry.KERNELS["numpy"]["index_add"](values, (idx,), (rows,) + width)
    assert out.dtype == expected.dtype and np.array_equal(out, expected)


def test_rows_index_add_rejects_rows_out_of_range():
    with pytest.raises(IndexError):
        registry.KERNELS["numpy"]["index_add"](np.ones((2, 3)), (np.array([0, 5]),), (4, 3))


def test_weight_gradient_of_a_3d_input_matches_finite_differences():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 2))
    g = rng.standard_normal((3, 4, 2))
    wt = tk.Tensor(w, requires_grad=True)
    xt = tk.Tensor(x, requires_grad=True)
    ((xt @ wt) * g).sum().backward()
    eps = 1e-6
    for arr, grad in ((w, wt.grad), (x, xt.grad)):
        for idx in np.ndindex(arr.shape):
            arr[idx] += eps
            up = ((x @ w) * g).sum()
            arr[idx] -= 2 * eps
            down = ((x @ w) * g).sum()
            arr[idx] += eps
            np.testing.assert_allclose((up - down) / (2 * eps), np.asarray(grad)[idx], rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("threads", [1, 2])
def test_relu_and_its_gradient_in_pieces_equal_the_plain_formulas(threads, monkeypatch):
    """Big relu inputs are cut into pieces for threads when the policy sees
    free cores; the values are NumPy's formulas either way, bit for bit."""
    from tinykeras.numpy_plugin import numpy_parallel
    monkeypatch.setattr(numpy_parallel.POLICY, "threads", threads)
    monkeypatch.setattr(numpy_parallel, "BIG_ELEMENTWISE", 1000)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((37, 9, 11)).astype("float32")
    g = rng.standard_normal(x.shape).astype("float32")
    kernels = registry.KERNELS["numpy"]
    out = kernels["relu"](x)
    assert out.dtype == x.dtype and np.array_equal(out, np.maximum(x, 0))
    assert np.array_equal(kernels["relu_grad"](g, out), g * (x > 0))
    assert np.array_equal(kernels["relu_grad"](g[:1], out), g[:1] * (x > 0))   # broadcasting


def test_relu_gradient_matches_finite_differences_away_from_zero():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 0.1] = 0.5
    w = rng.standard_normal((4, 5))
    xt = tk.Tensor(x, requires_grad=True)
    (tk.ops.relu(xt) * w).sum().backward()
    eps = 1e-6
    numeric = ((np.maximum(x + eps, 0) - np.maximum(x - eps, 0)) / (2 * eps)) * w
    np.testing.assert_allclose(np.asarray(xt.grad), numeric, rtol=1e-7, atol=1e-9)
