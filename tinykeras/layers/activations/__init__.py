"""Activation layers, as in ``keras.layers``: ``ReLU``, ``LeakyReLU``,
``ELU``, ``Softmax`` (no weights) and ``PReLU`` (a learned slope).

>>> import tinykeras as tk
>>> tk.layers.ReLU(max_value=6.0)(tk.ops.convert_to_tensor([-1.0, 3.0, 9.0])).numpy().tolist()
[0.0, 3.0, 6.0]
"""
from .activation_layers import ELU, LeakyReLU, ReLU, Softmax
from .prelu import PReLU

__all__ = ["ReLU", "LeakyReLU", "ELU", "Softmax", "PReLU"]
