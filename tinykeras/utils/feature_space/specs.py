"""What a ``FeatureSpace`` is made of: a :class:`Feature` (an input dtype,
the preprocessing layer that encodes it, and how its result is output) and
a :class:`Cross` (features hashed together), with the constructors behind
``FeatureSpace.float()``, ``FeatureSpace.string_categorical()``, ...

Each constructor builds the Keras preprocessing layer Keras uses for it.

>>> spec = float_rescaled(scale=2.0, name="price")
>>> spec.dtype, spec.output_mode, type(spec.preprocessor).__name__, spec.preprocessor.name
('float32', 'float', 'Rescaling', 'price_preprocessor')
"""
from ... import layers
from ...layers.layer import Layer
from ...global_state import auto_name

FEATURE_MODULE = "keras.src.layers.preprocessing.feature_space"  # where Keras keeps Feature and Cross


class TFDIdentity(layers.Identity):
    """The preprocessor of a plain ``FeatureSpace.float()`` feature: the
    identity, under the class name Keras gives it (Keras runs it on TensorFlow
    tensors; tinykeras has one kind of tensor).

    >>> import numpy as np
    >>> TFDIdentity()(np.array([[1.5]], "float32")).numpy().tolist()
    [[1.5]]
    """

    _registered_name = "TFDIdentity"  # Keras writes an unexported class's own name


def preprocessing_layer(class_name, what):
    """``tk.layers.<class_name>``, or a ValueError saying ``what`` needs it."""
    cls = getattr(layers, class_name, None)
    if cls is None:
        raise ValueError(f"FeatureSpace: {what} needs the preprocessing layer keras.layers.{class_name}, "
                         "which tinykeras does not have yet")
    return cls


def spec_config(obj):
    """``obj``'s Keras-style config (``module``, ``class_name``, ``config``)."""
    name = type(obj).__name__
    return {"module": FEATURE_MODULE, "class_name": name, "config": obj.get_config(), "registered_name": name}


def spec_from_config(config, expected):
    """A :class:`Feature`/:class:`Cross` (``expected``) from :func:`spec_config`'s dict
    (Keras's: ``module`` its feature-space module, ``registered_name`` the class name).

    >>> spec_from_config({"module": "os", "class_name": "Cross", "config": {}}, "Cross")
    Traceback (most recent call last):
    ...
    ValueError: FeatureSpace: a serialized Cross has module 'keras.src.layers.preprocessing.feature_space' (or none), got 'os'
    """
    if not isinstance(config, dict) or config.get("class_name") != expected \
            or not isinstance(config.get("config"), (dict, type(None))):
        raise ValueError(f"FeatureSpace: expected a serialized {expected}, got {config!r:.120}")
    extra = sorted(map(str, set(config) - {"module", "class_name", "config", "registered_name", "shared_object_id"}))
    if extra:
        raise ValueError(f"FeatureSpace: a serialized {expected} has unexpected keys {extra[:5]}")
    if config.get("module") not in (None, FEATURE_MODULE):
        raise ValueError(f"FeatureSpace: a serialized {expected} has module {FEATURE_MODULE!r} (or none), "
                         f"got {config['module']!r:.80}")
    if config.get("registered_name") not in (None, expected):
        raise ValueError(f"FeatureSpace: a serialized {expected} has registered_name {expected!r} (or null), "
                         f"got {config['registered_name']!r:.80}")
    return {"Feature": Feature, "Cross": Cross}[expected].from_config(dict(config.get("config") or {}))


