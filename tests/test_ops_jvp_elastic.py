"""``ops.jvp`` against float64 finite differences and Keras's
``keras.ops.jvp``; ``ops.image.elastic_transform`` (random) against the
displacement Keras builds, run through Keras's own ops on our noise."""
import numpy as np
import pytest

import tinykeras as tk
from keras_zoo import keras_or_skip

RNG = np.random.default_rng(181)
W = RNG.normal(size=(4, 3))


def mlp(ops):
    return lambda x, b: ops.softmax(ops.tanh(ops.matmul(x, ops.convert_to_tensor(W.astype("float32"))) + b), axis=-1)


def _fd_jvp(fn, primals, tangents, eps=1e-6):
    plus = fn(*[p + eps * t for p, t in zip(primals, tangents)])
    minus = fn(*[p - eps * t for p, t in zip(primals, tangents)])
    return (np.asarray(plus) - np.asarray(minus)) / (2 * eps)


CASES = [  # (function of tk.ops or keras.ops, primals)
    (lambda ops: ops.sin, [RNG.normal(size=(3,))]),
    (lambda ops: lambda x, y: x * y + ops.exp(x) / (1 + y * y), [RNG.normal(size=(2, 3)), RNG.normal(size=(3,))]),
    (mlp, [RNG.normal(size=(2, 4)), RNG.normal(size=(3,))]),
    (lambda ops: lambda x: ops.logsumexp(ops.cumsum(x * x, axis=0), axis=-1), [RNG.normal(size=(3, 4))]),
    (lambda ops: lambda a: ops.einsum("ij,jk->ik", a, ops.transpose(a)), [RNG.normal(size=(2, 3))]),
]


@pytest.mark.parametrize("make,primals", CASES, ids=[str(i) for i in range(len(CASES))])
def test_jvp_matches_finite_differences(make, primals):
    tangents = [RNG.normal(size=p.shape) for p in primals]
    out, tangent = tk.ops.jvp(make(tk.ops), tuple(primals), tuple(tangents))
    fn = make(tk.ops)
    np.testing.assert_allclose(out.numpy(), fn(*primals).numpy(), rtol=1e-12)
    want = _fd_jvp(lambda *xs: fn(*xs).numpy(), primals, tangents)
    assert tangent.shape == out.shape and tangent.dtype == "float64"
    np.testing.assert_allclose(tangent.numpy(), want, rtol=1e-6, atol=1e-8)


@pytest.mark.keras
@pytest.mark.parametrize("make,primals", CASES, ids=[str(i) for i in range(len(CASES))])
def test_jvp_matches_keras(make, primals):
    keras = keras_or_skip()
    primals = [p.astype("float32") for p in primals]
    tangents = [RNG.normal(size=p.shape).astype("float32") for p in primals]
    ours = tk.ops.jvp(make(tk.ops), tuple(primals), tuple(tangents))
    theirs = keras.ops.jvp(make(keras.ops), tuple(keras.ops.convert_to_tensor(p) for p in primals),
                           tuple(keras.ops.convert_to_tensor(t) for t in tangents))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)


def test_jvp_structures_aux_and_non_float_outputs():
    x, t = np.array([1.0, -2.0]), np.array([0.5, 1.0])

    def fn(d):
        y = d["a"] * d["a"]
        return {"sq": y, "pair": [y * 3, tk.ops.argmax(y)]}, "aux"
    out, tangent, aux = tk.ops.jvp(fn, ({"a": x},), ({"a": t},), has_aux=True)
    assert aux == "aux" and set(tangent) == {"sq", "pair"}
    np.testing.assert_allclose(tangent["sq"].numpy(), 2 * x * t)
    np.testing.assert_allclose(tangent["pair"][0].numpy(), 6 * x * t)
    assert tangent["pair"][1].numpy() == 0 and out["pair"][1].numpy() == 1
    w = tk.Variable(np.full(2, 3.0), name="w")
    _, tw = tk.ops.jvp(lambda v: v * w, (x,), (t,))  # a variable inside is a constant: its .grad stays None
    np.testing.assert_allclose(tw.numpy(), 3 * t)
    assert w.grad is None
    with pytest.raises(ValueError, match="jvp: a tangent has shape"):
        tk.ops.jvp(tk.ops.sin, (x,), (t[:1],))
    with pytest.raises(TypeError, match="tuples or lists"):
        tk.ops.jvp(tk.ops.sin, x, t)


def _sin_times(a):
    return tk.ops.sin(a) * a


