"""Optimizers: Keras 3's update formulas (checked against NumPy references and,
when installed, real Keras), the fused in-place kernels against their
composites, schedules, clipping, weight decay, state and config."""
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import optimizers
from tinykeras.numpy_plugin import numpy_optimizers
from tinykeras.core import registry
from tinykeras.ops import optimizer_ops

RNG = np.random.default_rng(0)
SHAPES = [(4, 3), (3,)]
W0 = [RNG.standard_normal(s).astype(np.float32) for s in SHAPES]
GRADS = [[RNG.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(5)]


# -- NumPy references: Keras 3's formulas, in float64 --------------------------
def ref_sgd(w, gs, lr=0.01, momentum=0.0, nesterov=False):
    m = np.zeros_like(w)
    for g in gs:
        if momentum:
            m = momentum * m - lr * g
            w = w + (momentum * m - lr * g if nesterov else m)
        else:
            w = w - lr * g
    return w


def ref_adam(w, gs, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=None):
    m, v, vh = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, 1):
        if wd:
            w = w - w * wd * lr
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        vh = np.maximum(vh, v)
        w = w - alpha * m / (np.sqrt(vh if amsgrad else v) + eps)
    return w


def ref_rmsprop(w, gs, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    v, mom, avg = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        v = rho * v + (1 - rho) * g * g
        avg = rho * avg + (1 - rho) * g
        inc = lr * g / np.sqrt((v - avg * avg if centered else v) + eps)
        if momentum:
            mom = momentum * mom + inc
            inc = mom
        w = w - inc
    return w


def ref_adagrad(w, gs, lr=0.001, init=0.1, eps=1e-7):
    acc = np.full_like(w, init)
    for g in gs:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
    return w


def ref_adadelta(w, gs, lr=0.001, rho=0.95, eps=1e-7):
    eg, ed = np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        eg = rho * eg + (1 - rho) * g * g
        delta = -np.sqrt(ed + eps) / np.sqrt(eg + eps) * g
        ed = rho * ed + (1 - rho) * delta * delta
        w = w + lr * delta
    return w


def ref_adamax(w, gs, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, 1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
    return w


def ref_nadam(w, gs, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, v, u_prod = np.zeros_like(w), np.zeros_like(w), 1.0
    for t, g in enumerate(gs, 1):
        u_t, u_t1 = b1 * (1 - 0.5 * 0.96 ** t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_prod = u_prod * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_t1 * m / (1 - u_prod * u_t1) + (1 - u_t) * g / (1 - u_prod)
        w = w - lr * m_hat / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return w


def ref_lion(w, gs, lr=0.001, b1=0.9, b2=0.99):
    m = np.zeros_like(w)
    for g in gs:
        w = w - lr * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
    return w


CASES = [
    ("SGD", {}, ref_sgd, {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}, ref_sgd, {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}, ref_sgd,
     {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
    ("Adam", {}, ref_adam, {}),
    ("Adam", {"learning_rate": 0.05, "amsgrad": True}, ref_adam, {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.05}, ref_adam, {"lr": 0.05, "wd": 0.004}),
    ("RMSprop", {}, ref_rmsprop, {}),
    ("RMSprop", {"momentum": 0.5, "centered": True, "learning_rate": 0.01}, ref_rmsprop,
     {"momentum": 0.5, "centered": True, "lr": 0.01}),
    ("Adagrad", {"learning_rate": 0.1}, ref_adagrad, {"lr": 0.1}),
    ("Adadelta", {"learning_rate": 1.0}, ref_adadelta, {"lr": 1.0}),
    ("Adamax", {"learning_rate": 0.01}, ref_adamax, {"lr": 0.01}),
    ("Nadam", {"learning_rate": 0.01}, ref_nadam, {"lr": 0.01}),
    ("Lion", {"learning_rate": 0.01}, ref_lion, {"lr": 0.01}),
]
OPS = ("sgd_update", "adam_update", "rmsprop_update", "adagrad_update", "adadelta_update",
       "adamax_update", "nadam_update", "lion_update", "decay_weights")


def run(name, kwargs, steps=GRADS):
    opt = getattr(optimizers, name)(**kwargs)
    vs = [tk.Variable(w.copy(), name=f"w{i}") for i, w in enumerate(W0)]
    for gs in steps:
        opt.apply_gradients(zip([tk.Tensor(g) for g in gs], vs))
    return opt, vs


@pytest.fixture(params=["fused", "composite"])
def mode(request, monkeypatch):
    """Run each test with the NumPy fused kernels, then with the composites only."""
    if request.param == "composite":
        for op in OPS:
            monkeypatch.delitem(registry.ACTIVE, op)
    return request.param


@pytest.mark.parametrize("name,kwargs,ref,ref_kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_numpy_reference(name, kwargs, ref, ref_kwargs, mode):
    opt, vs = run(name, kwargs)
    for i, v in enumerate(vs):
        expected = ref(W0[i].astype(np.float64), [g[i].astype(np.float64) for g in GRADS], **ref_kwargs)
        np.testing.assert_allclose(v.numpy(), expected, rtol=2e-5, atol=2e-6)
    assert int(opt.iterations) == len(GRADS)


@pytest.mark.parametrize("op", OPS)
def test_fused_kernel_equals_composite(op):
    opdef = registry.OPS[op]
    for inputs, params in opdef.sample(np.random.default_rng(3)):
        fused_in = [a.copy() for a in inputs]
        out = numpy_optimizers.KERNELS[op](*fused_in, **params)
        assert out is fused_in[0] and np.isfinite(out).all()  # the updated weight array itself
        comp_in = [tk.Variable(a.copy()) for a in inputs]
        with tk.no_grad():
            comp_out = opdef.composite(*comp_in, **params)
        np.testing.assert_allclose(out, comp_out.numpy(), rtol=1e-6, atol=1e-7)
        for fused, var in zip(fused_in, comp_in):  # slots too
            np.testing.assert_allclose(fused, var.numpy(), rtol=1e-6, atol=1e-7)


def test_hand_computed_first_steps():
    # Adam's first step is lr * g / (|g| + eps / sqrt(1 - b2)) ~= lr * sign(g)
    w = tk.Variable([1.0, 1.0])
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply([tk.Tensor([0.5, -2.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.9, 1.1], atol=1e-5)
    # RMSprop: 1 - 0.1 * 1 / sqrt(0.1 * 1 + 1e-7)
    w = tk.Variable([1.0])
    optimizers.RMSprop(learning_rate=0.1).apply([tk.Tensor([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [1 - 0.1 / np.sqrt(0.1 + 1e-7)], rtol=1e-6)
    # SGD momentum 0.9, lr 0.1, g = 1 twice: m = -0.1 then -0.19 -> w = 1 - 0.29
    w = tk.Variable([1.0])
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    for _ in range(2):
        opt.apply([tk.Tensor([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.71], rtol=1e-6)
    np.testing.assert_allclose(opt.momentums[0].numpy(), [-0.19], rtol=1e-6)


def test_updates_in_place_and_never_touch_caller_arrays():
    user = np.ones(3, np.float32)
    w = tk.Variable(user)
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply([tk.Tensor(np.ones(3, np.float32))], [w])
    np.testing.assert_array_equal(user, 1.0)  # the caller's array is untouched
    buf = w.data
    opt.apply([tk.Tensor(np.ones(3, np.float32))], [w])
    assert w.data is buf  # later steps write into the same buffer
    assert w.numpy()[0] < 0.9
    shared = np.zeros(3, np.float32)
    w.assign(shared)  # assign() shares the array; the next step must copy it
    opt.apply([tk.Tensor(np.ones(3, np.float32))], [w])
    np.testing.assert_array_equal(shared, 0.0)


def test_scalar_variables_update():
    for name in ("SGD", "Adam", "RMSprop", "Lion"):
        w = tk.Variable(1.0)
        w.data = np.float32(1.0)  # a NumPy scalar (what 0-d ufunc results are) becomes a buffer
        getattr(optimizers, name)(learning_rate=0.1).apply([tk.Tensor(np.float32(2.0))], [w])
        assert w.numpy().shape == () and float(w.numpy()) < 0.95, name


def test_slot_names_variables_and_iterations():
    w = tk.Variable(np.ones((2, 2), np.float32), name="kernel")
    w.path = "dense/kernel"
    opt = optimizers.Adam(name="adam")
    opt.build([w])
    paths = [v.path for v in opt.variables]
    assert paths == ["adam/iteration", "adam/learning_rate", "adam/dense_kernel_momentum",
                     "adam/dense_kernel_velocity"]
    assert opt.iterations.dtype == "int64" and not opt.iterations.trainable
    opt.apply([tk.Tensor(np.ones((2, 2), np.float32))])
    assert int(opt.iterations) == 1
    assert len(optimizers.Nadam().variables) == 2


def test_learning_rate_property_and_setter():
    opt = optimizers.SGD(learning_rate=0.5)
    assert float(opt.learning_rate) == 0.5
    opt.learning_rate = 0.25
    assert float(opt.learning_rate) == 0.25
    w = tk.Variable([1.0])
    opt.apply([tk.Tensor([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.75])
    assert opt.get_config()["learning_rate"] == 0.25
    sched = optimizers.SGD(learning_rate=optimizers.schedules.ExponentialDecay(1.0, 1, 0.5))
    with pytest.raises(TypeError):
        sched.learning_rate = 0.1


def test_schedule_is_evaluated_per_step():
    opt = optimizers.SGD(learning_rate=optimizers.schedules.PiecewiseConstantDecay([1], [1.0, 0.1]))
    w = tk.Variable([0.0])
    for _ in range(3):  # steps 0 and 1 use 1.0, step 2 uses 0.1
        opt.apply([tk.Tensor([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [-2.1], rtol=1e-6)
    assert float(opt.learning_rate) == pytest.approx(0.1)


def test_schedules_values():
    s = optimizers.schedules
    assert float(s.ExponentialDecay(0.1, 10, 0.5)(5)) == pytest.approx(0.1 * 0.5 ** 0.5, rel=1e-6)
    assert float(s.ExponentialDecay(0.1, 10, 0.5, staircase=True)(15)) == pytest.approx(0.05)
    assert float(s.InverseTimeDecay(1.0, 2, 0.5)(4)) == pytest.approx(0.5)
    assert float(s.PolynomialDecay(1.0, 10, 0.0, power=2.0)(5)) == pytest.approx(0.25)
    assert float(s.PolynomialDecay(1.0, 10, 0.0)(50)) == pytest.approx(0.0)
    assert float(s.PolynomialDecay(1.0, 10, 0.0, cycle=True)(15)) == pytest.approx(0.25)
    assert float(s.CosineDecay(1.0, 10, alpha=0.2)(5)) == pytest.approx(0.6)
    warm = s.CosineDecay(0.0, 10, warmup_target=2.0, warmup_steps=4)
    assert [float(warm(k)) for k in (2, 4, 14)] == pytest.approx([1.0, 2.0, 0.0], abs=1e-6)
    sgdr = s.CosineDecayRestarts(1.0, 4, t_mul=2.0, m_mul=0.5)
    assert [float(sgdr(k)) for k in (0, 2, 4, 8)] == pytest.approx([1.0, 0.5, 0.5, 0.25], abs=1e-6)
    for sched in (s.ExponentialDecay(0.1, 3, 0.9), sgdr, warm):
        again = s.deserialize(s.serialize(sched))
        assert type(again) is type(sched) and again.get_config() == sched.get_config()


def test_clipping():
    g = np.array([3.0, 4.0], np.float32)
    for kwargs, expected in [({"clipnorm": 1.0}, [-0.6, -0.8]), ({"clipvalue": 0.5}, [-0.5, -0.5]),
                             ({"global_clipnorm": 2.5}, [-1.5, -2.0]), ({"clipnorm": 10.0}, [-3.0, -4.0])]:
        w = tk.Variable([0.0, 0.0])
        optimizers.SGD(learning_rate=1.0, **kwargs).apply([tk.Tensor(g)], [w])
        np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_and_exclusion():
    a, b = tk.Variable([1.0], name="kernel"), tk.Variable([1.0], name="bias")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([tk.Tensor([0.0]), tk.Tensor([0.0])], [a, b])
    np.testing.assert_allclose(a.numpy(), [0.95])  # w - w * wd * lr
    np.testing.assert_allclose(b.numpy(), [1.0])


def test_constraint_applied_after_update():
    w = tk.Variable([0.5, -0.5], constraint=tk.constraints.NonNeg())
    optimizers.SGD(learning_rate=1.0).apply([tk.Tensor([1.0, 1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])


def test_missing_gradients_warn_and_are_skipped():
    a, b = tk.Variable([1.0]), tk.Variable([1.0])
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizers.SGD(learning_rate=1.0).apply([tk.Tensor([1.0]), None], [a, b])
    assert a.numpy()[0] == 0.0 and b.numpy()[0] == 1.0
    with pytest.raises(ValueError, match="No gradients"):
        optimizers.SGD().apply([None], [a])


def test_loss_scale_accumulation_and_ema():
    w = tk.Variable([0.0])
    optimizers.SGD(learning_rate=1.0, loss_scale_factor=4.0).apply([tk.Tensor([8.0])], [w])
    np.testing.assert_allclose(w.numpy(), [-2.0])
    w = tk.Variable([0.0])
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=2)
    opt.apply([tk.Tensor([1.0])], [w])
    assert w.numpy()[0] == 0.0  # accumulated, not applied
    opt.apply([tk.Tensor([3.0])], [w])
    np.testing.assert_allclose(w.numpy(), [-2.0])  # mean of the two gradients
    w = tk.Variable([0.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(2):
        opt.apply([tk.Tensor([-1.0])], [w])  # w: 1, 2; average: 1, 1.5
    opt.finalize_variable_values([w])
    np.testing.assert_allclose(w.numpy(), [1.5])


def test_get_and_config_round_trip():
    for name in ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion",
                 "Adam", "RMSProp", "SGD"):
        assert isinstance(optimizers.get(name), optimizers.Optimizer)
    with pytest.raises(ValueError, match="Valid names:.*adam"):
        optimizers.get("adamm")
    opt = optimizers.RMSprop(learning_rate=0.01, rho=0.8, centered=True, clipnorm=2.0)
    again = optimizers.deserialize(optimizers.serialize(opt))
    cfg, cfg2 = opt.get_config(), again.get_config()
    cfg.pop("name"), cfg2.pop("name")
    assert cfg == cfg2 and cfg["rho"] == 0.8 and cfg["clipnorm"] == 2.0
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(bogus=1)


def test_state_save_and_load():
    opt, vs = run("Adam", {"learning_rate": 0.01}, GRADS[:2])
    store = {}
    opt.save_own_variables(store)
    opt2, vs2 = run("Adam", {"learning_rate": 0.01}, GRADS[:1])
    opt2.load_own_variables(store)
    for v, v2 in zip(vs, vs2):
        v2.assign(v.numpy().copy())
    for opt_, vs_ in ((opt, vs), (opt2, vs2)):
        opt_.apply_gradients(zip([tk.Tensor(g) for g in GRADS[2]], vs_))
    for v, v2 in zip(vs, vs2):
        np.testing.assert_array_equal(v.numpy(), v2.numpy())


# -- real Keras 3 (torch backend), when installed -------------------------------
def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("keras")


KERAS_CASES = [(c[0], c[1]) for c in CASES] + [
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}), ("Adam", {"weight_decay": 0.1, "learning_rate": 0.01}),
    ("RMSprop", {"centered": True}), ("Adam", {"global_clipnorm": 1.0}),
    ("Adam", {"use_ema": True, "ema_overwrite_frequency": 3}), ("Adam", {"gradient_accumulation_steps": 2}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.05, "learning_rate_power": -0.7, "l1_regularization_strength": 0.1,
              "l2_regularization_strength": 0.2, "l2_shrinkage_regularization_strength": 0.05,
              "beta": 0.3}),
    ("Lamb", {"learning_rate": 0.01}), ("Lamb", {"weight_decay": 0.1, "beta_1": 0.8}),
    ("Adafactor", {"learning_rate": 0.1}),
    ("Adafactor", {"learning_rate": 0.01, "relative_step": False, "clip_threshold": 0.5,
                   "beta_2_decay": -0.5, "epsilon_2": 0.01}),
    ("Adafactor", {"learning_rate": 0.5})]   # lr capped at 1/sqrt(t) from step 5


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)])
def test_matches_keras(name, kwargs):
    keras = _keras()
    kopt = getattr(keras.optimizers, name)(**kwargs)
    kvars = [keras.Variable(w.copy()) for w in W0]
    for gs in GRADS:
        kopt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in gs], kvars))
    opt, vs = run(name, kwargs)
    for kv, v in zip(kvars, vs):
        np.testing.assert_allclose(v.numpy(), keras.ops.convert_to_numpy(kv), rtol=1e-5, atol=1e-6)
    kstate = [keras.ops.convert_to_numpy(v) for v in kopt.variables]
    assert len(kstate) == len(opt.variables)
    for ks, v in zip(kstate, opt.variables):
        np.testing.assert_allclose(v.numpy(), ks, rtol=1e-5, atol=1e-6)
    kcfg = kopt.get_config()
    cfg = opt.get_config()
    assert set(kcfg) == set(cfg)
    assert cfg["learning_rate"] == pytest.approx(kcfg["learning_rate"])


@pytest.mark.keras
def test_schedules_match_keras():
    keras = _keras()
    ks, ts = keras.optimizers.schedules, optimizers.schedules
    pairs = [("ExponentialDecay", (0.1, 7, 0.6), {"staircase": False}),
             ("PiecewiseConstantDecay", ([3, 9], [1.0, 0.5, 0.1]), {}),
             ("PolynomialDecay", (0.1, 10), {"power": 0.5, "cycle": True}),
             ("InverseTimeDecay", (0.1, 5, 0.3), {"staircase": True}),
             ("CosineDecay", (0.01, 20), {"alpha": 0.1, "warmup_target": 0.1, "warmup_steps": 5}),
             ("CosineDecayRestarts", (0.1, 6), {"t_mul": 1.5, "m_mul": 0.8, "alpha": 0.05})]
    for name, args, kwargs in pairs:
        k, t = getattr(ks, name)(*args, **kwargs), getattr(ts, name)(*args, **kwargs)
        for step in (0, 1, 3, 5, 9, 12, 25, 60):
            assert float(t(step)) == pytest.approx(float(keras.ops.convert_to_numpy(k(step))),
                                                   rel=1e-5, abs=1e-8), (name, step)
        assert t.get_config() == k.get_config()
