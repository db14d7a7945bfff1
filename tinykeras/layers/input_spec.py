"""``InputSpec``: what a layer accepts, checked on every call.

>>> import tinykeras as tk
>>> dense = tk.layers.Dense(2, name="dense")
>>> _ = dense(tk.ops.ones((1, 3)))
>>> try:
...     dense(tk.ops.ones((1, 4)))
... except ValueError as e:
...     print(str(e).splitlines()[0])
Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (1, 4)
"""
from ..tree import flatten


class InputSpec:
    """Rank and fixed axis sizes a layer expects (``axes={-1: 3}``)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype, self.name, self.optional = dtype, name, optional
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def check_input_spec(layer, inputs):
    specs = layer.input_spec if isinstance(layer.input_spec, (list, tuple)) else [layer.input_spec]
    tensors = [t for t in flatten(inputs) if hasattr(t, "shape")]
    for i, (spec, x) in enumerate(zip(specs, tensors)):
        if spec is None:
            continue
        shape = tuple(x.shape)
        head = f'Input {i} of layer "{layer.name}" is incompatible with the layer: '
        if spec.ndim is not None and len(shape) != spec.ndim:
            raise ValueError(f"{head}expected ndim={spec.ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {_shape_str(shape)}")
        if spec.min_ndim is not None and len(shape) < spec.min_ndim:
            raise ValueError(f"{head}expected min_ndim={spec.min_ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {_shape_str(shape)}")
        if spec.max_ndim is not None and len(shape) > spec.max_ndim:
            raise ValueError(f"{head}expected max_ndim={spec.max_ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {_shape_str(shape)}")
        for axis, value in spec.axes.items():
            if value is not None and -len(shape) <= axis < len(shape) and shape[axis] not in (value, None):
                raise ValueError(f"{head}expected axis {axis} of input shape to have value {value}, "
                                 f"but received input with shape {_shape_str(shape)}")
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(f"{head}expected shape={_shape_str(spec.shape)}, found "
                                     f"shape={_shape_str(shape)}")
