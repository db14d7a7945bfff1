"""Muon, ScheduleFreeAdamW and the wrappers LossScaleOptimizer, MultiOptimizer
(with OptimizerMap): NumPy references in float64, the loss-scaling rules,
dispatch, configs, training in ``fit``, and (``keras`` marker) the same
weights, state and config keys as real Keras 3 and .keras files both ways."""
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import optimizers
import keras_zoo as zoo

RNG = np.random.default_rng(3)
SHAPES = [(4, 3), (3,), (2, 5), (5, 2)]
PATHS = ["dense/kernel", "dense/bias", "embedding/embeddings", "out/kernel"]
W0 = [RNG.standard_normal(s).astype(np.float32) for s in SHAPES]
GRADS = [[RNG.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(6)]


def _variables(lib):
    out = []
    for w, path in zip(W0, PATHS):
        v = lib.Variable(w.copy(), name=path.split("/")[1])
        if lib is tk:
            v.path = path
        else:
            v._path = path   # Keras's path property reads it
        out.append(v)
    return out


def _run(lib, make, steps=GRADS, poison=None):
    """``make(lib)`` applied to ``steps`` (step ``poison`` made infinite); NumPy weights and state."""
    opt, vs = make(lib), _variables(lib)
    convert = tk.Tensor if lib is tk else lib.ops.convert_to_tensor
    for t, gs in enumerate(steps):
        gs = [g * np.float32(np.inf if t == poison else 1) for g in gs]
        opt.apply_gradients(zip([convert(g) for g in gs], vs))
    as_np = (lambda v: np.asarray(v.numpy())) if lib is tk else lib.ops.convert_to_numpy
    return [as_np(v) for v in vs], [np.asarray(as_np(v)) for v in opt.variables], opt


# -- NumPy references (float64) -----------------------------------------------
def _adam(w, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-7):
    m += (g - m) * (1 - b1)
    v += (g * g - v) * (1 - b2)
    return w - m * lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) / (np.sqrt(v) + eps)


def _newton_schulz(x, steps=5, a=3.4445, b=-4.7750, c=2.0315):
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def ref_muon(lr=0.05, wd=0.004, adam_wd=0.004, momentum=0.95, nesterov=True, rms_rate=0.2,
             exclude=("out",), adam_lr_ratio=1.0):
    ws = [w.astype(np.float64) for w in W0]
    ms, vs = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws]
    for t, gs in enumerate(GRADS, 1):
        for i, (path, g) in enumerate(zip(PATHS, gs)):
            adam = ws[i].ndim != 2 or "embedding" in path or any(e in path for e in exclude)
            ws[i] = ws[i] - ws[i] * (adam_wd if adam else wd) * lr
            if adam:
                ws[i] = _adam(ws[i], g, ms[i], vs[i], t, lr * adam_lr_ratio)
                continue
            ms[i] = momentum * ms[i] + g
            u = _newton_schulz(g + momentum * ms[i] if nesterov else ms[i])
            ws[i] = ws[i] - lr * u * (np.sqrt(max(u.shape)) * rms_rate if rms_rate else 1.0)
    return ws


def ref_schedule_free(lr=0.05, b1=0.9, b2=0.999, eps=1e-8, warmup=0, wd=None):
    ys = [w.astype(np.float64) for w in W0]
    zs, vs = [y.copy() for y in ys], [np.zeros_like(y) for y in ys]
    for t, gs in enumerate(GRADS, 1):
        step_lr = lr * min(t / warmup, 1.0) if warmup else lr
        for i, g in enumerate(gs):
            if wd:
                ys[i] = ys[i] - ys[i] * wd * lr
            vs[i] += (g * g - vs[i]) * (1 - b2)
            zs[i] = zs[i] - step_lr * g / (np.sqrt(vs[i] / (1 - b2 ** t)) + eps)
            ys[i] = (1 - 1 / t) * ys[i] + zs[i] / t   # Keras's x from the updated z: a running mean
    return ys


