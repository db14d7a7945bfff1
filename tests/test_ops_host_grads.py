"""Gradients of ops that used to be computed on the host with none
(``nanquantile`` and what builds on it, ``ctc_decode``'s scores,
``nextafter``, ``linspace``/``logspace``/``geomspace`` of tensor ends,
``map_coordinates`` in its coordinates, ``scale_and_translate`` in its
scale and translation, ``perspective_transform`` in its corner points),
against float64 finite differences and against Keras's (torch backend,
``torch.autograd``)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_zoo import keras_or_skip
from tinykeras.testing import check_gradients

RNG = np.random.default_rng(1818)
X = RNG.normal(size=(3, 4, 5))
X[0, 1, 2] = X[2, 3, 0] = np.nan
X[1, :, 3] = np.nan  # a column with every value NaN along axis 1
METHODS = ("linear", "lower", "higher", "midpoint", "nearest")
QUANTILES = [  # (axis, q, method, keepdims): no slice along these axes is all NaN (finite differences of NaN)
    *[(axis, q, m, False) for axis in (-1, (0, 2)) for q in (0.3, [0.1, 0.5, 0.9]) for m in METHODS],
    (None, [0.25, 0.8], "linear", True), (2, 0.5, "nearest", True), (0, [0.2, 0.6], "midpoint", False),
]


@pytest.mark.parametrize("axis,q,method,keepdims", QUANTILES)
def test_nanquantile_matches_numpy_and_finite_differences(axis, q, method, keepdims):
    got = tk.ops.nanquantile(X, q, axis=axis, method=method, keepdims=keepdims).numpy()
    np.testing.assert_allclose(got, np.nanquantile(X, q, axis=axis, method=method, keepdims=keepdims), rtol=1e-12)
    check_gradients(lambda t: tk.ops.nanquantile(t, q, axis=axis, method=method, keepdims=keepdims), [X],
                    name=f"nanquantile {axis} {q} {method}")


def test_nanquantile_gives_nan_positions_and_all_nan_slices_zero_gradient():
    x = tk.Tensor(X, requires_grad=True)
    out = tk.ops.nanquantile(x, [0.3, 0.7], axis=1)
    assert np.isnan(out.numpy()[:, 1, 3]).all() and np.isfinite(np.delete(out.numpy(), 3, axis=2)).all()
    tk.ops.nansum(out).backward()  # the NaN outputs are left out: every gradient is finite
    grad = x.grad.numpy()
    assert np.isfinite(grad).all() and (grad[np.isnan(X)] == 0).all()
    np.testing.assert_allclose(grad.sum(axis=1)[np.isfinite(X).any(axis=1)], 2.0)  # weights sum to 1 per quantile
    with pytest.raises(ValueError, match=r"nanquantile: q must be in \[0, 1\], got 1.5"):
        tk.ops.nanquantile(X, 1.5)
    with pytest.raises(ValueError, match="nanquantile: unknown method 'cubic'"):
        tk.ops.nanquantile(X, 0.5, method="cubic")


@pytest.mark.parametrize("name,kwargs", [("nanmedian", {"axis": -1}), ("nanmedian", {}),
                                         ("nanpercentile", {"q": [25, 50], "axis": 1, "method": "higher"})])
def test_nanmedian_and_nanpercentile_differentiate(name, kwargs):
    fn = getattr(tk.ops, name)
    ref = getattr(np, name)
    x = X[0]  # no all-NaN slice
    np.testing.assert_allclose(fn(x, **kwargs).numpy(), ref(x, **kwargs), rtol=1e-12)
    check_gradients(lambda t: fn(t, **kwargs), [x], name=name)


@pytest.mark.keras
@pytest.mark.parametrize("name,args,kwargs", [
    ("nanquantile", ([0.25, 0.5, 0.75],), {"axis": 1}), ("nanquantile", (0.5,), {"axis": -1, "method": "nearest"}),
    ("nanquantile", (0.75,), {"axis": (0, 2), "method": "lower", "keepdims": True}),
    ("nanpercentile", ([12.5, 62.5],), {"axis": 2, "method": "midpoint"}), ("nanmedian", (), {"axis": 1}),
    ("nanmedian", (), {})])
def test_nan_quantiles_match_keras_torch_autograd(name, args, kwargs):
    """q values exact in float32 (Keras converts q to float32 first)."""
    keras = keras_or_skip()
    import torch
    x = tk.Tensor(X, requires_grad=True)
    out = getattr(tk.ops, name)(x, *args, **kwargs)
    w = RNG.uniform(0.5, 1.5, size=out.shape)
    tk.ops.nansum(out * tk.Tensor(w)).backward()
    t = torch.tensor(X, requires_grad=True)
    k_out = getattr(keras.ops, name)(t, *args, **kwargs)
    torch.nansum(k_out * torch.tensor(w)).backward()
    # Keras computes these in float32 even for float64 inputs (its result_type(float64, float) is float32)
    np.testing.assert_allclose(out.numpy(), k_out.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-6)


SPACED = [("linspace", {"num": 5}), ("linspace", {"num": 4, "endpoint": False}), ("linspace", {"num": 3, "axis": 1}),
          ("logspace", {"num": 5, "base": 2.0}), ("logspace", {"num": 4, "endpoint": False}),
          ("geomspace", {"num": 5}), ("geomspace", {"num": 3, "endpoint": False, "axis": -1})]
ENDS = (np.array([1.0, 2.0]), np.array([3.0, 0.5]))


@pytest.mark.parametrize("name,kwargs", SPACED)
def test_spaced_values_differentiate_in_their_ends(name, kwargs):
    fn = getattr(tk.ops, name)
    x = tk.Tensor(ENDS[0], requires_grad=True)
    out = fn(x, ENDS[1], dtype="float64", **kwargs)
    assert out.requires_grad and not fn(ENDS[0], ENDS[1], **kwargs).requires_grad
    np.testing.assert_allclose(out.numpy(), getattr(np, name)(*ENDS, **kwargs), rtol=1e-12)
    check_gradients(lambda a, b: fn(a, b, dtype="float64", **kwargs), list(ENDS), name=name)
    check_gradients(lambda a: fn(a, -4.0 if name == "geomspace" else 4.0, 4, dtype="float64"), [np.array(-1.5)],
                    name=f"{name} of a scalar")


def test_ctc_decode_scores_and_nextafter_differentiate():
    logits = RNG.normal(size=(2, 5, 4))
    lengths = np.array([5, 3])
    check_gradients(lambda x: tk.ops.ctc_decode(x, lengths)[1], [logits], name="ctc_decode scores")
    x = tk.Tensor(logits, requires_grad=True)
    tk.ops.ctc_decode(x, lengths)[1].sum().backward()
    best = np.eye(4)[logits.argmax(-1)] * (np.arange(5) < lengths[:, None])[..., None]
    np.testing.assert_array_equal(x.grad.numpy(), -best)  # minus one at each frame's best class
    a, b = tk.Tensor([1.0, 2.0], requires_grad=True), tk.Tensor([3.0, 0.0], requires_grad=True)
    tk.ops.nextafter(a, b).sum().backward()  # as PyTorch: slope 1 in x1, none in x2
    assert a.grad.numpy().tolist() == [1.0, 1.0] and b.grad is None


@pytest.mark.keras
def test_spaced_ctc_and_nextafter_gradients_match_keras_torch_autograd():
    keras = keras_or_skip()
    import torch
    calls = [(name, kwargs) for name, kwargs in SPACED if kwargs.get("axis", 0) == 0]  # (Keras's torch: axis 0 only)
    for name, kwargs in calls:
        ours = [tk.Tensor(e, requires_grad=True) for e in ENDS]
        theirs = [torch.tensor(e, requires_grad=True) for e in ENDS]
        w = RNG.uniform(0.5, 1.5, size=getattr(np, name)(*ENDS, **kwargs).shape)
        (getattr(tk.ops, name)(*ours, dtype="float64", **kwargs) * tk.Tensor(w)).sum().backward()
        (getattr(keras.ops, name)(*theirs, dtype="float64", **kwargs) * torch.tensor(w)).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12, err_msg=f"{name} {kwargs}")
    logits, lengths = RNG.normal(size=(3, 6, 5)).astype("float32"), np.array([6, 2, 4])
    x, t = tk.Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    scores = tk.ops.ctc_decode(x, lengths)[1]
    k_scores = keras.ops.ctc_decode(t, torch.tensor(lengths))[1]
    (scores * tk.Tensor([[1.0], [2.0], [3.0]])).sum().backward()
    (k_scores * torch.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    np.testing.assert_allclose(scores.numpy(), k_scores.detach().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap", "mirror"])
def test_map_coordinates_differentiates_in_its_coordinates(fill_mode):
    image = RNG.uniform(size=(4, 5))
    coords = np.stack([RNG.uniform(-1, 4, 6), RNG.uniform(-1, 5, 6)])
    check_gradients(lambda i, c: tk.ops.image.map_coordinates(i, c, 1, fill_mode, 0.3), [image, coords],
                    name=f"map_coordinates {fill_mode}")
    nearest = tk.ops.image.map_coordinates(image, tk.Tensor(coords, requires_grad=True), 0, fill_mode, 0.3)
    assert not nearest.requires_grad  # piecewise constant in the coordinates


@pytest.mark.keras
def test_map_coordinates_gradients_match_keras_torch_autograd():
    keras = keras_or_skip()
    import torch
    image, coords = RNG.uniform(size=(3, 4, 2)), np.stack([RNG.uniform(-1, 3, 5), RNG.uniform(-1, 4, 5),
                                                           RNG.uniform(0, 1, 5)])
    for fill_mode in ("constant", "reflect", "wrap"):
        ours = [tk.Tensor(image, requires_grad=True), tk.Tensor(coords, requires_grad=True)]
        theirs = [torch.tensor(image, requires_grad=True), torch.tensor(coords, requires_grad=True)]
        (tk.ops.image.map_coordinates(*ours, 1, fill_mode, 0.3) * tk.Tensor(np.arange(1.0, 6.0))).sum().backward()
        (keras.ops.image.map_coordinates(*theirs, 1, fill_mode, 0.3) * torch.arange(1.0, 6.0)).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), atol=1e-12, err_msg=fill_mode)


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [True, False])
def test_scale_and_translate_differentiates_in_scale_and_translation(method, antialias):
    image, scale, shift = RNG.uniform(size=(4, 5)), np.array([0.7, 1.3]), np.array([0.1, -0.2])
    fn = tk.ops.image.scale_and_translate
    plain = fn(image, (7, 3), scale, shift, (0, 1), method, antialias)
    assert not plain.requires_grad
    np.testing.assert_allclose(fn(image, (7, 3), tk.Tensor(scale, requires_grad=True), shift, (0, 1), method,
                                  antialias).numpy(), plain.numpy(), atol=1e-14)
    check_gradients(lambda i, s, t: fn(i, (7, 3), s, t, (0, 1), method, antialias), [image, scale, shift],
                    name=f"scale_and_translate {method}")


@pytest.mark.keras
def test_scale_and_translate_gradients_match_keras_torch_autograd():
    """Keras's differ by float32 rounding: its own finite differences are noisy at 1e-6 steps."""
    keras = keras_or_skip()
    import torch
    image, scale, shift = RNG.uniform(size=(5, 4, 2)), np.array([1.4, 0.6]), np.array([-0.3, 0.25])
    w = RNG.uniform(0.5, 1.5, size=(6, 3, 2))
    for method in ("linear", "cubic", "lanczos3"):
        ours = [tk.Tensor(v, requires_grad=True) for v in (image, scale, shift)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (image, scale, shift)]
        for lib, args, weight in ((tk, ours, tk.Tensor(w)), (keras, theirs, torch.tensor(w))):
            (lib.ops.image.scale_and_translate(args[0], (6, 3, 2), *args[1:], (0, 1), method) * weight).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), atol=1e-5, err_msg=method)


