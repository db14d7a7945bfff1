"""Output specs of the ops of ``elementwise_ops``, ``array_ops``,
``reduce_ops``, ``sort_ops``, ``core_ops``, ``linalg_ops``, ``nn_extra`` and
``signal_ops`` (see ``specs.py``): by family where one fits, else by a
probe: the op runs on zeros of the known sizes, twice with different
stand-ins for unknown (None) sizes, and an output size that changes with
them is unknown.  Ops whose output shape depends on the values (``unique``,
``nonzero``, ...) have no spec: they refuse symbolic tensors.

>>> class T:
...     shape, dtype = (None, 3), "int32"
>>> SPECS["arctan"][1](T())
((None, 3), 'float32')
>>> SPECS["outer"][1](T(), T())
((None, None), 'int32')
"""
import numpy as np

from .specs import (SPECS, _binary, _bool_unary, _divide, _float_unary, _reduce, _unary, broadcast, promote,
                    register, shape_dtype)

_F = "float32"

register("arctan arcsin arccos tan sinh cosh arcsinh arccosh arctanh log2 log10 exp2 cbrt rsqrt erfc erfinv "
         "deg2rad rad2deg sinc fabs i0 celu hard_tanh tanh_shrink soft_shrink hard_shrink squareplus "
         "sparse_plus sparse_sigmoid sparsemax normalize rms_normalization layer_normalization threshold", 1,
         _float_unary)
register("trunc conj conjugate copy fliplr flipud nan_to_num saturate_cast", 1, _unary)
_PART = {"complex64": "float32", "complex128": "float64"}  # a complex dtype -> its parts' dtype


def _part(spec):
    """A real-valued op: complex inputs give their parts' dtype, others follow ``spec``."""
    def part_spec(x):
        shape, dtype = shape_dtype(x)
        return (shape, _PART[dtype]) if dtype in _PART else spec(x)
    return part_spec


def _polar(abs_, angle):
    (s1, d1), (s2, d2) = shape_dtype(abs_), shape_dtype(angle)
    return broadcast(s1, s2), "complex128" if "float64" in (d1, d2) else "complex64"


register("real imag abs absolute", 1, _part(_unary))
register("angle", 1, _part(_float_unary))
register("polar", 2, _polar)
register("view_as_complex", 1, lambda x: (shape_dtype(x)[0][:-1], "complex64"))
register("view_as_real", 1, lambda x: (shape_dtype(x)[0] + (2,), _PART.get(shape_dtype(x)[1], shape_dtype(x)[1])))
register("signbit isinf isposinf isneginf isreal", 1, _bool_unary)
register("arctan2 hypot logaddexp logaddexp2 fmod divide_no_nan heaviside ldexp nextafter", 2, _divide)
register("fmax fmin gcd lcm bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift left_shift "
         "right_shift", 2, _binary())
register("logical_xor", 2, _binary("bool"))
register("isclose", 2, lambda x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False: _binary("bool")(x1, x2))
register("bitwise_invert bitwise_not", 1, _unary)
register("nansum nanprod nanmax nanmin ptp", 1, _reduce(lambda d: d))
register("nanmean nanvar nanstd median nanmedian", 1, _reduce(lambda d: d if np.dtype(d).kind in "fc" else _F))
register("nanargmax nanargmin", 1, _reduce(lambda d: "int32"))
register("argsort", 1, lambda x, axis=-1: (shape_dtype(x)[0] if axis is not None else
                                           _flat(shape_dtype(x)[0]), "int32"))
register("sort", 1, lambda x, axis=-1: (shape_dtype(x)[0] if axis is not None else _flat(shape_dtype(x)[0]),
                                        shape_dtype(x)[1]))


def _flat(shape):
    return (None if None in shape else int(np.prod(shape, dtype=np.int64)),)


def _scan(x, axis=None, dtype=None):
    shape, own = shape_dtype(x)
    out = np.dtype(dtype).name if dtype else ("int32" if own == "bool" else own)
    return (shape if axis is not None else _flat(shape)), out


register("cumsum cumprod nancumsum nancumprod", 1, _scan)


def _quantile(x, q, axis=None, method="linear", keepdims=False):
    shape, dtype = _reduce(lambda d: d if np.dtype(d).kind in "fc" else _F)(x, axis, keepdims)
    return tuple(np.shape(q)) + shape, dtype


