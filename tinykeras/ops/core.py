"""``keras.ops.core``: core ops (Keras's ``keras.src.ops.core``: control flow, scatter, slices, casts), the same functions as in ``tk.ops``.

>>> from tinykeras.ops.core import *
>>> cast([1.7], "int32").numpy().tolist()
[1]
"""
import sys as _sys

from .namespaces import export as _export

NAMES = """
    associative_scan cast cond convert_to_numpy convert_to_tensor custom_gradient dtype
    fori_loop is_tensor map saturate_cast scan scatter scatter_update shape slice slice_update
    stop_gradient switch unstack vectorized_map while_loop
"""
_export(__name__, NAMES, _sys.modules["tinykeras.ops"])
