"""tinykeras-example: a complete third-party tinykeras plugin to copy.

Installing the distribution registers two plugins through the entry-point
group ``tinykeras`` (see ``pyproject.toml``):

* ``example`` (:mod:`.plugin`): declares the op ``snake`` (:mod:`.ops`),
  gives its NumPy kernel and, with tinykeras-opencl installed, its OpenCL
  kernel (:mod:`.opencl`), and registers the layer :class:`Snake`
  (:mod:`.layers`) for saving;
* ``example_relu`` (:mod:`.relu`): overrides the NumPy ``relu`` kernel with
  ``tryfirst=True``, to show precedence.

>>> import tinykeras as tk, tinykeras_example as tke
>>> y = tke.snake([0.0, 1.0], alpha=1.0)          # a float32 Tensor
>>> [round(v, 4) for v in y.numpy().tolist()]
[0.0, 1.7081]
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(4), tke.Snake(alpha=0.5)])
"""
from .ops import snake

__version__ = "0.1.0"
__all__ = ["snake", "Snake"]


def __getattr__(name):  # the layer loads on first use, like tinykeras's own layers
    if name == "Snake":
        from .layers import Snake
        return Snake
    raise AttributeError(f"module 'tinykeras_example' has no attribute {name!r}")