CORNERS = np.array([[0, 0], [0, 5], [6, 0], [6, 5]], float)
MOVED = np.array([[1, 0.5], [0.3, 5.2], [5.5, -0.4], [6.3, 4.6]])


def test_perspective_transform_differentiates_in_its_corner_points():
    image = RNG.uniform(size=(2, 6, 5, 1))
    fn = tk.ops.image.perspective_transform
    np.testing.assert_allclose(fn(image, tk.Tensor(CORNERS, requires_grad=True), MOVED).numpy(),
                               fn(image, CORNERS, MOVED).numpy(), atol=1e-14)
    check_gradients(fn, [image, CORNERS, MOVED], name="perspective_transform")
    check_gradients(lambda i, s, e: fn(i, s, e, fill_value=0.5), [image, np.stack([CORNERS, CORNERS + 0.3]),
                                                                   np.stack([MOVED, MOVED - 0.2])],
                    name="perspective_transform, points per image")


@pytest.mark.keras
def test_perspective_transform_gradients_match_keras_torch_autograd():
    keras = keras_or_skip()
    import torch
    image = RNG.uniform(size=(2, 6, 5, 1))
    w = RNG.uniform(0.5, 1.5, size=image.shape)
    ours = [tk.Tensor(v, requires_grad=True) for v in (image, CORNERS, MOVED)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (image, CORNERS, MOVED)]
    (tk.ops.image.perspective_transform(*ours) * tk.Tensor(w)).sum().backward()
    (keras.ops.image.perspective_transform(*theirs) * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):  # (Keras solves for the transform in float32)
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), atol=1e-5)
