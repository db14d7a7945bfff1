"""The ops of issue 18 against real Keras 3 (torch backend) on generated
inputs: broadcasting, negative axes, int and float dtypes, empty shapes.
Each call runs in tinykeras and in Keras; values, shapes and dtypes must
agree.  Where Keras is not installed, the calls with a NumPy twin
(``NUMPY``) are checked against NumPy instead.  Gradients of the
differentiable ones are checked against float64 finite differences.
"""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.testing import check_gradients

RNG = np.random.default_rng(18)


def f(*shape, lo=-2.0, hi=2.0, dtype="float32"):
    return RNG.uniform(lo, hi, size=shape).astype(dtype)


def i(*shape, lo=0, hi=5, dtype="int32"):
    return RNG.integers(lo, hi, size=shape).astype(dtype)


def distinct(*shape):
    return (RNG.permutation(int(np.prod(shape))) * 0.37 - 3).reshape(shape).astype("float32")


def spd(n, batch=()):
    a = RNG.normal(size=batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype("float32")


NANS = np.array([[1.0, np.nan, 3.0, 0.5], [2.0, 5.0, np.nan, np.nan], [-1.0, 0.2, 4.0, 7.0]], "float32")
UNIT = dict(lo=-0.9, hi=0.9)
POS = dict(lo=0.5, hi=3.0)
CALLS = [  # (op, args, kwargs)
    # elementwise
    *[(op, [f(2, 3, **UNIT)], {}) for op in ("arcsin", "arccos", "arctanh", "erfinv")],
    *[(op, [f(2, 3)], {}) for op in ("arctan", "arcsinh", "sinh", "cosh", "exp2", "cbrt", "deg2rad",
                                      "rad2deg", "sinc", "trunc", "fabs", "erfc", "signbit", "isinf",
                                      "isposinf", "isneginf", "nan_to_num", "real", "conj", "angle")],
    ("arccosh", [f(4, lo=1.2, hi=3.0)], {}), ("tan", [f(3, lo=-1.2, hi=1.2)], {}),
    *[(op, [f(2, 3, **POS)], {}) for op in ("log2", "log10", "rsqrt")],
    *[(op, [i(2, 3, lo=1)], {}) for op in ("arctan", "log2", "sinh", "trunc", "fabs")],
    *[(op, [f(2, 3), f(3, lo=0.3, hi=2.0)], {}) for op in ("arctan2", "hypot", "logaddexp", "logaddexp2",
                                                           "fmax", "fmin", "divide_no_nan", "heaviside")],
    ("fmod", [f(2, 3), f(1, lo=0.5, hi=1.5)], {}), ("ldexp", [f(3), i(3)], {}),
    ("arctan2", [f(2, 1), f(4)], {}), ("logaddexp", [f(0, 3), f(3)], {}),
    *[(op, [i(2, 3, lo=1, hi=16), i(3, lo=1, hi=4)], {}) for op in (
        "gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
        "left_shift", "right_shift")],
    ("bitwise_invert", [i(4)], {}), ("bitwise_not", [i(4)], {}), ("logical_xor", [i(4) > 2, i(4) > 1], {}),
    ("nextafter", [f(3), f(3)], {}), ("i0", [f(4)], {}),
    # creation and structure
    ("linspace", [0.0, 1.0, 5], {}), ("linspace", [-1, 2, 4], {"endpoint": False}),
    ("logspace", [0.0, 2.0, 3], {}), ("geomspace", [1.0, 8.0, 4], {}), ("tri", [3, 4, 1], {}),
    ("identity", [3], {}), ("meshgrid", [f(3), f(2)], {}), ("meshgrid", [f(3), f(2), f(4)], {"indexing": "ij"}),
    ("diag", [f(3)], {"k": 1}), ("diag", [f(3, 4)], {"k": -1}), ("diagflat", [f(2, 2)], {}),
    ("diagonal", [f(2, 3, 4)], {"offset": 1, "axis1": -1, "axis2": 0}), ("trace", [f(3, 4)], {"offset": -1}),
    ("roll", [f(3, 4), 2], {"axis": -1}), ("roll", [f(3, 4), -1], {}), ("rot90", [f(2, 3)], {}),
    ("rot90", [f(2, 3, 4)], {"k": 3, "axes": (1, 2)}), ("fliplr", [f(2, 3)], {}), ("flipud", [f(2, 3)], {}),
    ("hstack", [[f(2, 3), f(2, 1)]], {}), ("vstack", [[f(3), f(3)]], {}), ("dstack", [[f(2, 3), f(2, 3)]], {}),
    ("append", [f(2), f(2, 2)], {}), ("append", [f(2, 2), f(1, 2)], {"axis": 0}),
    ("array_split", [f(7, 2), 3], {}), ("hsplit", [f(2, 4), 2], {}), ("vsplit", [f(4, 2), 2], {}),
    ("dsplit", [f(1, 2, 4), [1]], {}), ("outer", [f(3), f(2, 2)], {}), ("inner", [f(2, 3), f(4, 3)], {}),
    ("vdot", [f(6), f(6)], {}), ("cross", [f(4, 3), f(4, 3)], {}),
    ("kron", [f(2, 2), f(3, 1)], {}), ("tensordot", [f(2, 3, 4), f(4, 3, 5)], {"axes": ([1, 2], [1, 0])}),
    ("tensordot", [f(2, 3), f(3, 4)], {"axes": 1}), ("einsum", ["ij,jk->ik", f(2, 3), f(3, 4)], {}),
    ("einsum", ["bij,bjk", f(2, 2, 3), f(2, 3, 4)], {}), ("einsum", ["ii->i", f(3, 3)], {}),
    ("einsum", ["...i,i->...", f(2, 3, 4), f(4)], {}), ("einsum", ["i,j", f(2), f(3)], {}),
    ("vander", [f(3)], {"N": 4}), ("vander", [f(3)], {"increasing": True}),
    ("copy", [f(2)], {}), ("empty_like", [i(2, 3)], {}), ("ndim", [f(2, 3)], {}), ("size", [f(2, 3)], {}),
    ("dtype", [i(2)], {}),
    # scans, statistics
    ("cumsum", [f(2, 3)], {"axis": -1}), ("cumsum", [i(2, 3)], {}), ("cumprod", [f(2, 3)], {"axis": 0}),
    ("cumsum", [f(0, 3)], {"axis": 1}), ("nancumsum", [f(4)], {}), ("nancumprod", [f(4)], {}),
    ("diff", [f(2, 5)], {"n": 2}), ("diff", [f(4, 3)], {"axis": 0}), ("average", [f(2, 3)], {"axis": 1}),
    ("average", [f(2, 3)], {"axis": -1, "weights": f(3, **POS)}), ("ptp", [f(2, 3)], {"axis": 0}),
    ("median", [f(3, 5)], {"axis": -1}), ("median", [f(4, 2)], {}), ("median", [f(2, 3, 4)], {"axis": (0, 2)}),
    ("quantile", [f(2, 5), 0.3], {"axis": 1}), ("quantile", [f(7), [0.1, 0.5, 0.9]], {}),
    *[("quantile", [f(9), 0.35], {"method": m}) for m in ("lower", "higher", "midpoint", "nearest")],
    ("percentile", [f(3, 4), 75], {"axis": 0, "keepdims": True}),
    *[(op, [np.array([[1.0, np.nan, 3.0], [2.0, 5.0, np.nan]], "float32")], {"axis": 1}) for op in (
        "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax", "nanargmin",
        "nanmedian")],
    ("nanquantile", [np.array([1.0, np.nan, 3.0, 4.0], "float32"), 0.5], {}),
    ("nanpercentile", [np.array([1.0, np.nan, 3.0, 4.0], "float32"), 25], {}),
    ("nanquantile", [NANS, [0.25, 0.75]], {"axis": 1, "method": "nearest", "keepdims": True}),
    ("nanquantile", [NANS, 0.5], {"axis": 0, "method": "midpoint"}), ("nanpercentile", [NANS, 40], {"axis": -1}),
    ("isclose", [f(3), f(3)], {}), ("isclose", [np.array([1.0, np.inf, np.nan]), np.array([1.0 + 1e-9, np.inf, np.nan])],
                                     {"equal_nan": True}),
    ("allclose", [f(3), f(3)], {}), ("isin", [i(2, 3), i(4)], {}), ("isin", [i(3), i(2)], {"invert": True}),
    ("select", [[f(3) > 0, f(3) > -1], [f(3), f(3)]], {"default": 7.0}),
    ("trapezoid", [f(2, 5)], {"dx": 0.5}), ("trapezoid", [f(5)], {"x": np.sort(f(5))}),
    ("correlate", [f(5), f(3)], {}), ("correlate", [f(5), f(3)], {"mode": "same"}),
    ("correlate", [f(3), f(5)], {"mode": "full"}), ("corrcoef", [f(3, 6)], {}),
    # sorting, counting
    ("sort", [f(3, 4)], {"axis": 0}), ("argsort", [distinct(3, 4)], {}), ("sort", [i(5)], {}),
    ("top_k", [distinct(3, 5), 2], {}), ("in_top_k", [i(3, hi=4), distinct(3, 4), 2], {}),
    ("unique", [i(8)], {}), ("unique", [i(8)], {"return_counts": True, "return_inverse": True}),
    ("nonzero", [i(3, 4) > 2], {}), ("bincount", [i(6)], {}), ("bincount", [i(6)], {"minlength": 8}),
    ("bincount", [i(5)], {"weights": f(5)}), ("digitize", [f(6), np.array([-1.0, 0.0, 1.0], "float32")], {}),
    ("searchsorted", [np.sort(f(6)), f(2, 3)], {}), ("searchsorted", [np.array([1, 2, 2, 3]), np.array([2])],
                                                    {"side": "right"}),
    ("histogram", [f(20)], {"bins": 4}), ("histogram", [f(20)], {"bins": 3, "range": (-1.0, 1.0)}),
    ("unravel_index", [np.array([1, 5, 7]), (2, 4)], {}),
    # core
    ("scatter", [np.array([[0, 1], [2, 0]]), f(2), (3, 2)], {}),
    ("scatter_update", [f(3, 2), np.array([[0], [2]]), f(2, 2)], {}),
    ("slice", [f(3, 4), (1, 1), (2, 2)], {}), ("slice_update", [f(4, 4), (1, 2), f(2, 2)], {}),
    ("unstack", [f(2, 3)], {"axis": -1}), ("saturate_cast", [f(4, lo=-400, hi=400), "uint8"], {}),
    ("saturate_cast", [f(4, lo=-400, hi=400), "int8"], {}),
    # linalg
    ("inv", [spd(3)], {}), ("det", [spd(3, (2,))], {}), ("slogdet", [spd(3)], {}), ("logdet", [spd(2)], {}),
    ("solve", [spd(3), f(3, 2)], {}), ("solve_triangular", [spd(3), f(3, 1)], {"lower": True}),
    ("solve_triangular", [spd(3), f(3, 2)], {}), ("cholesky", [spd(3)], {}), ("cholesky_inverse", [np.tril(spd(3))], {}),
    ("eigh", [spd(3)], {}), ("lu_factor", [f(4, 4)], {}), ("lu_factor", [f(2, 3, 3)], {}),
    ("lstsq", [f(4, 2), f(4)], {}), ("pinv", [f(3, 2)], {}),
    ("matrix_rank", [np.array([[1.0, 2.0], [2.0, 4.0]], "float32")], {}), ("svd", [f(3, 2)], {"compute_uv": False}),
    ("norm", [f(3, 4)], {}), ("norm", [f(3, 4)], {"axis": -1, "ord": 1}), ("norm", [f(3, 4)], {"ord": "fro", "axis": (0, 1)}),
    ("norm", [f(3, 4)], {"ord": np.inf, "axis": (0, 1)}), ("norm", [f(3, 4)], {"ord": "nuc", "axis": (0, 1)}),
    ("norm", [f(2, 3)], {"ord": -np.inf, "axis": 0, "keepdims": True}), ("norm", [f(4)], {"ord": 3}),
    ("cdist", [f(3, 2), f(4, 2)], {}),
    # nn
    *[(op, [f(2, 3)], {}) for op in ("celu", "hard_tanh", "tanh_shrink", "soft_shrink", "hard_shrink",
                                      "squareplus", "sparse_plus", "sparse_sigmoid")],
    ("threshold", [f(2, 3), 0.3, -1.0], {}), ("glu", [f(2, 4)], {}), ("normalize", [f(2, 3)], {"axis": 0}),
    ("normalize", [f(2, 3)], {"order": 1}), ("rms_normalization", [f(2, 3)], {"scale": f(3)}),
    ("layer_normalization", [f(2, 3)], {"gamma": f(3), "beta": f(3)}),
    ("batch_normalization", [f(2, 3), f(3), f(3, **POS), -1], {"offset": f(3), "scale": f(3)}),
    ("multi_hot", [i(2, 3), 5], {}), ("psnr", [f(2, 3, lo=0, hi=1), f(2, 3, lo=0, hi=1), 1.0], {}),
    ("dot_product_attention", [f(2, 3, 2, 4), f(2, 5, 2, 4), f(2, 5, 2, 4)], {}),
    ("dot_product_attention", [f(1, 4, 1, 2), f(1, 4, 1, 2), f(1, 4, 1, 2)], {"is_causal": True}),
    ("depth_to_space", [f(1, 2, 2, 8), 2], {}), ("space_to_depth", [f(1, 4, 4, 2), 2], {}),
    ("adaptive_average_pool", [f(1, 5, 7, 2), (2, 3)], {}), ("adaptive_max_pool", [f(1, 6, 2), 4], {}),
    ("unfold", [f(1, 2, 4, 5), 2], {"stride": 2, "padding": 1}), ("fold", [f(1, 8, 6), (3, 4), 2], {}),
    ("ctc_loss", [np.array([[1, 2], [2, 0]]), f(2, 5, 4), np.array([2, 1]), np.array([5, 4])], {}),
    ("ctc_decode", [f(2, 5, 4), np.array([5, 3])], {}),
    # math
    ("segment_sum", [f(5, 2), np.array([0, 0, 1, 3, 3])], {}), ("segment_max", [f(4), np.array([0, 1, 1, 0])], {}),
    ("segment_sum", [f(4), np.array([0, 1, 1, 0])], {"num_segments": 3}),
    ("extract_sequences", [f(2, 10), 4, 3], {}), ("fft", [(f(2, 4), f(2, 4))], {}), ("fft2", [(f(3, 4), f(3, 4))], {}),
    ("ifft2", [(f(2, 2), f(2, 2))], {}), ("rfft", [f(2, 6)], {}), ("rfft", [f(5)], {"fft_length": 8}),
    ("irfft", [(f(4), f(4))], {}), ("stft", [f(2, 32), 8, 4, 16], {}), ("stft", [f(20), 6, 3, 8], {"center": False, "window": "hamming"}),
    ("istft", [(f(9, 5), f(9, 5)), 8, 4, 8], {}),
    ("rearrange", [f(2, 4, 6, 3), "b (h1 h) (w1 w) c -> (b h1 w1) h w c"], {"h1": 2, "w1": 3}),
    ("rearrange", [f(2, 4, 6, 3), "b (h h1) (w w1) c -> b h w (c h1 w1)"], {"h1": 2, "w1": 2}),
    ("rearrange", [f(2, 3, 4), "b h w -> w (b h)"], {}), ("logsumexp", [f(2, 3)], {"axis": -1}),
]
CORNERS = np.array([[0, 0], [0, 5], [6, 0], [6, 5]], "float32")
CORNERS_TO = np.array([[1, 0.5], [0.3, 5.2], [5.5, -0.4], [6.3, 4.6]], "float32")
IMAGE_CALLS = [
    ("rgb_to_grayscale", [f(2, 3, 4, 3, lo=0, hi=1)], {}), ("rgb_to_hsv", [f(2, 3, 3, lo=0, hi=1)], {}),
    ("hsv_to_rgb", [f(3, 3, 3, lo=0, hi=1)], {}), ("resize", [f(1, 4, 6, 2), (6, 4)], {}),
    ("resize", [f(2, 5, 5, 1), (3, 7)], {"interpolation": "nearest"}),
    ("resize", [f(1, 3, 4, 5), (6, 2)], {"data_format": "channels_first"}),
    ("crop_images", [f(1, 6, 6, 2)], {"top_cropping": 1, "left_cropping": 2, "target_height": 3, "target_width": 2}),
    ("pad_images", [f(5, 4, 1)], {"top_padding": 1, "bottom_padding": 2, "left_padding": 0, "right_padding": 3}),
    ("map_coordinates", [f(4, 5), np.stack([f(3, lo=-1, hi=4), f(3, lo=-1, hi=5)]), 1], {}),
    ("map_coordinates", [f(4, 5), np.stack([f(3, lo=0, hi=3), f(3, lo=0, hi=4)]), 0], {"fill_mode": "nearest"}),
    ("affine_transform", [f(2, 5, 5, 2), np.array([[1.1, 0.1, -0.5, -0.1, 0.9, 0.7, 0.0, 0.0],
                                                   [0.9, 0.0, 0.5, 0.2, 1.0, -0.3, 0.0, 0.0]], "float32")], {}),
    ("affine_transform", [f(1, 4, 4, 1), np.array([[1.0, 0, 1, 0, 1, 0, 0, 0]], "float32")],
     {"interpolation": "nearest", "fill_mode": "nearest"}),
    ("extract_patches", [f(1, 5, 5, 2), 2], {}), ("extract_patches", [f(1, 5, 6, 1), (2, 3)], {"strides": 1, "padding": "same"}),
    ("gaussian_blur", [f(1, 6, 6, 2)], {"kernel_size": (3, 3), "sigma": (1.0, 2.0), "data_format": "channels_last"}),
    ("sobel_edges", [f(1, 5, 5, 2)], {}), ("ssim", [f(2, 12, 12, 1, lo=0, hi=1), f(2, 12, 12, 1, lo=0, hi=1)], {}),
    ("perspective_transform", [f(2, 6, 7, 2), CORNERS, CORNERS_TO], {}),
    ("perspective_transform", [f(6, 5, 1), CORNERS, CORNERS_TO], {"interpolation": "nearest", "fill_value": 0.5}),
    ("perspective_transform", [f(2, 2, 5, 5), np.stack([CORNERS] * 2), np.stack([CORNERS_TO, CORNERS + 0.5])],
     {"data_format": "channels_first"}),
    ("scale_and_translate", [f(1, 4, 5, 2), (1, 7, 3, 2), f(2, lo=0.5, hi=1.8), f(2, lo=-0.5, hi=0.5), (1, 2),
                             "linear"], {}),
    ("scale_and_translate", [f(4, 5), (7, 3), f(2, lo=0.5, hi=1.8), f(2, lo=-0.5, hi=0.5), (0, 1), "cubic"], {}),
    ("scale_and_translate", [f(6, 5), (4, 9), np.array([0.7, 1.6], "float32"), f(2), (-2, -1), "lanczos3"],
     {"antialias": False}),
    ("scale_and_translate", [f(9, 2), (4, 2), np.array([0.5], "float32"), f(1), (0,), "lanczos5"], {}),
    ("scale_and_translate", [i(5, 4, hi=200), (3, 6), np.array([0.7, 1.6], "float32"), f(2), (0, 1), "bilinear"], {}),
    ("extract_patches_3d", [f(1, 4, 5, 6, 2), 2], {}),
    ("extract_patches_3d", [f(5, 4, 6, 1), (2, 3, 2)], {"strides": 1, "padding": "same"}),
    ("extract_patches_3d", [f(1, 2, 5, 5, 4), (2, 2, 2)], {"strides": (1, 2, 1), "data_format": "channels_first"}),
    ("extract_patches_3d", [f(1, 6, 6, 6, 1), 2], {"strides": 1, "dilation_rate": 2}),
]
KERAS_TENSORS = {"unstack", "unfold", "fold", "vdot", "cross"}
NUMPY = {"arcsin": np.arcsin, "arctan": np.arctan, "cumsum": np.cumsum, "roll": np.roll, "trace": np.trace,
         "kron": np.kron, "median": np.median, "searchsorted": np.searchsorted, "diff": np.diff}


NUMPY_CALLS = [  # checked against NumPy (Keras with torch rejects them or differs from NumPy)
    ("vdot", [f(2, 3), f(6)], {}, np.vdot), ("cross", [f(4, 3), f(3)], {}, np.cross),
    ("cross", [f(2, 2), f(2, 2)], {}, lambda a, b: a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]),
    ("argpartition", [distinct(6), 2], {}, lambda x, k: np.argpartition(x, k)),
    ("histogram", [f(20)], {"bins": 4}, lambda x, bins: [c.astype("int32") for c in np.histogram(x, bins)[:1]]
     + [np.histogram(x, bins)[1].astype("float32")]),
]