REFERENCES = [
    (lambda lib: lib.optimizers.Muon(learning_rate=0.05, exclude_layers=["out"]), ref_muon, {}),
    (lambda lib: lib.optimizers.Muon(learning_rate=0.05, nesterov=False, rms_rate=None, weight_decay=0.1,
                                     adam_lr_ratio=0.5),
     ref_muon, dict(nesterov=False, rms_rate=None, wd=0.1, exclude=(), adam_lr_ratio=0.5)),
    (lambda lib: lib.optimizers.ScheduleFreeAdamW(learning_rate=0.05), ref_schedule_free, {}),
    (lambda lib: lib.optimizers.ScheduleFreeAdamW(learning_rate=0.05, warmup_steps=3, weight_decay=0.1,
                                                  beta_1=0.8),
     ref_schedule_free, dict(warmup=3, wd=0.1, b1=0.8)),
]


@pytest.mark.parametrize("make,ref,kwargs", REFERENCES, ids=["muon", "muon-options", "sf", "sf-options"])
def test_matches_numpy_reference(make, ref, kwargs):
    got, _, _ = _run(tk, make)
    for g, want in zip(got, ref(**kwargs)):
        np.testing.assert_allclose(g, want, rtol=2e-5, atol=2e-6)


def test_newton_schulz_orthogonalizes():
    x = tk.Tensor(RNG.standard_normal((3, 6)).astype(np.float32))
    u = tk.optimizers.Muon(ns_steps=10).zeropower_via_newtonschulz5(x, 10).numpy()
    singular = np.linalg.svd(u, compute_uv=False)
    assert singular.min() > 0.6 and singular.max() < 1.2   # Keras's quintic lands near, not at, 1
    np.testing.assert_allclose(u, _newton_schulz(x.numpy().astype(np.float64), 10), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        tk.optimizers.Muon().zeropower_via_newtonschulz5(tk.Tensor([1.0, 2.0]), 5)


def test_variables_follow_keras_order():
    _, _, muon = _run(tk, lambda lib: lib.optimizers.Muon(name="muon"), GRADS[:1])
    assert [v.path for v in muon.variables] == [
        "muon/iteration", "muon/learning_rate", "muon/dense_kernel_momentum",
        "muon/dense_bias_momentum", "muon/dense_bias_velocity", "muon/embedding_embeddings_momentum",
        "muon/embedding_embeddings_velocity", "muon/out_kernel_momentum"]
    _, _, sf = _run(tk, lambda lib: lib.optimizers.ScheduleFreeAdamW(name="sf"), [])
    sf.build(_variables(tk))
    assert [v.path.split("/")[1] for v in sf.variables][:4] == [
        "iteration", "learning_rate", "dense_kernel_momentum", "dense_kernel_velocity"]
    np.testing.assert_array_equal(sf.variables[2].numpy(), W0[0])   # z starts at the weights


# -- LossScaleOptimizer ---------------------------------------------------------
def test_loss_scale_grows_halves_and_skips_non_finite_steps():
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(1.0), initial_scale=4.0, dynamic_growth_steps=2)
    w = tk.Variable([1.0, 2.0])
    seen = []
    for g in ([4.0, 8.0], [4.0, 8.0], [np.nan, 1.0], [2.0, np.inf], [1.0, 1.0]):
        before = w.numpy().copy()
        opt.apply([tk.Tensor(np.array(g, np.float32))], [w])
        seen.append((float(opt.dynamic_scale.numpy()), int(opt.step_counter.numpy()),
                     (before - w.numpy()).tolist(), int(opt.iterations.numpy())))
    assert seen == [(4.0, 1, [1.0, 2.0], 1), (8.0, 0, [1.0, 2.0], 2),   # grown after 2 finite steps
                    (4.0, 0, [0.0, 0.0], 2), (2.0, 0, [0.0, 0.0], 2),   # skipped, halved
                    (2.0, 1, [0.5, 0.5], 3)]
    assert float(opt.scale_loss(tk.Tensor(3.0)).numpy()) == 6.0
    assert optimizers.LossScaleOptimizer(optimizers.SGD()).scale_loss(1.0) == 2.0 ** 15
    assert [v.path for v in opt.variables][:4] == [
        f"{opt.name}/iteration", f"{opt.name}/learning_rate", f"{opt.name}/step_counter",
        f"{opt.name}/dynamic_scale"]
    opt.learning_rate = 0.5
    assert float(opt.inner_optimizer.learning_rate.numpy()) == 0.5


