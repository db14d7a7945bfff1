"""``tk.ops``: every op, with Keras 3's names and signatures.

>>> import tinykeras as tk
>>> x = tk.ops.convert_to_tensor([[1.0, -2.0]])
>>> tk.ops.sum(tk.ops.relu(x), axis=1).numpy().tolist()
[1.0]
"""
import numpy as np

from .common import convert_to_tensor, record, symbolic
from .math_ops import *  # noqa: F401,F403
from .math_ops import abs, all, any, max, min, round, sum  # names that shadow builtins
from .nn_ops import *  # noqa: F401,F403
from .shape_ops import *  # noqa: F401,F403
from .conv_ops import *  # noqa: F401,F403
from .pool_ops import *  # noqa: F401,F403
from . import optimizer_ops  # noqa: F401  (declares the optimizer update ops)
from . import norm_ops  # noqa: F401  (declares layer_norm, used by LayerNormalization; no Keras name)
from . import attention_ops  # noqa: F401  (declares attention, used by MultiHeadAttention; no Keras name)
from .rnn_ops import *  # noqa: F401,F403
from .elementwise_ops import *  # noqa: F401,F403
from .complex_ops import *  # noqa: F401,F403
from .array_ops import *  # noqa: F401,F403
from .product_ops import *  # noqa: F401,F403
from .sort_ops import *  # noqa: F401,F403
from .reduce_ops import *  # noqa: F401,F403
from .nan_ops import *  # noqa: F401,F403
from .core_ops import *  # noqa: F401,F403
from .linalg_ops import *  # noqa: F401,F403
from .linalg_factor import *  # noqa: F401,F403
from .nn_extra import *  # noqa: F401,F403
from .signal_ops import *  # noqa: F401,F403
from .fourier import *  # noqa: F401,F403
from .einops_ops import *  # noqa: F401,F403
from .jvp_ops import *  # noqa: F401,F403
from ..core.tensor import Tensor


def is_tensor(x):
    """True for a tinykeras Tensor.

    >>> is_tensor(convert_to_tensor(1.0))
    True
    """
    return isinstance(x, Tensor)


def convert_to_numpy(x):
    """A NumPy array of ``x`` (a Tensor, a Variable, a list of them, or array-like).

    A symbolic tensor (from ``keras.Input``) has no values: ``ValueError``.

    >>> convert_to_numpy(convert_to_tensor([1.0, 2.0]))
    array([1., 2.], dtype=float32)
    >>> convert_to_numpy([convert_to_tensor([1]), convert_to_tensor([2])]).tolist()
    [[1], [2]]
    """
    from ..layers.symbolic import KerasTensor  # here: layers build on ops

    def one(value):
        if isinstance(value, KerasTensor):
            raise ValueError("A KerasTensor is symbolic: it's a placeholder for a shape and a dtype. "
                             "It doesn't have any actual numerical value. You cannot convert it to a "
                             "NumPy array.")
        return np.asarray(value.numpy()) if isinstance(value, Tensor) else np.array(value)

    if isinstance(x, (list, tuple)):
        return np.array([one(v) for v in x])
    return one(x)


def stop_gradient(x):
    """The same values, with no gradient flowing back.

    >>> stop_gradient(convert_to_tensor([1.0])).requires_grad
    False
    """
    if symbolic(locals()):
        return record("stop_gradient", locals())
    return convert_to_tensor(x).detach()


# Keras's submodules (keras.ops.numpy, .nn, .linalg, .image, and the core/math groups)
from . import core, image, linalg, math, nn, numpy  # noqa: E402,F401