def _keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
        return keras
    except Exception:
        return None


KERAS = _keras()


def _np(value):
    if isinstance(value, (list, tuple)):
        return [_np(v) for v in value]
    if isinstance(value, tk.Tensor):
        return value.numpy()
    if hasattr(value, "detach"):  # torch
        return value.detach().cpu().numpy()
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def _flat(value):
    return [v for item in value for v in _flat(item)] if isinstance(value, list) else [value]


def _compare(got, want, what):
    got, want = _flat(_np(got)), _flat(_np(want))
    assert len(got) == len(want), f"{what}: {len(got)} outputs, Keras gives {len(want)}"
    for g, w in zip(got, want):
        assert g.shape == w.shape, f"{what}: shape {g.shape}, Keras {w.shape}"
        if w.dtype.kind in "fc" or g.dtype.kind in "fc":
            np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=2e-4, atol=2e-5,
                                       err_msg=what, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, w, err_msg=what)
        if w.dtype != g.dtype and not (w.dtype.kind == g.dtype.kind == "i"):
            raise AssertionError(f"{what}: dtype {g.dtype}, Keras {w.dtype}")


def _sign_fixed(v):
    """Eigenvectors up to sign: each column made positive at its largest entry."""
    v = np.asarray(v)
    pick = np.take_along_axis(v, np.abs(v).argmax(-2)[..., None, :], -2)
    return v * np.sign(pick)