def test_loss_scale_arguments_and_config():
    inner = optimizers.Adam(0.01, loss_scale_factor=8.0)
    opt = optimizers.LossScaleOptimizer(inner, initial_scale=16.0, dynamic_growth_steps=5)
    assert inner.loss_scale_factor is None
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again.inner_optimizer) is optimizers.Adam
    assert again.get_config()["inner_optimizer"]["config"]["learning_rate"] == pytest.approx(0.01)
    assert (again.initial_scale, again.dynamic_growth_steps) == (16.0, 5)
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=None, use_ema=False)  # old files' defaults
    with pytest.raises(ValueError, match="does not support arguments: `bogus`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), bogus=1)
    with pytest.raises(TypeError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("adam")


def _fit(optimizer, x, y, epochs=2):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(4, name="dense"), tk.layers.Dense(1, name="out")])
    model.set_weights([np.full(w.shape, 0.1 * (i + 1), np.float32) for i, w in enumerate(model.get_weights())])
    model.compile(optimizer, "mse")
    history = model.fit(x, y, batch_size=4, epochs=epochs, verbose=0, shuffle=False)
    return model, history


def test_loss_scale_in_fit_trains_as_the_inner_optimizer():
    x = RNG.standard_normal((12, 3)).astype(np.float32)
    y = RNG.standard_normal((12, 1)).astype(np.float32)
    plain, _ = _fit(optimizers.Adam(0.01), x, y)
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.01), dynamic_growth_steps=4)
    scaled, _ = _fit(opt, x, y)
    for a, b in zip(plain.get_weights(), scaled.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert float(opt.dynamic_scale.numpy()) == 2.0 ** 16 and int(opt.iterations.numpy()) == 6
    # a scale that overflows float32 gives infinite gradients: those steps are skipped
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=2.0 ** 127)
    model, history = _fit(opt, x, y * 1e30, epochs=1)
    assert float(opt.dynamic_scale.numpy()) < 2.0 ** 127 and int(opt.iterations.numpy()) < 3
    # loss_scale_factor of a plain optimizer: the loss is scaled, the gradients unscaled
    factor, _ = _fit(optimizers.Adam(0.01, loss_scale_factor=64.0), x, y)
    for a, b in zip(plain.get_weights(), factor.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# -- MultiOptimizer / OptimizerMap ---------------------------------------------------
def test_optimizer_map_matching():
    adam, sgd, rms = optimizers.Adam(name="a"), optimizers.SGD(name="s"), optimizers.RMSprop(name="r")
    table = optimizers.OptimizerMap(rms)
    table["encoder/layer_0/dense"] = adam
    table["encoder/.*"] = sgd
    table["decoder"] = adam
    assert [table[k].name for k in ("decoder", "encoder/layer_0/dense", "encoder/x/query",
                                    "decoder/layer_0/dense")] == ["a", "a", "s", "r"]
    assert len(table) == 3 and set(table) == {"encoder/layer_0/dense", "encoder/.*", "decoder"}
    table["enc.*"] = rms
    with pytest.raises(ValueError, match="Multiple optimizers"):
        table["encoder/y"]
    with pytest.raises(ValueError, match="already exists"):
        table["decoder"] = sgd
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer|inside an MultiOptimizer"):
        table["x"] = optimizers.LossScaleOptimizer(sgd)
    with pytest.raises(TypeError, match="default_optimizer"):
        optimizers.OptimizerMap("sgd")


def test_multi_optimizer_dispatches_each_variable_to_its_optimizer():
    sgd, adam = optimizers.SGD(0.1), optimizers.Adam(0.1)
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {".*bias": adam}), name="multi")
    vs = _variables(tk)
    for gs in GRADS[:2]:
        multi.apply([tk.Tensor(g) for g in gs], vs)
    assert [o.name for o in multi.optimizers] == [adam.name, sgd.name]
    assert int(multi.iterations.numpy()) == 2 and int(sgd.iterations.numpy()) == 2
    want = [W0[i] - 0.1 * (GRADS[0][i] + GRADS[1][i]) for i in (0, 2, 3)]
    for i, w in zip((0, 2, 3), want):
        np.testing.assert_allclose(vs[i].numpy(), w, rtol=1e-6, atol=1e-6)
    ref = tk.Variable(W0[1].copy())
    alone = optimizers.Adam(0.1)
    for gs in GRADS[:2]:
        alone.apply([tk.Tensor(gs[1])], [ref])
    np.testing.assert_array_equal(vs[1].numpy(), ref.numpy())
    assert len(multi.variables) == 2 + len(adam.variables) + len(sgd.variables) == 2 + 4 + 2
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate
    with pytest.raises(ValueError, match="one-to-one"):
        multi.apply([tk.Tensor(GRADS[0][0])])
    lone = optimizers.MultiOptimizer(lambda v: optimizers.LossScaleOptimizer(optimizers.SGD()))
    with pytest.raises(ValueError, match="LossScaleOptimizer cannot be used"):
        lone.build(vs)


