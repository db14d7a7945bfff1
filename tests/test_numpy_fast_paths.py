"""Fast paths that replace a plain computation with an equal, faster one:
the NumPy ``index_add`` on rows (an Embedding's gradient) against
``np.add.at`` bit for bit, and the matmul rule's one-product weight
gradient of a ``(batch, steps, features) @ (features, units)`` product
against float64 finite differences; big element-wise ops, a bias's
gradient (a sum over the leading axes) and the optimizer updates in
pieces on threads against the plain computation; the float16 layer norm
(NumPy's reductions, not BLAS) against float64."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry


@pytest.mark.parametrize("rows, index_shape, width", [
    (5000, (64, 64), (8,)),     # an Embedding: mostly distinct rows (sorted as 16-bit numbers)
    (70000, (300,), (2,)),      # rows beyond 16 bits
    (10, (6, 80), (4,)),        # a row repeated many times: the add.at fallback
    (7, (5,), (3, 2)),
    (6, (4, 3), ()),            # scalars per row
    (3, (0,), (2,)),            # nothing to add
])
def test_rows_index_add_equals_add_at_bit_for_bit(rows, index_shape, width):
    rng = np.random.default_rng(0)
    idx = rng.integers(-rows, rows, index_shape)          # negative rows count from the end
    values = rng.standard_normal(index_shape + width).astype("float32")
    values[..., :1] *= rng.integers(0, 2, values[..., :1].shape) * 0   # some -0.0: add.at makes them 0.0
    expected = np.zeros((rows,) + width, "float32")
    np.add.at(expected, (idx,), values)
    out = registry.KERNELS["numpy"]["index_add"](values, (idx,), (rows,) + width)
    assert out.dtype == expected.dtype and np.array_equal(out, expected)
    assert np.array_equal(np.signbit(out), np.signbit(expected))


def test_rows_index_add_rejects_rows_out_of_range():
    with pytest.raises(IndexError):
        registry.KERNELS["numpy"]["index_add"](np.ones((2, 3)), (np.array([0, 5]),), (4, 3))


def test_float16_layer_norm_and_softmax_kernels_match_float64():
    """float16 takes NumPy's reductions (BLAS has no float16 products): the same numbers, to float16's precision."""
    rng = np.random.default_rng(5)
    x, g = rng.standard_normal((6, 8)) * 2 + 1, rng.standard_normal((6, 8))
    gamma, beta = rng.random(8) + 0.5, rng.standard_normal(8)
    kernels = registry.KERNELS["numpy"]
    half = [a.astype("float16") for a in (x, g, gamma, beta)]
    np.testing.assert_allclose(kernels["layer_norm"](half[0], *half[2:], 1e-3),
                               kernels["layer_norm"](x, gamma, beta, 1e-3), rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(kernels["layer_norm_grad"](half[1], half[0], half[2], 1e-3),
                               kernels["layer_norm_grad"](g, x, gamma, 1e-3), rtol=3e-2, atol=3e-2)
    q, k = rng.standard_normal((2, 5, 2, 3)), rng.standard_normal((2, 4, 2, 3))
    mask = np.ones((1, 1, 1), bool)
    p16 = kernels["attention_probabilities"](q.astype("float16"), k.astype("float16"), mask, scale=0.5)
    assert p16.dtype == np.float16
    np.testing.assert_allclose(p16, kernels["attention_probabilities"](q, k, mask, scale=0.5), rtol=1e-2, atol=2e-3)


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


@pytest.mark.parametrize("masked", [False, True])
def test_attention_and_layer_norm_kernels_in_pieces_match_one_piece(monkeypatch, masked):
    """Cut into pieces of the batch for threads (``numpy_parallel.pieces``),
    the fused kernels give what they give in one piece, to the bit."""
    from tinykeras.core import registry
    from tinykeras.numpy_plugin import numpy_parallel
    kernels = registry.KERNELS["numpy"]
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((16, 64, 4, 16), np.float32), rng.standard_normal((16, 64, 4, 16), np.float32)
    mask = rng.random((16, 64, 64)) < 0.8 if masked else np.ones((1, 64, 64), bool)
    g = rng.standard_normal((16, 4, 64, 64), np.float32)
    x, gamma, beta = rng.standard_normal((16, 64, 256), np.float32), rng.standard_normal(256, np.float32), \
        rng.standard_normal(256, np.float32)
    gx = rng.standard_normal(x.shape, np.float32)

    def run():
        p = kernels["attention_probabilities"](q, k, mask, scale=0.25)
        return [p, kernels["attention_probabilities_grad"](g, p, q, k, scale=0.25), kernels["attention_combine"](p, k),
                kernels["attention_combine_grad"](q, p, k), kernels["layer_norm"](x, gamma, beta, 1e-3),
                kernels["layer_norm_grad"](gx, x, gamma, 1e-3)]

    from tinykeras.numpy_plugin import numpy_attention, numpy_fused
    counts = []

    def counted(fn, n, *args, **kwargs):
        results = numpy_parallel.pieces(fn, n, *args, **kwargs)
        counts.append(len(results))
        return results

    monkeypatch.setattr(numpy_parallel, "WORKERS", 2)
    monkeypatch.setattr(numpy_fused, "LAYER_NORM_PIECES", 1)   # this small layer norm too
    for module in (numpy_attention, numpy_fused):
        monkeypatch.setattr(module, "pieces", counted)
    cut = run()
    assert len(counts) == 6 and min(counts) >= 2              # every kernel was cut
    for module in (numpy_attention, numpy_fused):
        monkeypatch.setattr(module, "pieces", lambda fn, n, *args, **kwargs: [fn(0, n)])
    whole = run()
    for a, b in zip(cut[:5], whole[:5]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(cut[5][:x.size], whole[5][:x.size])                    # d x
    np.testing.assert_allclose(cut[5][x.size:], whole[5][x.size:], rtol=1e-5, atol=1e-4)  # d gamma, d beta: sums in pieces


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("op, fn", [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply)])
def test_big_binary_ops_in_pieces_equal_numpy_with_broadcasting(op, fn, threads, monkeypatch):
    from tinykeras.numpy_plugin import numpy_parallel
    monkeypatch.setattr(numpy_parallel.POLICY, "threads", threads)
    monkeypatch.setattr(numpy_parallel, "BIG_ELEMENTWISE", 1000)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((23, 7, 9)).astype("float32")
    kernel = registry.KERNELS["numpy"][op]
    for other in (rng.standard_normal(9).astype("float32"), rng.standard_normal((1, 7, 1)).astype("float32"),
                  rng.standard_normal((23, 1, 9)).astype("float32"), x[::-1].copy()):
        for a, b in ((x, other), (other, x)):
            out = kernel(a, b)
            assert out.dtype == np.float32 and np.array_equal(out, fn(a, b))


@pytest.mark.parametrize("dtype, rtol", [("float32", 2e-6), ("float64", 1e-13)])
def test_sum_over_leading_axes_matches_float64(dtype, rtol):
    """A bias's gradient (sum over every axis but the last few) takes one
    BLAS pass; the totals match a float64 sum (the plain one's accuracy)."""
    x = np.random.default_rng(5).standard_normal((64, 26, 26, 32)).astype(dtype)
    kernel = registry.KERNELS["numpy"]["sum"]
    for axis, keepdims in (((0, 1, 2), False), ((0, 1, 2), True), ((0,), False), ((0, 1), True)):
        out = kernel(x, axis=axis, keepdims=keepdims)
        exact = x.astype("float64").sum(axis=axis, keepdims=keepdims)
        assert out.dtype == x.dtype and out.shape == exact.shape
        np.testing.assert_allclose(out, exact, rtol=rtol, atol=rtol * np.abs(x).sum(axis=axis).max())


@pytest.mark.parametrize("op, hyper, slots", [
    ("adam_update", dict(alpha=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7), 3),
    ("sgd_update", dict(learning_rate=0.1, momentum=0.9, nesterov=True), 1),
    ("rmsprop_update", dict(learning_rate=0.01, rho=0.9, momentum=0.5, epsilon=1e-7, centered=True), 3)])
def test_optimizer_updates_in_pieces_equal_one_piece(op, hyper, slots, monkeypatch):
    """A big variable is updated in pieces of rows on threads: the same
    numbers, bit for bit, as the whole variable at once."""
    from tinykeras.numpy_plugin import numpy_optimizers, numpy_parallel
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((301, 40)).astype("float32") for _ in range(2 + slots)]
    arrays[2:] = [np.abs(a) + 1 for a in arrays[2:]]   # slots: second moments stay positive
    arrays[-1] *= 0.1                                 # (and RMSprop's centred average below them)
    results = []
    for threads, big in ((1, 10 ** 9), (2, 1000)):
        monkeypatch.setattr(numpy_parallel.POLICY, "threads", threads)
        monkeypatch.setattr(numpy_optimizers, "BIG_VARIABLE", big)
        mine = [a.copy() for a in arrays]
        for _ in range(3):
            out = numpy_optimizers.KERNELS[op](*mine, **hyper)
        assert out is mine[0]
        results.append(mine)
    for whole, cut in zip(*results):
        assert np.array_equal(whole, cut)


