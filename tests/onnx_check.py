"""Shared by the ONNX export tests: run an exported model in ONNX Runtime and
compare it with ``predict`` (<= 1e-5)."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.export import to_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
TOL = dict(rtol=1e-5, atol=1e-5)


def session(proto):
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def run_onnx(model, *xs, **export_kwargs):
    """Outputs of the exported model in ONNX Runtime, fed by input name."""
    sess = session(to_onnx(model, **export_kwargs))
    return sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})


def assert_matches_predict(model, *xs):
    got = run_onnx(model, *xs)
    want = model.predict(list(xs) if len(xs) > 1 else xs[0], verbose=0)
    want = want if isinstance(want, (list, tuple)) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == np.shape(w)
        np.testing.assert_allclose(g, w, **TOL)


def data(*shape, seed=0, dtype="float32"):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def single(layer, shape, dtype="float32"):
    return tk.Sequential([tk.Input(shape, dtype=dtype), layer])


def randomize(model, seed=1):
    """Non-trivial values in every weight (biases, BN statistics, ...)."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) if "variance" in v.path else
                       rng.normal(scale=0.5, size=w.shape).astype(w.dtype)
                       for v, w in zip(model.weights, model.get_weights())])
    return model