class Cross:
    """Features crossed together by hashing their values into ``crossing_dim``
    bins (a ``HashedCrossing`` layer named ``"a_X_b"``); ``output_mode``
    ``"one_hot"`` or ``"int"``.

    >>> Cross(("city", "floor"), crossing_dim=16).name
    'city_X_floor'
    """

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                             f"Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One input feature: its ``dtype`` (``"float32"``, ``"int32"`` or
    ``"string"``), the ``preprocessor`` layer (or its serialized config) and
    ``output_mode`` (``"float"``, ``"int"``, or ``"one_hot"``: the
    preprocessor's integer output one-hot encoded).

    >>> Feature("float32", layers.Identity(), "float").get_config()["preprocessor"]["class_name"]
    'Identity'
    """

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', "
                             f"'float'}}. Received: output_mode={output_mode}")
        from ...saving.layer_config import DTYPES, deserialize_layer  # saving builds on utils
        if dtype not in DTYPES:
            raise ValueError(f"Feature: dtype must be one of {sorted(DTYPES)}, got {dtype!r:.80}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):  # checked and bounded as a model file's layer is
            preprocessor = deserialize_layer(preprocessor)
        if not isinstance(preprocessor, Layer):
            raise TypeError(f"Feature: preprocessor must be a Layer (or its config), got "
                            f"{type(preprocessor).__name__} {preprocessor!r:.80}")
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        from ...saving.layer_config import serialize_layer  # saving builds on utils
        preprocessor = {k: v for k, v in serialize_layer(self.preprocessor).items() if k != "build_config"}
        if self.preprocessor_build_config() is not None:
            preprocessor["build_config"] = self.preprocessor_build_config()
        return {"dtype": self.dtype, "preprocessor": preprocessor, "output_mode": self.output_mode}

    def preprocessor_build_config(self):
        """The preprocessor's build config as Keras writes it in a feature
        space: ``{"input_shape": [None, ...]}`` once built (a space feeds it
        ``(None, 1)`` batches), ``{}`` for a lookup layer (it needs no shape),
        None before it is built.

        >>> Feature("float32", layers.Identity(), "float").preprocessor_build_config()
        {'input_shape': [None, 1]}
        """
        layer = self.preprocessor
        if isinstance(layer, (layers.IntegerLookup, layers.StringLookup)):  # Keras leaves theirs empty
            return {}
        shape = layer._build_input_shape if isinstance(layer._build_input_shape, tuple) else (None, 1)
        return {"input_shape": [None, *shape[1:]]} if layer.built else None

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def float_(name=None):
    """Plain float values (an ``Identity`` preprocessor)."""
    name = name or auto_name("float")
    return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"), "float")


def float_rescaled(scale=1.0, offset=0.0, name=None):
    """Floats times ``scale`` plus ``offset`` (a ``Rescaling`` layer)."""
    name = name or auto_name("float_rescaled")
    return Feature("float32", layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor"), "float")


def float_normalized(name=None):
    """Floats standardized with the mean and variance ``adapt`` learns (``Normalization``)."""
    name = name or auto_name("float_normalized")
    return Feature("float32", layers.Normalization(axis=-1, name=f"{name}_preprocessor"), "float")


def float_discretized(num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
    """Floats put into bins (``Discretization``; quantile bins from ``adapt``)."""
    name = name or auto_name("float_discretized")
    layer = preprocessing_layer("Discretization", "float_discretized")
    return Feature("float32", layer(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                    name=f"{name}_preprocessor"), output_mode)


def integer_categorical(max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
    """Integers indexed by the vocabulary ``adapt`` learns (``IntegerLookup``)."""
    name = name or auto_name("integer_categorical")
    layer = preprocessing_layer("IntegerLookup", "integer_categorical")
    return Feature("int32", layer(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                  num_oov_indices=num_oov_indices), output_mode)


def string_categorical(max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
    """Strings indexed by the vocabulary ``adapt`` learns (``StringLookup``)."""
    name = name or auto_name("string_categorical")
    layer = preprocessing_layer("StringLookup", "string_categorical")
    return Feature("string", layer(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                   num_oov_indices=num_oov_indices), output_mode)


def _hashed(dtype, kind, num_bins, output_mode, name):
    name = name or auto_name(kind)
    layer = preprocessing_layer("Hashing", kind)
    return Feature(dtype, layer(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)


def string_hashed(num_bins, output_mode="one_hot", name=None):
    """Strings hashed into ``num_bins`` bins (``Hashing``)."""
    return _hashed("string", "string_hashed", num_bins, output_mode, name)


def integer_hashed(num_bins, output_mode="one_hot", name=None):
    """Integers hashed into ``num_bins`` bins (``Hashing``)."""
    return _hashed("int32", "integer_hashed", num_bins, output_mode, name)