def _partitioned(idx, args):
    x, k = args[0], args[1]
    v = x[np.asarray(idx)]
    return [np.sort(v[:k]), v[k:k + 1], np.sort(v[k + 1:])]


SAME_UP_TO = {  # how to compare where several answers are right (or Keras's backends disagree)
    "nonzero": lambda got, want, args: (np.stack(_flat(_np(got))), _flat(_np(want))),
    "eigh": lambda got, want, args: ([_np(got)[0], _sign_fixed(_np(got)[1])], [_np(want)[0], _sign_fixed(_np(want)[1])]),
    "argpartition": lambda got, want, args: (_partitioned(_np(got), args), _partitioned(_np(want), args)),
    "empty_like": lambda got, want, args: (np.zeros_like(_np(got)), np.zeros_like(_np(want))),
    # counts: int32 as NumPy and JAX give them (Keras with torch gives float32)
    "histogram": lambda got, want, args: ([_np(got)[0].astype("float32"), _np(got)[1]], want),
}


def _ids(calls):
    return [f"{c[0]}-{n}" for n, c in enumerate(calls)]


def _run(ns, name, args, kwargs):
    if ns is not tk.ops and ns is not tk.ops.image:  # Keras with torch wants tensors in some ops
        args = [KERAS.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) and name in KERAS_TENSORS else a
                for a in args]
    return getattr(ns, name)(*args, **kwargs)


