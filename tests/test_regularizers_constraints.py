"""Regularizers and constraints: hand-computed values, get/serialize, the
optimizer applying constraints, and real Keras."""
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import constraints as C
from tinykeras import regularizers as R

W = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)


def test_regularizer_values():
    w = tk.Tensor(W)
    assert float(R.L1(0.1)(w)) == pytest.approx(0.1 * 6.5)
    assert float(R.L2()(w)) == pytest.approx(0.01 * (1 + 4 + 9 + 0.25))
    assert float(R.L1L2(l1=0.1, l2=0.2)(w)) == pytest.approx(0.65 + 0.2 * 14.25)
    assert float(R.L1L2()(w)) == 0.0
    out = R.L2(0.5)(w)
    assert out.shape == () and out.dtype == "float32"
    assert float(R.OrthogonalRegularizer(1.0)(tk.ops.eye(3))) == 0.0
    # rows (1, 0) and (1, 1)/sqrt(2): one pair with |cos| = 1/sqrt(2)
    ortho = R.OrthogonalRegularizer(0.2)(tk.Tensor([[1.0, 0.0], [1.0, 1.0]]))
    assert float(ortho) == pytest.approx(0.2 * 0.5 * 2 / np.sqrt(2) / 1.0, rel=1e-5)
    with pytest.raises(ValueError):
        R.L2(-1.0)


def test_regularizer_gradient():
    w = tk.Variable(W)
    R.L1L2(l1=0.5, l2=0.25)(w).backward()
    np.testing.assert_allclose(w.grad.numpy(), 0.5 * np.sign(W) + 0.5 * W, rtol=1e-6)


def test_constraint_values():
    col_norms = np.sqrt((W ** 2).sum(0))  # [sqrt(10), sqrt(4.25)]
    eps = 1e-7
    np.testing.assert_allclose(C.MaxNorm(2.0)(tk.Tensor(W)).numpy(),
                               W * np.minimum(col_norms, 2.0) / (col_norms + eps), rtol=1e-6)
    np.testing.assert_allclose(C.UnitNorm()(tk.Tensor(W)).numpy(), W / (col_norms + eps), rtol=1e-6)
    row_norms = np.sqrt((W ** 2).sum(1, keepdims=True))
    np.testing.assert_allclose(C.UnitNorm(axis=1)(tk.Tensor(W)).numpy(), W / (row_norms + eps), rtol=1e-6)
    np.testing.assert_allclose(C.NonNeg()(tk.Tensor(W)).numpy(), np.maximum(W, 0))
    desired = 0.5 * np.clip(col_norms, 2.5, 3.0) + 0.5 * col_norms
    np.testing.assert_allclose(C.MinMaxNorm(2.5, 3.0, rate=0.5)(tk.Tensor(W)).numpy(),
                               W * desired / (col_norms + eps), rtol=1e-6)


def test_optimizer_applies_constraint():
    w = tk.Variable(W.copy(), constraint=C.get("max_norm"))
    tk.optimizers.SGD(learning_rate=0.0).apply([tk.Tensor(np.zeros_like(W))], [w])
    np.testing.assert_allclose(np.sqrt((w.numpy() ** 2).sum(0)), [2.0, 2.0], rtol=1e-5)


def test_get_and_serialize():
    for name, cls in [("l1", R.L1), ("L2", R.L2), ("l1_l2", R.L1L2), ("l1l2", R.L1L2),
                      ("orthogonal_regularizer", R.OrthogonalRegularizer)]:
        assert type(R.get(name)) is cls
    for name, cls in [("max_norm", C.MaxNorm), ("NonNeg", C.NonNeg), ("non_neg", C.NonNeg),
                      ("unit_norm", C.UnitNorm), ("min_max_norm", C.MinMaxNorm)]:
        assert type(C.get(name)) is cls
    assert R.get(None) is None and C.get(None) is None
    for obj, mod in [(R.L1L2(0.1, 0.2), R), (R.L2(0.3), R), (C.MaxNorm(3, axis=1), C),
                     (C.MinMaxNorm(0.1, 0.9, 0.5), C)]:
        again = mod.deserialize(mod.serialize(obj))
        assert type(again) is type(obj) and again.get_config() == obj.get_config()
    assert R.serialize(R.L2()) == {"module": "keras.regularizers", "class_name": "L2",
                                   "config": {"l2": 0.01}, "registered_name": None}
    with pytest.raises(ValueError, match="Valid names"):
        R.get("l3")
    with pytest.raises(ValueError, match="Valid names"):
        C.get("max_nrm")


@pytest.mark.keras
def test_matches_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    pairs = [(keras.regularizers.L1L2(0.1, 0.2), R.L1L2(0.1, 0.2)), (keras.regularizers.L1(), R.L1()),
             (keras.regularizers.L2(), R.L2()),
             (keras.regularizers.OrthogonalRegularizer(0.3), R.OrthogonalRegularizer(0.3)),
             (keras.regularizers.OrthogonalRegularizer(0.3, "columns"), R.OrthogonalRegularizer(0.3, "columns")),
             (keras.constraints.MaxNorm(1.5), C.MaxNorm(1.5)), (keras.constraints.NonNeg(), C.NonNeg()),
             (keras.constraints.UnitNorm(axis=1), C.UnitNorm(axis=1)),
             (keras.constraints.MinMaxNorm(0.5, 1.2, 0.7), C.MinMaxNorm(0.5, 1.2, 0.7))]
    for k, t in pairs:
        expected = keras.ops.convert_to_numpy(k(keras.ops.convert_to_tensor(x)))
        np.testing.assert_allclose(t(tk.Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)
        assert t.get_config() == pytest.approx(k.get_config())  # Keras's L1 stores float32