def test_jvp_of_symbolic_tensors_builds_a_model_that_runs():
    """As Keras 3's ``JVP`` operation: the outputs' specs are ``fun`` traced on
    the symbolic primals, the tangents shaped like them; the model replays jvp."""
    x = tk.Input((3,))
    out, tangent = tk.ops.jvp(_sin_times, (x,), (x * 2,))
    assert out.shape == tangent.shape == (None, 3) and tangent._keras_history[0].class_name == "JVP"
    data = RNG.normal(size=(2, 3)).astype("float32")
    got = tk.Model(x, [out, tangent]).predict(data, verbose=0)
    eager = tk.ops.jvp(_sin_times, (data,), (data * 2,))
    for g, e in zip(got, eager):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-6)
    np.testing.assert_allclose(got[1], (np.cos(data) * data + np.sin(data)) * 2 * data, rtol=1e-5)

    dense = tk.layers.Dense(2)  # a layer inside fun, structures and aux
    y, ty, aux = tk.ops.jvp(lambda d: ({"d": dense(d["a"])}, [tk.ops.cos(d["a"])]), ({"a": x},),
                            ({"a": tk.ops.ones_like(x)},), has_aux=True)
    assert ty["d"].shape == (None, 2) and aux[0].shape == (None, 3)
    outs = tk.Model(x, [ty["d"], aux[0]]).predict(data, verbose=0)
    np.testing.assert_allclose(outs[0], np.tile(dense.kernel.numpy().sum(0), (2, 1)), rtol=1e-6)
    np.testing.assert_allclose(outs[1], np.cos(data), rtol=1e-6)

    class Tangent(tk.layers.Layer):  # jvp inside a layer traced for its output shape
        def call(self, a):
            return tk.ops.jvp(tk.ops.tanh, (a,), (tk.ops.ones_like(a),))[1]
    inner = tk.Model(x, Tangent()(x))
    np.testing.assert_allclose(inner.predict(data, verbose=0), 1 - np.tanh(data) ** 2, rtol=1e-5)
    with pytest.raises(ValueError, match=r"Operation 'jvp(_\d+)?' \(JVP\) cannot be saved"):
        tk.Model(x, tangent).to_json()


@pytest.mark.keras
def test_jvp_model_matches_keras():
    keras = keras_or_skip()
    data = RNG.normal(size=(4, 3)).astype("float32")
    outs = []
    for lib in (tk, keras):
        x = lib.Input((3,))
        out = lib.ops.jvp(lambda a: lib.ops.tanh(a) * lib.ops.exp(-a * a), (x,), (x * 0.5 + 1.0,))
        assert tuple(out[1].shape) == (None, 3)
        outs.append(lib.Model(x, list(out)).predict(data, verbose=0))
    for ours, theirs in zip(*outs):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_grad_create_graph_gives_second_derivatives():
    x = tk.Tensor(np.array([0.3, -1.2]), requires_grad=True)
    (g,) = tk.grad((tk.ops.sin(x) * x).sum(), [x], create_graph=True)
    (h,) = tk.grad(g.sum(), [x])
    np.testing.assert_allclose(h.numpy(), 2 * np.cos(x.numpy()) - x.numpy() * np.sin(x.numpy()))


IMAGE = RNG.uniform(0, 1, size=(2, 9, 8, 2)).astype("float32")


def test_elastic_transform_is_seeded_and_keeps_what_it_must():
    et = tk.ops.image.elastic_transform
    a, b = et(IMAGE, alpha=3.0, sigma=1.0, seed=5), et(IMAGE, alpha=3.0, sigma=1.0, seed=5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), et(IMAGE, alpha=3.0, sigma=1.0, seed=6).numpy())
    assert not np.allclose(a.numpy(), IMAGE)
    for mode in ("reflect", "constant", "nearest", "wrap", "mirror"):
        np.testing.assert_array_equal(et(IMAGE, alpha=0.0, fill_mode=mode, seed=1).numpy(), IMAGE)
    flat = np.full((5, 6, 1), 0.25, "float32")  # a flat image stays flat wherever pixels come from
    np.testing.assert_allclose(et(flat, alpha=8.0, sigma=1.0, fill_mode="nearest", seed=2).numpy(), flat, atol=1e-7)
    cf = et(np.moveaxis(IMAGE, -1, 1), alpha=3.0, sigma=1.0, seed=5, data_format="channels_first")
    np.testing.assert_allclose(np.moveaxis(cf.numpy(), 1, -1), a.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="interpolation"):
        et(IMAGE, interpolation="bicubic")
    tk.testing.check_gradients(lambda x: et(x, alpha=2.0, sigma=1.0, seed=3), [IMAGE[:1, :5, :4].astype("float64")],
                               name="elastic_transform")


@pytest.mark.keras
@pytest.mark.parametrize("interpolation,fill_mode", [("bilinear", "reflect"), ("nearest", "constant"),
                                                     ("bilinear", "wrap")])
def test_elastic_transform_builds_keras_displacement(interpolation, fill_mode):
    """Keras (torch) draws its noise unseeded: the same construction, through
    Keras's own gaussian_blur and map_coordinates, on our noise."""
    keras = keras_or_skip()
    K = keras.ops
    alpha, sigma, seed = 4.0, 1.2, 11
    got = tk.ops.image.elastic_transform(IMAGE, alpha, sigma, interpolation, fill_mode, 0.5, seed=seed).numpy()
    b, h, w, c = IMAGE.shape
    noise = tk.random.normal((2, b, h, w, 1), seed=seed).numpy() * sigma
    size = int(6 * sigma) | 1
    dx, dy = [K.convert_to_numpy(K.image.gaussian_blur(noise[k], (size, size), (sigma, sigma),
                                                       data_format="channels_last"))[..., 0] for k in (0, 1)]
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    want = np.stack([np.stack([K.convert_to_numpy(K.image.map_coordinates(
        IMAGE[i, ..., ch], [ys + alpha * dy[i], xs + alpha * dx[i]], int(interpolation == "bilinear"),
        fill_mode, 0.5)) for ch in range(c)], -1) for i in range(b)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