@pytest.mark.parametrize("name,args,kwargs", CALLS, ids=_ids(CALLS))
def test_op_matches_keras(name, args, kwargs):
    got = _run(tk.ops, name, args, kwargs)
    if KERAS is None:
        if name not in NUMPY:
            pytest.skip("keras is not installed and NumPy has no twin")
        want = np.asarray(NUMPY[name](*args, **kwargs))
        if want.dtype == np.float64 and not any(np.asarray(a).dtype == np.float64 for a in args):
            want = want.astype(np.float32)  # Keras's rule: ints and float32 compute in floatx
    else:
        want = _run(KERAS.ops, name, args, kwargs)
    if name in SAME_UP_TO:
        got, want = SAME_UP_TO[name](got, want, args)
    _compare(got, want, f"{name} {kwargs}")


@pytest.mark.parametrize("name,args,kwargs,ref", NUMPY_CALLS, ids=_ids(NUMPY_CALLS))
def test_op_matches_numpy(name, args, kwargs, ref):
    _compare(_run(tk.ops, name, args, kwargs), ref(*args, **kwargs), name)


@pytest.mark.parametrize("name,args,kwargs", IMAGE_CALLS, ids=_ids(IMAGE_CALLS))
def test_image_op_matches_keras(name, args, kwargs):
    if KERAS is None:
        pytest.skip("keras is not installed")
    _compare(_run(tk.ops.image, name, args, kwargs), _run(KERAS.ops.image, name, args, kwargs), name)


