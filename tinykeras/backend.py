"""Backend selection and global defaults, as ``keras.backend``.

>>> import tinykeras as tk
>>> tk.backend.backend()
'numpy'
>>> tk.backend.floatx(), tk.backend.epsilon(), tk.backend.image_data_format()
('float32', 1e-07, 'channels_last')

Also, as in Keras 3: ``clear_session``, ``get_uid`` (from
:mod:`tinykeras.global_state`), ``standardize_dtype``, ``result_type``,
``is_float_dtype``, ``is_int_dtype`` (from :mod:`tinykeras.dtypes`) and
``is_keras_tensor``.

>>> tk.backend.result_type("int8", "uint8"), tk.backend.is_keras_tensor(tk.Input((2,)))
('int16', True)
"""
from .core import registry

_defaults = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def backend():
    """Name of the active backend: ``"numpy"``, ``"opencl"`` or a plugin's."""
    return registry.current_backend()


def set_backend(name):
    """Switch every following op to backend ``name``.

    Do it before creating tensors or models: arrays of one backend are not
    moved to another.  An unknown or unusable backend raises ``ValueError``
    (or the backend's own error, e.g. no OpenCL device) and the active
    backend stays as it was.
    """
    registry.set_backend(name)


def available_backends():
    """Backends that plugins registered, e.g. ``['numpy', 'opencl']``."""
    return sorted(registry.KERNELS)


def floatx():
    """The default float dtype of new variables and tensors (``"float32"``)."""
    return _defaults["floatx"]


def set_floatx(value):
    """Set the default float dtype: ``"float16"``, ``"float32"`` or ``"float64"``.

    (Keras also takes ``"bfloat16"``, which NumPy has not.)

    >>> set_floatx("float64"); floatx()
    'float64'
    >>> set_floatx("float32")
    """
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"set_floatx: expected float16, float32 or float64, got {value!r}")
    _defaults["floatx"] = value


def epsilon():
    """The small number added to denominators (``1e-07``)."""
    return _defaults["epsilon"]


def set_epsilon(value):
    """Set :func:`epsilon`.

    >>> set_epsilon(1e-5); epsilon()
    1e-05
    >>> set_epsilon(1e-7)
    """
    _defaults["epsilon"] = float(value)


def image_data_format():
    """Where image layers expect channels: ``"channels_last"`` (default) or ``"channels_first"``."""
    return _defaults["image_data_format"]


def set_image_data_format(data_format):
    """Set :func:`image_data_format`.

    >>> set_image_data_format("channels_first"); image_data_format()
    'channels_first'
    >>> set_image_data_format("channels_last")
    """
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"expected 'channels_last' or 'channels_first', got {data_format!r}")
    _defaults["image_data_format"] = data_format


def is_keras_tensor(x):
    """True for a symbolic tensor (from ``keras.Input`` or a layer called on one).

    >>> import tinykeras as keras
    >>> is_keras_tensor(keras.Input((3,))), is_keras_tensor(keras.ops.ones((3,)))
    (True, False)
    """
    from .layers.symbolic import KerasTensor  # here: layers build on backend
    return isinstance(x, KerasTensor)


# After the defaults above: dtypes reads floatx() when called.
from .dtypes import is_float_dtype, is_int_dtype, result_type, standardize_dtype  # noqa: E402,F401
from .global_state import clear_session, get_uid  # noqa: E402,F401
