"""Global settings, as ``keras.config``, and the settings tinykeras reads
from the environment (for plugins: the public way to them).

>>> import tinykeras as tk
>>> tk.config.floatx(), tk.config.backend()
('float32', 'numpy')
>>> tk.config.setting("opencl_device") is None or True   # $TINYKERAS_OPENCL_DEVICE
True
"""
from . import _config
from .backend import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                      set_image_data_format)


def setting(name):
    """The value of ``TINYKERAS_<NAME>`` (``name`` in any case), or None when it
    is unset or empty.  Plugins read their settings here, e.g. the OpenCL
    plugin ``setting("opencl_device")``; every ``TINYKERAS_*`` variable is
    read in one module (``tinykeras/_config.py``, which lists them)."""
    return _config.setting(name)


__all__ = ["backend", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "setting"]