GRAD_CALLS = [c for c in CALLS + [("image." + c[0], c[1], c[2]) for c in IMAGE_CALLS]
              if c[0] not in ("trunc", "signbit", "isinf", "isposinf", "isneginf", "sort", "nanargmax",
                              "nanargmin", "in_top_k", "argsort", "top_k", "ctc_decode", "psnr")]


def _differentiable(name, args, kwargs):
    """The float array arguments of ``name`` and a function of them."""
    fn = tk.ops.image if name.startswith("image.") else tk.ops
    fn = getattr(fn, name.split(".")[-1])
    slots = [k for k, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size]
    if name == "image.affine_transform":
        slots = [k for k in slots if k == 0]  # in the pixels, not in the transform (computed on the host)
    return fn, slots


@pytest.mark.parametrize("name,args,kwargs", GRAD_CALLS, ids=_ids(GRAD_CALLS))
def test_gradient_matches_finite_differences(name, args, kwargs):
    fn, slots = _differentiable(name, args, kwargs)
    if not slots:
        pytest.skip("no float tensor argument")
    outs = tk.tree.flatten(fn(*[tk.Tensor(a, requires_grad=True) if k in slots else a for k, a in enumerate(args)],
                              **kwargs))  # every output (qr's, lu_factor's, ...), one of them must differentiate
    if not any(o.requires_grad for o in outs if isinstance(o, tk.Tensor) and o.dtype.startswith("float")):
        pytest.skip("not differentiable (values from the host, ints or bools)")

    def call(*xs):
        full = list(args)
        for k, x in zip(slots, xs):
            full[k] = x
        out = fn(*full, **kwargs)
        return out[0] if isinstance(out, (list, tuple)) else out
    check_gradients(call, [args[k].astype(np.float64) for k in slots], name=name)


