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
