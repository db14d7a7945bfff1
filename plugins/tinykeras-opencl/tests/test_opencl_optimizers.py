"""Fused in-place optimizer updates against the core's formulas, step by step in NumPy."""
import numpy as np
import pytest
from opencl_helpers import assert_same

import tinykeras_opencl as tko
from tinykeras_opencl.optimizers import adam_update, sgd_update

pytestmark = pytest.mark.opencl


def _arrays(rng, n, shape=(3, 5), dtype=np.float32):
    arrays = [rng.standard_normal(shape).astype(dtype) for _ in range(n)]
    return arrays, [tko.asarray(a) for a in arrays]


@pytest.mark.parametrize("slots, nesterov", [(0, False), (1, False), (1, True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_update_in_place(slots, nesterov, dtype, rng):
    (w, g, *m), (dw, dg, *dm) = _arrays(rng, 2 + slots, dtype=dtype)
    out = sgd_update(dw, dg, *dm, learning_rate=0.1, momentum=0.9, nesterov=nesterov)
    assert out is dw
    step = g * dtype(0.1)
    if m:
        m[0] = m[0] * dtype(0.9) - step
        w = w + (m[0] * dtype(0.9) - step if nesterov else m[0])
        assert_same(tko.to_numpy(dm[0]), m[0])
    else:
        w = w - step
    assert_same(tko.to_numpy(dw), w)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_update_in_place(amsgrad, rng):
    (w, g, m, v, vh), (dw, dg, dm, dv, dvh) = _arrays(rng, 5)
    v, vh = np.abs(v), np.abs(vh)
    dv, dvh = tko.asarray(v), tko.asarray(vh)
    extra = (dvh,) if amsgrad else ()
    for _ in range(3):  # repeated steps stay in step with NumPy
        adam_update(dw, dg, dm, dv, *extra, alpha=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
        m = m + (g - m) * np.float32(1 - 0.9)
        v = v + (g * g - v) * np.float32(1 - 0.999)
        vv = np.maximum(vh, v) if amsgrad else v
        if amsgrad:
            vh = vv
        w = w - m * np.float32(0.01) / (np.sqrt(vv) + np.float32(1e-7))
    for got, want in [(dw, w), (dm, m), (dv, v)] + ([(dvh, vh)] if amsgrad else []):
        assert_same(tko.to_numpy(got), want, rtol=1e-6)


def test_optimizer_updates_reject_mismatched_slots(rng):
    _, (dw, dg) = _arrays(rng, 2)
    with pytest.raises(ValueError):
        sgd_update(dw, dg, tko.asarray(np.zeros(3, np.float32)), learning_rate=0.1, momentum=0.9)