def test_sparsemax_projects_onto_the_simplex():
    """Keras 3.15's sparsemax sums the partial sums for its threshold (the
    values then do not sum to 1): tinykeras follows Martins & Astudillo."""
    x = f(4, 6)
    got = tk.ops.sparsemax(x).numpy()
    np.testing.assert_allclose(got.sum(-1), 1.0, rtol=1e-5)
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, 7)
    support = 1 + k * z > np.cumsum(z, -1)
    kz = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(np.cumsum(z, -1), kz - 1, -1) - 1) / kz
    np.testing.assert_allclose(got, np.maximum(x - tau, 0), rtol=1e-5, atol=1e-6)
    assert tk.ops.sparsemax([1.0, 2.0, 5.0]).numpy().tolist() == [0.0, 0.0, 1.0]


def test_complex_parts_of_real_tensors():
    x = f(2, 3)
    assert np.array_equal(tk.ops.imag(x).numpy(), np.zeros_like(x))
    assert tk.ops.isreal(x).numpy().all() and np.array_equal(tk.ops.real(x).numpy(), x)


def test_custom_gradient_and_stop_gradient_hook_into_autograd():
    @tk.ops.custom_gradient
    def log1pexp(x):
        e = tk.ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return upstream * (1.0 - 1.0 / (1 + e))
        return tk.ops.log(1 + e), grad

    x = tk.Tensor(np.array([0.0, 100.0], "float64"), requires_grad=True)
    y = log1pexp(x)
    y.sum().backward()
    assert np.allclose(y.numpy(), [np.log(2.0), 100.0])
    assert np.allclose(x.grad.numpy(), [0.5, 1.0])  # autograd through exp would give nan at 100
    z = tk.Tensor(np.array([2.0]), requires_grad=True)
    (tk.ops.stop_gradient(z) * z).sum().backward()
    assert z.grad.numpy().tolist() == [2.0]


