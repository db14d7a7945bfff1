"""``keras.ops.linalg``: linear algebra, the same functions as in ``tk.ops``.

>>> import tinykeras as tk
>>> tk.ops.linalg.__name__
'tinykeras.ops.linalg'
"""
import sys as _sys

from .namespaces import export as _export

NAMES = """
    cholesky cholesky_inverse det eig eigh inv jvp lstsq lu_factor matrix_rank norm pinv qr
    solve solve_triangular svd
"""
_export(__name__, NAMES, _sys.modules["tinykeras.ops"])
