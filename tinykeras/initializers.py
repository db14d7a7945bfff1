"""Weight initializers with Keras 3's names, defaults and fan rules.

An initializer is called as ``init(shape, dtype="float32")`` and returns a
NumPy array, which ``tk.Variable`` and the layers turn into a weight.

>>> import tinykeras as tk
>>> init = tk.initializers.get("glorot_uniform")
>>> w = init((4, 3))
>>> w.shape, w.dtype.name, bool(abs(w).max() <= (6 / 7) ** 0.5)
((4, 3), 'float32', True)

Randomness.  ``seed=<int>``: every call draws the same values from
``np.random.default_rng(seed)`` (as in Keras, a seeded initializer is
deterministic).  ``seed=None``: values come from the framework-wide generator
of ``tinykeras.random``, which ``keras.utils.set_random_seed`` reseeds (see
:func:`reseed`), and each call draws new values.  *Deviation from Keras:* Keras gives an unseeded instance
a fixed random seed when it is created, so reusing one instance for two
layers gives them equal weights there; here they differ.  The numbers
themselves come from NumPy's generator, so they never equal Keras's bit for
bit; their distributions do.
"""
import math

import numpy as np

from . import backend as _backend
from . import random as _random
from . import serialization
from .ops.signal_ops import get_window


def reseed(seed):
    """Reseed the generator that unseeded initializers (and ``tk.random``) draw from.

    >>> reseed(0); a = RandomNormal()((2,))
    >>> reseed(0); bool((a == RandomNormal()((2,))).all())
    True
    """
    _random.reseed(seed)


def _dtype(dtype):
    return np.dtype(dtype or _backend.floatx())