def test_control_flow_records_gradients():
    x = tk.Tensor(np.array([1.5, -0.5]), requires_grad=True)
    out = tk.ops.fori_loop(0, 3, lambda i, v: v * x, tk.ops.ones_like(x))
    carry, ys = tk.ops.scan(lambda c, t: (c + t * t, c), tk.ops.zeros(()), x)
    (tk.ops.sum(out) + carry + tk.ops.sum(tk.ops.while_loop(lambda v: tk.ops.sum(v) < 10.0, lambda v: v * 2.0, x * x))).backward()
    # d/dx [x^3] + 2x + d/dx [4 x^2] (x^2 doubled twice: 2.5 -> 5 -> 10)
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.numpy() ** 2 + 2 * x.numpy() + 8 * x.numpy())
    assert tk.ops.cond(tk.ops.convert_to_tensor(False), lambda: 1, lambda: 2) == 2
    assert tk.ops.switch(1, [lambda a: a + 1, lambda a: a * 3], 2) == 6
    assert tk.ops.map(lambda r: tk.ops.sum(r), tk.ops.ones((3, 2))).numpy().tolist() == [2.0, 2.0, 2.0]
    assert tk.ops.associative_scan(lambda a, b: a * b, np.array([1.0, 2.0, 3.0])).numpy().tolist() == [1.0, 2.0, 6.0]
    if KERAS is not None:
        ref = KERAS.ops.associative_scan(lambda a, b: a + b, np.arange(5.0), reverse=True)
        assert np.allclose(tk.ops.associative_scan(lambda a, b: a + b, np.arange(5.0), reverse=True).numpy(), _np(ref))