def _softmax64(x):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("spread", [1.0, 400.0])    # one shift for the whole array; the rows' maxima
@pytest.mark.parametrize("dtype, rtol", [("float32", 3e-6), ("float64", 1e-12)])
def test_softmax_kernels_on_narrow_and_wide_ranges_match_float64(spread, dtype, rtol):
    """The softmax kernels subtract one number (the array's top) when all
    values lie within ``NARROW_RANGE`` of it, else each row's top; either
    way the numbers are the float64 softmax's."""
    from tinykeras.numpy_plugin import numpy_fused
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((96, 64)) + spread * rng.standard_normal((96, 1))).astype(dtype)
    narrow = np.ptp(x) <= numpy_fused.NARROW_RANGE
    assert narrow == (spread == 1.0) and np.ndim(numpy_fused.exp_shift(x)) == (0 if narrow else 2)
    kernels = registry.KERNELS["numpy"]
    np.testing.assert_allclose(kernels["softmax"](x), _softmax64(x), rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(kernels["log_softmax"](x), np.log(_softmax64(x)), rtol=rtol, atol=rtol)
    labels = rng.integers(0, 64, 96)
    np.testing.assert_allclose(kernels["sparse_softmax_crossentropy"](x, labels),
                               -np.log(_softmax64(x)[np.arange(96), labels]), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("masked", [False, True])
def test_attention_probabilities_on_narrow_and_wide_samples_match_float64(masked):
    """Sample by sample: a narrow sample's scores share one shift, a wide
    one's (here scaled up 200 times) each row's own; masked positions
    (and rows with every position masked) give zeros; the rows sum to one."""
    rng = np.random.default_rng(8)
    q, k = rng.standard_normal((3, 64, 2, 8)), rng.standard_normal((3, 64, 2, 8))
    q[1] *= 200.0
    mask = rng.random((3, 64, 64)) < 0.7 if masked else np.ones((1, 1, 1), bool)
    if masked:
        mask[0, 5] = False                                     # a fully masked row
    scores = np.einsum("bqhd,bkhd->bhqk", q * 0.3, k)
    wide = np.ptp(scores.reshape(3, -1), axis=1) > 60
    assert wide.tolist() == [False, True, False]
    m = np.broadcast_to(mask, (3, 64, 64))[:, None]
    expected = np.where(m, _softmax64(np.where(m, scores, -1e9)), 0)
    p = registry.KERNELS["numpy"]["attention_probabilities"](q.astype("float32"), k.astype("float32"), mask,
                                                           scale=0.3)
    np.testing.assert_allclose(p, expected, rtol=2e-4, atol=1e-6)   # (the wide sample's scores reach 1e3)
    np.testing.assert_allclose(p.sum(-1), np.broadcast_to(m.any(-1), (3, 2, 64)).astype(float), rtol=1e-5)
    if masked:
        assert not p[0, :, 5].any()