def test_multi_optimizer_config_state_and_loss_scale():
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1, momentum=0.5), {"dense/.*": optimizers.Adam(0.01)}), loss_scale_factor=4.0)
    assert all(o.loss_scale_factor == 4.0 for o in multi.optimizers)
    again = optimizers.deserialize(optimizers.serialize(multi))
    table = again.get_config()["optimizer_map"]["config"]
    assert table["default_optimizer"]["config"]["momentum"] == 0.5
    assert list(table["optimizer_map"]) == ["dense/.*"] and again.loss_scale_factor == 4.0
    vs = _variables(tk)
    multi.apply([tk.Tensor(g) for g in GRADS[0]], vs)
    store = {}
    multi.save_own_variables(store)
    again.build(_variables(tk))
    again.load_own_variables(store)
    assert [v.numpy().tolist() for v in again.variables] == [v.numpy().tolist() for v in multi.variables]


def test_multi_optimizer_in_fit_and_callbacks():
    x = RNG.standard_normal((12, 3)).astype(np.float32)
    y = RNG.standard_normal((12, 1)).astype(np.float32)
    sgd, adam = optimizers.SGD(0.05), optimizers.Adam(0.01)
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {".*/out/.*": adam}))
    model, history = _fit(multi, x, y)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert [len(o.variables) for o in multi.optimizers] == [2 + 4, 2]   # Adam: out's 2 weights
    assert int(multi.iterations.numpy()) == int(adam.iterations.numpy()) == 6


# -- ScheduleFreeAdamW in fit --------------------------------------------------------
def test_schedule_free_evaluates_the_trained_weights():
    """Keras swaps no weights: ``evaluate`` after ``fit`` uses ``y``, the variables' values."""
    x = RNG.standard_normal((12, 3)).astype(np.float32)
    y = RNG.standard_normal((12, 1)).astype(np.float32)
    model, history = _fit(optimizers.ScheduleFreeAdamW(0.05), x, y, epochs=3)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(float(np.mean((model.predict(x, verbose=0) - y) ** 2)), rel=1e-5)


