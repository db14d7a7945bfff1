"""Reverse-mode autodiff: graph recording, backward, accumulation, errors."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras import Tensor
from tinykeras.core import registry
from tinykeras.testing import check_gradients, isolated_registry


def leaf(values, dtype="float32"):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_polynomial_gradient():
    x = leaf([3.0, -1.0])
    y = (x * x * x - 2 * x + 1).sum()   # dy/dx = 3x^2 - 2
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [25.0, 1.0])
    assert x.grad.dtype == "float32" and not x.grad.requires_grad
    assert y.item() == pytest.approx(27 - 6 + 1 + (-1 + 2 + 1))


def test_scalar_leaf_backward_and_is_leaf():
    x = leaf(2.0)
    x.backward()
    assert x.grad.item() == 1.0
    y = x * 3
    assert x.is_leaf and not y.is_leaf and y.requires_grad


def test_broadcasting_gradients_are_summed_back():
    a, b, c = leaf(np.ones((3, 1))), leaf([1.0, 2.0, 3.0, 4.0]), leaf(2.0)
    ((a + b) * c).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 8.0))   # 4 columns times c
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 6.0))        # 3 rows times c
    assert c.grad.shape == () and c.grad.item() == pytest.approx(3 * 4 + 3 * 10)
    x, y = leaf(np.arange(6.0).reshape(2, 3)), leaf(np.array([[1.0], [2.0]]))
    (x * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[3.0], [12.0]])       # row sums of x
    np.testing.assert_allclose(x.grad.numpy(), [[1.0] * 3, [2.0] * 3])


def test_broadcasting_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    check_gradients(lambda a, b, c: tk.ops.logsumexp(a * b - c, axis=1),
                    [rng.normal(size=(2, 1, 3)), rng.normal(size=(4, 1)), rng.normal(size=())])


def test_a_tensor_used_twice_accumulates():
    x = leaf([2.0, -3.0])
    (x * x + x).sum().backward()                  # 2x + 1
    np.testing.assert_allclose(x.grad.numpy(), [5.0, -5.0])
    x.grad = None
    a = x * 2                                     # a diamond: a feeds two branches
    (a * a + a.exp()).sum().backward()            # d/dx = (2a + e^a) * 2
    expected = (2 * 2 * x.numpy() + np.exp(2 * x.numpy())) * 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_grad_accumulates_across_backward_calls_and_tk_grad_does_not_touch_it():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])
    (g,) = tk.grad((x * x * x).sum(), [x])
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])


def test_no_grad_context_decorator_and_restoring():
    x = leaf([1.0])
    with tk.no_grad():
        assert not tk.is_grad_enabled()
        with tk.no_grad():
            pass
        assert not tk.is_grad_enabled()      # the inner block restored "disabled"
        y = x * 2
    assert tk.is_grad_enabled() and not y.requires_grad and y.is_leaf

    @tk.no_grad()
    def double(t):
        return t * 2
    assert not double(x).requires_grad and tk.is_grad_enabled()
    with pytest.raises(KeyError):
        with tk.no_grad():
            raise KeyError("boom")
    assert tk.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = leaf([3.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.numpy().tolist() == [3.0]
    (d * x).sum().backward()                    # d is a constant: gradient is d, not 2x
    assert x.grad.numpy().tolist() == [3.0]
    assert not tk.ops.stop_gradient(x).requires_grad


def test_backward_on_non_scalar_needs_a_gradient():
    x = leaf([1.0, 2.0])
    y = x * x
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*pass gradient="):
        y.backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\), expected \(2,\)"):
        y.backward(Tensor([1.0, 1.0, 1.0]))
    y.backward([1.0, 0.5])
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_backward_without_anything_to_differentiate():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()


def test_freed_graph_and_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()                                  # the second pass frees the graph
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        y.backward()
    h = x * 2
    (h * 3).sum().backward()                      # frees h's node too
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 4).sum().backward()


def test_indexing_gradients_accumulate_duplicates():
    x = leaf(np.arange(12.0).reshape(4, 3))
    y = (x[np.array([0, 0, 2])].sum()            # row 0 twice, row 2 once
         + x[x.numpy() > 5].sum()               # a boolean mask: rows 2 and 3
         + (x[None, ..., 1] * 2).sum()          # None and Ellipsis: column 1, twice
         + x[1:3, ::-1].sum()                   # slices, negative step
         + x[-1, 0] * 10                        # ints
         + x[[1, 1], [0, 0]].sum())             # the same element twice
    y.backward()
    expected = np.array([[2, 4, 2], [3, 3, 1], [3, 5, 3], [11, 3, 1]], dtype=np.float32)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_indexing_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    cases = [((3, 2), np.array([2, 0, 2, 2])), ((3, 2), (slice(None, None, -1), None, 1)),
             ((3, 2), (Ellipsis, np.array([0, 0]))), ((2, 3), np.array([[True, False, True], [False, True, True]]))]
    for shape, key in cases:
        check_gradients(lambda t: t[key] * t[key], [rng.normal(size=shape)], name=f"getitem {key!r}")


def test_mixed_dtypes_give_each_leaf_a_gradient_of_its_own_dtype():
    x32, x64 = leaf([1.0, 2.0]), leaf([3.0, 4.0], dtype="float64")
    out = (x32 * x64).sum()
    assert out.dtype == "float64"
    out.backward()
    assert x32.grad.dtype == "float32" and x64.grad.dtype == "float64"
    np.testing.assert_allclose(x32.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(x64.grad.numpy(), [1.0, 2.0])


def test_int_inputs_get_no_gradient():
    x, n = leaf([1.5, 2.5]), Tensor([2, 3])
    (x * n).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 3.0])
    assert n.grad is None and not n.requires_grad
    x.grad = None
    (x.astype("int32").astype("float32") * x).sum().backward()   # the int cast blocks its path
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0])


def test_piecewise_ops_have_zero_or_one_gradients():
    x = leaf([-1.5, 0.5, 2.5])
    (tk.ops.floor(x) + tk.ops.relu(x) + tk.ops.clip(x, 0.0, 1.0) + tk.ops.abs(x)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0 + 0 + 0 - 1, 0 + 1 + 1 + 1, 0 + 1 + 0 + 1])


def test_deep_graphs_do_not_recurse():
    x = leaf([1.0])
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.sum().backward()
    assert x.grad.item() == 1.0 and y.item() == 5001.0


def test_gradient_check_catches_a_wrong_rule():
    class Plugin:
        @tk.hookimpl
        def tinykeras_register_ops(self, register):
            register(registry.OpDef("cube_wrong", 1, rule=lambda g, o, x: (g * 2 * x * x,),
                                    composite=lambda x: x * x * x, sample="unary"))

    with isolated_registry():
        assert registry.register(Plugin(), name="cube") == "cube"
        x = np.array([1.0, 2.0])
        check_gradients(registry.OPS["cube_wrong"].composite, [x])   # the composite is right
        out = tk.core.apply("cube_wrong", (Tensor(x),))               # no kernel: the composite
        assert out.numpy().tolist() == [1.0, 8.0]
        registry.register(_CubeKernel(), name="cube-kernel")         # now a kernel: the rule runs
        with pytest.raises(AssertionError, match=r"cube_wrong w.r.t. input 0 .* index \(1,\)"):
            check_gradients(lambda t: tk.core.apply("cube_wrong", (t,)), [x], name="cube_wrong")
    assert "cube_wrong" not in registry.OPS


class _CubeKernel:
    @tk.hookimpl
    def tinykeras_register_kernels(self, register):
        register("numpy", "cube_wrong", lambda x: x * x * x)


@pytest.mark.parametrize("needs", ["weights", "data", "both"])
def test_matmul_backward_runs_only_the_products_its_inputs_need(needs):
    """A first Dense's data needs no gradient: its product (as long as the
    layer's forward one) is not run, and the gradients that are run match
    the plain formulas."""
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal((4, 3)).astype("float32"), rng.standard_normal((3, 2)).astype("float32")
    x = Tensor(x_np, requires_grad=needs in ("data", "both"))
    w = Tensor(w_np, requires_grad=needs in ("weights", "both"))
    calls, real = [], registry.ACTIVE["matmul"]
    registry.ACTIVE["matmul"] = lambda a, b: calls.append((a.shape, b.shape)) or real(a, b)
    try:
        (x @ w).sum().backward()
    finally:
        registry.ACTIVE["matmul"] = real
    g = np.ones((4, 2), "float32")
    expected = {"weights": [((3, 4), (4, 2))], "data": [((4, 2), (2, 3))]}
    assert calls[1:] == expected.get(needs, expected["data"] + expected["weights"])
    assert (x.grad is None) == (needs == "weights") and (w.grad is None) == (needs == "data")
    if w.grad is not None:
        np.testing.assert_allclose(w.grad.numpy(), x_np.T @ g, rtol=1e-6)
    if x.grad is not None:
        np.testing.assert_allclose(x.grad.numpy(), g @ w_np.T, rtol=1e-6)
