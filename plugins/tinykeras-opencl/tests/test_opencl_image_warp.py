"""The image ops that move pixels, ``ops.jvp``, the Fourier transforms,
the factorizations' backward rules, ``nanquantile`` and the weights of
``map_coordinates``, ``scale_and_translate`` and ``perspective_transform``
(differentiable in where pixels come from) are written with ops:
run with backend "opencl" (every op through the plugin's kernels or their
composites) they must agree with the NumPy backend, values and gradients."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry
from tinykeras.testing import isolated_registry

pytestmark = pytest.mark.opencl
R = np.random.default_rng(18)
IMG = R.uniform(0, 1, size=(2, 6, 5, 2)).astype("float32")
CORNERS = np.array([[0, 0], [0, 5], [6, 0], [6, 5]], "float32")
CALLS = [
    ("perspective_transform", (IMG, CORNERS, CORNERS + R.uniform(-0.6, 0.6, (4, 2)).astype("float32")), {}),
    ("elastic_transform", (IMG,), {"alpha": 3.0, "sigma": 1.0, "seed": 4}),
    ("scale_and_translate", (IMG, (2, 4, 7, 2), np.array([0.7, 1.4], "float32"), np.array([0.2, -0.1], "float32"),
                             (1, 2), "cubic"), {}),
    ("extract_patches_3d", (IMG[..., None], (2, 2, 1)), {"strides": 1}),
]


def _run(backend, fn):
    with isolated_registry():
        registry.set_backend(backend)
        return fn()


@pytest.mark.parametrize("name,args,kwargs", CALLS, ids=[c[0] for c in CALLS])
def test_image_op_on_opencl_like_numpy(name, args, kwargs):
    def call():
        x = tk.Tensor(args[0], requires_grad=True)
        out = getattr(tk.ops.image, name)(x, *args[1:], **kwargs)
        (out * out).sum().backward()
        return out.numpy(), x.grad.numpy()
    for got, want in zip(_run("opencl", call), _run("numpy", call)):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, err_msg=name)


@pytest.mark.parametrize("name", ["fft2", "stft", "qr", "svd", "lu_factor", "nanquantile", "map_coordinates",
                                  "scale_and_translate", "perspective_transform"])
def test_fourier_and_factorization_gradients_on_opencl_like_numpy(name):
    x = R.normal(size=(4, 6)).astype("float32")
    if name == "nanquantile":  # NaN values left out, their gradients zero
        x[1, 2] = x[3, 0] = np.nan
    calls = {"fft2": lambda t: tk.ops.fft2((t, t * 0.5)), "stft": lambda t: tk.ops.stft(t, 4, 2, 4),
             "qr": lambda t: tk.ops.qr(t.T), "svd": lambda t: tk.ops.svd(t, full_matrices=False),
             "lu_factor": lambda t: tk.ops.lu_factor(t[:, 1:5])[:1],
             "map_coordinates": lambda t: [tk.ops.image.map_coordinates(IMG[0, ..., 0], t[:2] + 2.0, 1, "reflect")],
             "scale_and_translate": lambda t: [tk.ops.image.scale_and_translate(
                 IMG[0, ..., 0], (4, 7), t[0, :2] * 0.1 + 1.0, t[1, :2] * 0.1, (0, 1), "cubic")],
             "perspective_transform": lambda t: [tk.ops.image.perspective_transform(IMG, CORNERS + t[:, :2] * 0.2,
                                                                                    CORNERS)],
             "nanquantile": lambda t: [tk.ops.nanquantile(t, [0.3, 0.5], axis=1, method=m)
                                       for m in ("linear", "nearest")]}

    def call():
        t = tk.Tensor(x, requires_grad=True)
        outs = calls[name](t)
        sum((o * o).sum() for o in outs[:2]).backward()
        return [o.numpy() for o in outs[:2]] + [t.grad.numpy()]
    for got, want in zip(_run("opencl", call), _run("numpy", call)):
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-4, err_msg=name)


def test_jvp_on_opencl_like_numpy():
    x, t = R.normal(size=(3, 4)).astype("float32"), R.normal(size=(3, 4)).astype("float32")

    def call():
        out, tangent = tk.ops.jvp(lambda a: tk.ops.softmax(tk.ops.tanh(a) * a, axis=-1), (x,), (t,))
        return out.numpy(), tangent.numpy()
    for got, want in zip(_run("opencl", call), _run("numpy", call)):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