register("quantile percentile nanquantile nanpercentile", 1, _quantile)


def _top_k(x, k, sorted=True):
    shape, dtype = shape_dtype(x)
    return [(shape[:-1] + (int(k),), dtype), (shape[:-1] + (int(k),), "int32")]


register("top_k", 1, _top_k)
register("in_top_k", 2, lambda targets, predictions, k: (shape_dtype(targets)[0], "bool"))


def _probe(name):
    """The spec of ``name`` found by running it on zeros (see module docstring)."""
    def spec(*args, **params):
        from .namespaces import op_function
        from ..core.tensor import Tensor

        def concrete(a, fill):
            if hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, (np.ndarray, Tensor)):
                shape = tuple(fill if d is None else d for d in a.shape)
                out = np.zeros(shape, np.dtype(shape_dtype(a)[1]))
                if len(shape) >= 2 and shape[-1] == shape[-2]:  # square: the identity (invertible)
                    out += np.eye(shape[-1], dtype=out.dtype)
                return out
            if isinstance(a, (list, tuple)):
                return type(a)(concrete(b, fill) for b in a)
            return a
        outs = []
        for fill in (2, 3):
            out = op_function(name)(*[concrete(a, fill) for a in args], **params)
            outs.append(out if isinstance(out, (list, tuple)) else [out])
        specs = [(tuple(d if d == e else None for d, e in zip(a.shape, b.shape)), a.dtype)
                 for a, b in zip(*outs)]
        return specs if len(specs) > 1 or isinstance(out, (list, tuple)) else specs[0]
    return spec


_PROBED = {  # op -> number of leading tensor arguments
    1: "roll rot90 diagonal trace diag diagflat diff average vander corrcoef hstack vstack dstack array_split "
       "hsplit vsplit dsplit unstack norm cholesky inv det logdet cholesky_inverse eig eigh svd qr slogdet pinv "
       "lu_factor multi_hot depth_to_space space_to_depth adaptive_average_pool adaptive_max_pool unfold fold "
       "extract_sequences rfft glu rearrange",
    2: "outer inner vdot kron tensordot cross append solve solve_triangular lstsq cdist correlate psnr",
    3: "dot_product_attention",
}
_PROBED_IMAGE = {  # tk.ops.image's ops (their sizes come from parameters, so probing is exact)
    1: "rgb_to_grayscale rgb_to_hsv hsv_to_rgb resize crop_images pad_images extract_patches gaussian_blur "
       "sobel_edges elastic_transform extract_patches_3d",
    2: "map_coordinates affine_transform ssim",
    3: "perspective_transform",
}
for _table in (_PROBED, _PROBED_IMAGE):
    for _n, _names in _table.items():
        for _name in _names.split():
            SPECS[_name] = (_n, _probe(_name))


def _scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    shape, dtype = shape_dtype(images)
    dims = {int(d) % len(shape) for d in spatial_dims}
    return tuple(int(output_shape[i]) if i in dims else shape[i] for i in range(len(shape))), dtype


register("scale_and_translate", 4, _scale_and_translate)


def _einsum(subscripts, *operands):
    """Sizes by letter (a known size other than 1 wins, as broadcasting)."""
    from .product_ops import _parse_einsum

    class _Rank:
        def __init__(self, shape):
            self.ndim = len(shape)
    shapes, dtypes = zip(*[shape_dtype(o) for o in operands])
    inputs, output = _parse_einsum(subscripts, [_Rank(s) for s in shapes])
    sizes = {}
    for letters, shape in zip(inputs, shapes):
        if len(letters) != len(shape):
            raise ValueError(f"einsum: subscripts {letters!r} do not match an operand of shape {shape}")
        for c, d in zip(letters, shape):
            known = sizes.get(c, 1)
            if d is not None and d != 1 and known not in (None, 1, d):
                raise ValueError(f"einsum: axis {c!r} has sizes {known} and {d}")
            sizes[c] = d if d is not None and d != 1 else (None if d is None and known == 1 else known)
    return tuple(sizes[c] for c in output), promote(*dtypes)


register("einsum", 2, _einsum)
