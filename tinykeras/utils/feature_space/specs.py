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
from ...global_state import auto_name

FEATURE_MODULE = "keras.src.layers.preprocessing.feature_space"  # where Keras keeps Feature and Cross


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
    """A :class:`Feature`/:class:`Cross` (``expected``) from :func:`spec_config`'s dict."""
    classes = {"Feature": Feature, "Cross": Cross}
    if not isinstance(config, dict) or config.get("class_name") not in classes:
        raise ValueError(f"FeatureSpace: expected a serialized {expected}, got {config!r:.120}")
    return classes[config["class_name"]].from_config(dict(config.get("config") or {}))


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
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            from ..keras_objects import deserialize_keras_object  # utils/__init__ imports this package
            preprocessor = deserialize_keras_object(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        from ..keras_objects import serialize_keras_object  # utils/__init__ imports this package
        return {"dtype": self.dtype, "preprocessor": serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def float_(name=None):
    """Plain float values (an ``Identity`` preprocessor)."""
    name = name or auto_name("float")
    return Feature("float32", layers.Identity(dtype="float32", name=f"{name}_preprocessor"), "float")


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