def _shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` as Keras computes them.

    Conv kernels ``(*spatial, in, out)`` multiply in/out by the receptive
    field size.

    >>> compute_fans((3, 3, 16, 32)), compute_fans((5, 7)), compute_fans((4,))
    ((144, 288), (5, 7), (4, 4))
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)``.

    >>> class Twos(Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return np.full(shape, 2.0, dtype=dtype or "float32")
    >>> Twos()((2,)).tolist()
    [2.0, 2.0]
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())

    def __repr__(self):
        return f"<{type(self).__name__} {self.get_config()}>"


class Zeros(Initializer):
    """All zeros.

    >>> Zeros()((2,)).tolist()
    [0.0, 0.0]
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones.

    >>> Ones()((2,), dtype="int32").tolist()
    [1, 1]
    """

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every entry equal to ``value`` (default 0.0).

    >>> Constant(3.0)((2,)).tolist()
    [3.0, 3.0]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(_shape(shape), np.asarray(self.value), dtype=_dtype(dtype))

    def get_config(self):
        value = self.value
        return {"value": value.tolist() if isinstance(value, np.ndarray) else value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only).

    >>> Identity(2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    """Base of the random initializers: holds ``seed`` and picks the generator.

    >>> RandomNormal(seed=3).get_config()["seed"]
    3
    """

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` argument should be an integer or None. Received: seed={seed}")
        self.seed = None if seed is None else int(seed)

    def _rng(self):
        if self.seed is None:
            return _random._rng(None)  # the shared generator behind unseeded draws
        return np.random.default_rng(self.seed)

    def _normal(self, shape, mean, stddev, dtype):
        rng, dtype = self._rng(), _dtype(dtype)
        return (rng.standard_normal(_shape(shape)) * stddev + mean).astype(dtype)

    def _truncated(self, shape, mean, stddev, dtype):
        """Normal values, redrawn until each lies within two stddevs (as Keras)."""
        rng, dtype = self._rng(), _dtype(dtype)
        z = rng.standard_normal(_shape(shape))
        bad = np.abs(z) > 2.0
        while bad.any():
            z[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(z) > 2.0
        return (z * stddev + mean).astype(dtype)

    def _uniform(self, shape, minval, maxval, dtype):
        rng, dtype = self._rng(), _dtype(dtype)
        return rng.uniform(minval, maxval, _shape(shape)).astype(dtype)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Normal values, ``RandomNormal(mean=0.0, stddev=0.05, seed=None)``.

    >>> w = RandomNormal(stddev=1.0, seed=1)((10000,)); round(float(w.std()), 1)
    1.0
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._normal(shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomNormal):
    """Normal values redrawn outside two stddevs; ``TruncatedNormal(0.0, 0.05, seed=None)``.

    >>> bool(abs(TruncatedNormal(stddev=1.0, seed=0)((1000,))).max() <= 2.0)
    True
    """

    def __call__(self, shape, dtype=None):
        return self._truncated(shape, self.mean, self.stddev, dtype)


class RandomUniform(RandomInitializer):
    """Uniform values in ``[minval, maxval)``; ``RandomUniform(-0.05, 0.05, seed=None)``.

    >>> w = RandomUniform(0.0, 1.0, seed=0)((100,)); bool(w.min() >= 0 and w.max() < 1)
    True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._uniform(shape, self.minval, self.maxval, dtype)

    def get_config(self):
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Scale / fan, as Keras: ``VarianceScaling(scale=1.0, mode="fan_in",
    distribution="truncated_normal", seed=None)``.

    ``truncated_normal`` uses stddev ``sqrt(scale/fan) / 0.8796...`` (the
    stddev of a unit normal truncated at 2), ``untruncated_normal`` uses
    ``sqrt(scale/fan)`` and ``uniform`` the limit ``sqrt(3*scale/fan)``.

    >>> w = VarianceScaling(2.0, "fan_in", "uniform", seed=0)((50, 10))
    >>> bool(abs(w).max() <= (3 * 2.0 / 50) ** 0.5)
    True
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of "
                             "{'fan_in', 'fan_out', 'fan_avg'}")
        distribution = distribution.lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}. Please use one of "
                             "{'uniform', 'truncated_normal', 'untruncated_normal'}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        if self.distribution == "truncated_normal":
            return self._truncated(shape, 0.0, math.sqrt(scale) / 0.87962566103423978, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _variance_scaling_preset(name, scale, mode, distribution, doc):
    """A VarianceScaling subclass with fixed scale/mode/distribution (GlorotUniform, ...)."""
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    cls = type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                          "__doc__": doc, "__module__": __name__})
    return cls


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))`` (Xavier uniform); ``GlorotUniform(seed=None)``.

    >>> bool(abs(GlorotUniform(seed=0)((3, 5))).max() <= (6 / 8) ** 0.5)
    True
    """)
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    """Truncated normal, stddev ``sqrt(2 / (fan_in + fan_out))``; ``GlorotNormal(seed=None)``.

    >>> GlorotNormal(seed=0)((3, 5)).shape
    (3, 5)
    """)
HeNormal = _variance_scaling_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    """Truncated normal, stddev ``sqrt(2 / fan_in)``; ``HeNormal(seed=None)``.

    >>> HeNormal(seed=0)((3, 5)).dtype.name
    'float32'
    """)
HeUniform = _variance_scaling_preset(
    "HeUniform", 2.0, "fan_in", "uniform",
    """Uniform in ``±sqrt(6 / fan_in)``; ``HeUniform(seed=None)``.

    >>> bool(abs(HeUniform(seed=0)((6, 5))).max() <= 1.0)
    True
    """)
LecunNormal = _variance_scaling_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    """Truncated normal, stddev ``sqrt(1 / fan_in)``; ``LecunNormal(seed=None)``.

    >>> LecunNormal(seed=0)((3, 5)).shape
    (3, 5)
    """)
LecunUniform = _variance_scaling_preset(
    "LecunUniform", 1.0, "fan_in", "uniform",
    """Uniform in ``±sqrt(3 / fan_in)``; ``LecunUniform(seed=None)``.

    >>> bool(abs(LecunUniform(seed=0)((3, 5))).max() <= 1.0)
    True
    """)


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain`` from the QR of a normal matrix,
    reshaped to ``shape`` (rows: product of all but the last axis).

    >>> q = Orthogonal(seed=0)((4, 4)); bool(np.allclose(q @ q.T, np.eye(4), atol=1e-5))
    True
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"seed": self.seed, "gain": self.gain}