def test_configs_round_trip_through_the_registry():
    for opt in (optimizers.Muon(exclude_layers=["head"], ns_steps=3, rms_rate=None),
                optimizers.ScheduleFreeAdamW(warmup_steps=4, epsilon=1e-6)):
        again = optimizers.get({"class_name": type(opt).__name__.lower(), "config": opt.get_config()})
        assert type(again) is type(opt) and again.get_config() == opt.get_config()
    assert optimizers.get("muon").momentum == 0.95 and optimizers.get("ScheduleFreeAdamW").epsilon == 1e-8


# -- real Keras 3 ---------------------------------------------------------------------
KERAS_CASES = [
    lambda L: L.optimizers.Muon(learning_rate=0.05),
    lambda L: L.optimizers.Muon(learning_rate=0.05, nesterov=False, exclude_layers=["out"], rms_rate=None,
                                adam_lr_ratio=0.5, weight_decay=0.1, exclude_embeddings=False),
    lambda L: L.optimizers.ScheduleFreeAdamW(learning_rate=0.05),
    lambda L: L.optimizers.ScheduleFreeAdamW(learning_rate=0.05, warmup_steps=3, weight_decay=0.1, beta_1=0.8),
    lambda L: L.optimizers.LossScaleOptimizer(L.optimizers.Adam(0.05), initial_scale=4.0,
                                              dynamic_growth_steps=2),
    lambda L: L.optimizers.MultiOptimizer(L.optimizers.OptimizerMap(
        L.optimizers.SGD(0.1, momentum=0.9), {".*bias": L.optimizers.Adam(0.05),
                                              "out/.*": L.optimizers.Muon(0.05)})),
]


@pytest.mark.keras
@pytest.mark.parametrize("make", KERAS_CASES, ids=["muon", "muon-options", "sf", "sf-options", "lso", "multi"])
@pytest.mark.parametrize("poison", [None, 2], ids=["finite", "inf-step"])
def test_matches_keras(make, poison):
    """Same weights (max difference 1.8e-6 measured: Muon's float32 Newton-Schulz),
    same state variables and config keys as Keras 3.15 (torch)."""
    keras = zoo.keras_or_skip()
    if poison is not None and "LossScale" not in repr(make(tk)):
        pytest.skip("only a LossScaleOptimizer survives an infinite gradient")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k_weights, k_state, k_opt = _run(keras, make, poison=poison)
    weights, state, opt = _run(tk, make, poison=poison)
    for got, want in zip(weights, k_weights):
        np.testing.assert_allclose(got, want, rtol=0, atol=5e-6)
    assert len(state) == len(k_state)
    for got, want in zip(state, k_state):
        assert got.shape == want.shape
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=1e-5, atol=5e-6)
    assert set(opt.get_config()) == set(k_opt.get_config())


@pytest.mark.keras
@pytest.mark.parametrize("make", [KERAS_CASES[4], KERAS_CASES[0], KERAS_CASES[2], lambda L: L.optimizers.MultiOptimizer(
    L.optimizers.OptimizerMap(L.optimizers.SGD(0.1, momentum=0.9), {".*bias": L.optimizers.Adam(0.01)}))],
    ids=["lso", "muon", "sf", "multi"])
def test_keras_files_carry_the_optimizer_state_both_ways(make, tmp_path):
    """Train one epoch, save .keras, train on in the other library: the same
    weights as training on where it started."""
    pytest.importorskip("h5py")
    keras = zoo.keras_or_skip()
    x = RNG.standard_normal((16, 6)).astype(np.float32)
    y = RNG.standard_normal((16, 3)).astype(np.float32)
    for lib, other in ((tk, keras), (keras, tk)):
        model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(5, name="dense"),
                                lib.layers.Dense(3, name="out")])
        model.compile(make(lib), "mse")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        path = str(tmp_path / f"{lib.__name__}.keras")
        model.save(path)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)   # no "skipping the optimizer state"
            moved = other.models.load_model(path)
        assert type(moved.optimizer).__name__ == type(model.optimizer).__name__
        for m in (model, moved):
            m.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        for a, b in zip(moved.get_weights(), model.get_weights()):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-5)
