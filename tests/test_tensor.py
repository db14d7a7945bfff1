"""The Tensor: dtypes and promotion, operators, indexing, errors."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras import Tensor


@pytest.mark.parametrize("data, dtype", [
    (1.5, "float32"), (3, "int32"), (True, "bool"), ([1, 2], "int32"), ([1.0, 2], "float32"),
    ([[True, False]], "bool"), ([], "float32"), (np.array([1, 2], dtype=np.int64), "int64"),
    (np.array([1.0], dtype=np.float64), "float64"), (np.float16(2.0), "float16"),
])
def test_dtype_of_new_tensors(data, dtype):
    t = Tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_explicit_dtype_and_copy_of_a_tensor():
    t = Tensor([1, 2], dtype="float64")
    assert t.dtype == "float64" and t.numpy().tolist() == [1.0, 2.0]
    u = Tensor(t, name="u")
    assert u.dtype == "float64" and u.name == "u" and u.numpy().tolist() == [1.0, 2.0]


@pytest.mark.parametrize("a, b, dtype", [
    (Tensor([1, 2]), Tensor([0.5, 1.0]), "float32"),        # int + float: the float (Keras)
    (Tensor([1, 2]), 1.5, "float32"),                        # int + Python float: floatx
    (Tensor([1.0], dtype="float16"), 2.0, "float16"),        # Python scalars are weak
    (Tensor([1.0], dtype="float16"), 2, "float16"),
    (Tensor([1], dtype="int64"), Tensor([1]), "int64"),
    (Tensor([1], dtype="int8"), 3, "int8"),
    (Tensor([1.0], dtype="float64"), Tensor([1.0]), "float64"),
    (Tensor([True]), 1, "int32"),
    (Tensor([True]), Tensor([True]), "bool"),
    (Tensor([1]), Tensor([1.0], dtype="float64"), "float64"),
])
def test_promotion(a, b, dtype):
    assert (a + b).dtype == dtype
    assert (b + a).dtype == dtype
    assert (a * b).dtype == dtype


def test_integer_division_gives_float32():
    for out in (Tensor([1, 3]) / Tensor([2, 2]), Tensor([1, 3]) / 2, 3 / Tensor([2, 6]),
                tk.ops.divide([1, 3], [2, 2])):
        assert out.dtype == "float32"
    np.testing.assert_array_equal((Tensor([1, 3]) / 2).numpy(), [0.5, 1.5])
    np.testing.assert_array_equal((3 / Tensor([2, 6])).numpy(), [1.5, 0.5])
    assert (Tensor([7]) // 2).dtype == "int32" and (Tensor([7]) // 2).item() == 3


A = np.array([[1.5, -2.0], [3.0, 4.0]], dtype=np.float32)
B = np.array([2.0, 0.5], dtype=np.float32)


@pytest.mark.parametrize("expr, expected", [
    (lambda a, b: a + b, A + B), (lambda a, b: 1 + a, 1 + A), (lambda a, b: a - b, A - B),
    (lambda a, b: 2 - a, 2 - A), (lambda a, b: a * 3, A * 3), (lambda a, b: 3 * a, 3 * A),
    (lambda a, b: a / b, A / B), (lambda a, b: 2 / a, 2 / A), (lambda a, b: a ** 2, A ** 2),
    (lambda a, b: 2 ** a, 2 ** A), (lambda a, b: a // b, A // B), (lambda a, b: 7 // a, 7 // A),
    (lambda a, b: a % b, A % B), (lambda a, b: 7 % a, 7 % A), (lambda a, b: a @ b, A @ B),
    (lambda a, b: B @ a, B @ A), (lambda a, b: -a, -A), (lambda a, b: +a, A), (lambda a, b: abs(a), abs(A)),
    (lambda a, b: a == 3, A == 3), (lambda a, b: a != b, A != B), (lambda a, b: a < b, A < B),
    (lambda a, b: a <= 3, A <= 3), (lambda a, b: a > b, A > B), (lambda a, b: a >= 1.5, A >= 1.5),
    (lambda a, b: (a > 0) & (a < 4), (A > 0) & (A < 4)), (lambda a, b: (a > 3) | (a < 0), (A > 3) | (A < 0)),
    (lambda a, b: True & (a > 0), A > 0), (lambda a, b: False | (a > 0), A > 0), (lambda a, b: ~(a > 0), A <= 0),
    (lambda a, b: B + a, B + A), (lambda a, b: B * a, B * A), (lambda a, b: B - a, B - A),
])
def test_operators_and_reverse_operators(expr, expected):
    out = expr(Tensor(A), Tensor(B))
    assert isinstance(out, Tensor)
    assert out.dtype == expected.dtype.name
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_numpy_array_on_the_left_gives_a_tensor():
    out = np.ones(2, dtype=np.float32) * Tensor([2.0, 3.0])
    assert isinstance(out, Tensor) and out.numpy().tolist() == [2.0, 3.0]


def test_comparisons_are_bool_and_record_no_graph():
    x = Tensor([1.0, 5.0], requires_grad=True)
    mask = x > 2
    assert mask.dtype == "bool" and not mask.requires_grad and mask.numpy().tolist() == [False, True]


@pytest.mark.parametrize("fn, op, shapes", [
    (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones((4,))), "add", ["(2, 3)", "(4,)"]),
    (lambda: Tensor(np.ones((2, 3))) * Tensor(np.ones((3, 2))), "multiply", ["(2, 3)", "(3, 2)"]),
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), "matmul", ["(2, 3)", "(2, 3)"]),
    (lambda: tk.ops.subtract(np.ones(2), np.ones(5)), "subtract", ["(2,)", "(5,)"]),
    (lambda: tk.ops.where(Tensor([True, False]), Tensor([1.0, 2.0, 3.0]), 0.0), "where", ["(2,)", "(3,)"]),
])
def test_shape_mismatch_names_the_op_and_both_shapes(fn, op, shapes):
    with pytest.raises(ValueError) as info:
        fn()
    message = str(info.value)
    assert message.startswith(op)
    for shape in shapes:
        assert shape in message


def test_other_errors_are_clear():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4,\)"):
        Tensor(np.ones((2, 3))).reshape(4)
    with pytest.raises(ValueError, match="axis 2 is out of range for a tensor of rank 2"):
        Tensor(np.ones((2, 3))).sum(axis=2)
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\).*out of bounds"):
        Tensor(np.ones((2, 3)))[5]
    with pytest.raises(TypeError, match="unsupported index 1.5"):
        Tensor(np.ones(3))[1.5]
    with pytest.raises(TypeError, match="immutable"):
        Tensor([1.0])[0] = 2.0
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


@pytest.mark.parametrize("data", [[1, 2], [True], np.arange(3, dtype=np.int64)])
def test_only_float_tensors_can_require_grad(data):
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(data).requires_grad_()
    assert Tensor(data).requires_grad_(False).requires_grad is False


X = np.arange(24, dtype=np.float32).reshape(4, 3, 2)


@pytest.mark.parametrize("key", [
    1, -1, slice(1, 3), slice(None, None, -2), (0, 2), (1, slice(None), 0), None, (None, 1),
    Ellipsis, (Ellipsis, 1), (1, Ellipsis, None), [0, 2, 0], np.array([3, -1]), (np.array([0, 1]), np.array([2, 0])),
    X[..., 0] > 10, np.array([True, False, True, False]), (slice(None), [True, False, True]),
    (slice(0, 0),), (np.int64(2),),
])
def test_indexing_matches_numpy(key):
    got = Tensor(X)[key]
    expected = X[key]
    assert got.shape == expected.shape and got.dtype == "float32"
    np.testing.assert_array_equal(got.numpy(), expected)


def test_indexing_with_a_tensor_index():
    x = Tensor([10.0, 20.0, 30.0])
    assert x[Tensor([2, 0])].numpy().tolist() == [30.0, 10.0]
    assert x[Tensor(1)].item() == 20.0
    assert x[x > 15].numpy().tolist() == [20.0, 30.0]


def test_small_conveniences():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.T.shape == (3, 2) and t.transpose(1, 0).numpy()[2, 1] == 6.0
    assert t.reshape(3, -1).shape == (3, 2) and t.reshape((-1,)).shape == (6,)
    assert [row.numpy().tolist() for row in t] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert t.mean().item() == 3.5 and t.mean(axis=0).numpy().tolist() == [2.5, 3.5, 4.5]
    assert t.sum(axis=-1, keepdims=True).shape == (2, 1)
    assert float(Tensor(2.5)) == 2.5 and int(Tensor(3)) == 3 and [10, 20][Tensor(1)] == 20
    assert t.max().item() == 6.0 and t.min(axis=1).numpy().tolist() == [1.0, 4.0]
    assert repr(Tensor([1.0], requires_grad=True)) == "Tensor([1.], dtype=float32, requires_grad=True)"
    assert np.asarray(t).shape == (2, 3)


def test_weak_scalar_constants_are_cached_but_correct():
    x = Tensor([1.0, 2.0])
    assert (x + 1).numpy().tolist() == [2.0, 3.0]
    assert (x + 1.0).numpy().tolist() == [2.0, 3.0]
    assert (Tensor([1]) + 1).numpy().tolist() == [2] and (Tensor([1]) + 1).dtype == "int32"
    assert (Tensor([1]) + True).numpy().tolist() == [2]
    assert (x + True).numpy().tolist() == [2.0, 3.0]