class STFT(Initializer):
    """``STFT(side="real", window="hann", scaling="density", periodic=False)``,
    as Keras 3: for a shape ``(T, 1, F)``, ``cos`` (``"real"``) or ``sin``
    (``"imag"``) of ``-2 pi t f / (2 (F - 1))``, times the window
    (``get_window``'s names, an array of ``T`` values, or None), divided by
    the window's L2 norm (``"density"``) or L1 norm (``"spectrum"``).
    Keras computes the window with SciPy; tinykeras with NumPy (same values).

    >>> kernel = STFT("real", window=None)((4, 1, 3))
    >>> (kernel[:, 0, :].round(6) + 0.0).tolist()
    [[1.0, 1.0, 1.0], [1.0, 0.0, -1.0], [1.0, -1.0, 1.0], [1.0, 0.0, -1.0]]
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name raises now
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        frame_length, _, fft_bins = _shape(shape)
        freq = np.arange(fft_bins, dtype=dtype).reshape(1, 1, -1) / dtype.type(max((fft_bins - 1) * 2, 1))
        time = np.arange(frame_length, dtype=dtype).reshape(-1, 1, 1)
        args = (-2 * time) * freq * dtype.type(np.pi)
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = get_window(self.window, frame_length, self.periodic).astype(dtype).reshape(-1, 1, 1)
            scale = np.sqrt(np.sum(win ** 2)) if self.scaling == "density" else \
                np.sum(np.abs(win)) if self.scaling == "spectrum" else 1
            kernel = kernel * win / scale
        return np.broadcast_to(kernel, (frame_length, shape[1], fft_bins)).astype(dtype)

    def get_config(self):
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}


ALL_OBJECTS = (Initializer, Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal,
               RandomUniform, VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform,
               LecunNormal, LecunUniform, Orthogonal, STFT)
ALL_OBJECTS_DICT = serialization.build_table(ALL_OBJECTS, {
    "normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros,
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
    "identity": Identity, "orthogonal": Orthogonal, "constant": Constant, "STFTInitializer": STFT,
    "stft": STFT})

# Lower-case function-style aliases, as ``keras.initializers.glorot_uniform``.
zeros, ones, constant, identity, orthogonal = Zeros, Ones, Constant, Identity, Orthogonal
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal  # Keras's second names
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_uniform, glorot_normal = VarianceScaling, GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
stft = STFTInitializer = STFT


def serialize(initializer):
    """Keras-style config dict.

    >>> serialize(Constant(2.0))["config"]
    {'value': 2.0}
    """
    return serialization.serialize(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    """The initializer described by ``config`` (a dict or a name).

    >>> deserialize({"class_name": "HeNormal", "config": {"seed": 3}}).seed
    3
    """
    obj = serialization.deserialize(config, ALL_OBJECTS_DICT, "initializer", custom_objects)
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """An initializer from a name (``"he_normal"``, ``"HeNormal"``, ``"normal"``),
    a config dict, a class, an instance, a callable, or an array (used as the value).

    >>> type(get("glorot_uniform")).__name__, type(get("zero")).__name__
    ('GlorotUniform', 'Zeros')
    >>> get(np.ones((2,)))((2,)).tolist()
    [1.0, 1.0]
    """
    if isinstance(identifier, np.ndarray) or hasattr(identifier, "numpy") and not callable(identifier):
        value = np.asarray(identifier)

        def initialize_fn(shape, dtype=None):
            if _shape(shape) != value.shape:
                raise ValueError(f"Expected `shape` to be {value.shape} for direct tensor as "
                                 f"initializer. Received shape={shape}")
            return value.astype(_dtype(dtype))
        return initialize_fn
    return serialization.get_from_identifier(identifier, ALL_OBJECTS_DICT, "initializer")
