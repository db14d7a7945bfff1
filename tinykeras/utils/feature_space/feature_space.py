"""``keras.utils.FeatureSpace``: one object that preprocesses and encodes a
dict of structured features (numbers, integer and string categories),
with Keras 3's feature types, arguments and output.

>>> import numpy as np
>>> space = FeatureSpace({"price": "float_normalized", "rooms": FeatureSpace.float_rescaled(scale=0.5)})
>>> space.adapt({"price": np.array([1.0, 2.0, 3.0]), "rooms": np.array([2.0, 4.0, 6.0])})
>>> np.round(space({"price": np.array([3.0]), "rooms": np.array([4.0])}).numpy().astype(float), 4).tolist()
[[1.2247, 2.0]]
"""
import numpy as np

from ... import layers, ops, tree
from ...core.tensor import Tensor
from ...layers.layer import Layer
from . import specs
from .specs import Cross, Feature

# the string names of the feature types: name -> (constructor, FeatureSpace default it takes)
_TYPES = {"float": (specs.float_, None), "float_normalized": (specs.float_normalized, None),
          "float_rescaled": (specs.float_rescaled, None),
          "float_discretized": (specs.float_discretized, "num_discretization_bins"),
          "integer_categorical": (specs.integer_categorical, None),
          "string_categorical": (specs.string_categorical, None),
          "integer_hashed": (specs.integer_hashed, "hashing_dim"),
          "string_hashed": (specs.string_hashed, "hashing_dim")}
# preprocessors whose output space has a known size (for one-hot encoding): class -> attribute
_CARDINALITY = {"IntegerLookup": "vocabulary_size", "StringLookup": "vocabulary_size",
                "CategoryEncoding": "num_tokens", "Discretization": "num_bins", "Hashing": "num_bins",
                "HashedCrossing": "num_bins"}


def _cardinality(layer):
    attr = next((a for cls, a in _CARDINALITY.items()
                 if isinstance(layer, getattr(layers, cls, ()))), None)
    if attr is None:
        return None
    value = getattr(layer, attr)
    return value() if callable(value) else value


def _host(x):
    """A feature value as a NumPy array (strings stay strings)."""
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x)


class FeatureSpace(Layer):
    """``FeatureSpace(features, output_mode="concat", crosses=None, crossing_dim=32,
    hashing_dim=32, num_discretization_bins=32, name=None)``, as Keras 3.

    ``features`` maps each feature name to a type name (``"float"``,
    ``"float_normalized"``, ``"float_rescaled"``, ``"float_discretized"``,
    ``"integer_categorical"``, ``"string_categorical"``, ``"integer_hashed"``,
    ``"string_hashed"``) or to a spec from ``FeatureSpace.float_normalized()``
    etc. (or ``FeatureSpace.feature(dtype, preprocessor, output_mode)`` for
    any preprocessing layer).  ``crosses``: tuples of feature names (or
    ``FeatureSpace.cross(...)``) hashed together.  Call ``adapt(data)``
    (a dict of arrays, or a dataset of dict batches) first; then
    ``space(data)`` encodes a dict of arrays (batched or one sample):
    ``"concat"`` gives one float vector per sample, features (then crosses)
    in sorted name order, ``"dict"`` a dict of the encoded features.
    ``get_inputs()``/``get_encoded_features()`` give the symbolic inputs and
    outputs for a functional model.  Attributes: ``preprocessors``,
    ``crossers``, ``one_hot_encoders``.

    >>> space = FeatureSpace({"x": "float", "y": "float"}, output_mode="dict")
    >>> sorted(space({"x": [1.0], "y": [2.0]}))
    ['x', 'y']
    """

    cross = staticmethod(Cross)
    feature = staticmethod(Feature)
    float = staticmethod(specs.float_)
    float_rescaled = staticmethod(specs.float_rescaled)
    float_normalized = staticmethod(specs.float_normalized)
    float_discretized = staticmethod(specs.float_discretized)
    integer_categorical = staticmethod(specs.integer_categorical)
    string_categorical = staticmethod(specs.string_categorical)
    string_hashed = staticmethod(specs.string_hashed)
    integer_hashed = staticmethod(specs.integer_hashed)

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim, self.hashing_dim = crossing_dim, hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value) for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross, features) for cross in crosses or []]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                             f"Received: output_mode={output_mode}")
        self.output_mode = output_mode
        self.inputs = {name: layers.Input(shape=(1,), dtype=spec.dtype, name=name)
                       for name, spec in self.features.items()}
        self.preprocessors = {name: spec.preprocessor for name, spec in self.features.items()}
        self.encoded_features = None
        crossing = specs.preprocessing_layer("HashedCrossing", "crossing features") if self.crosses else None
        self.crossers = {cross.name: crossing(cross.crossing_dim, name=cross.name) for cross in self.crosses}
        self.one_hot_encoders = {}
        self.concat = None
        self._is_adapted = False
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return specs.spec_from_config(feature, "Feature")
        if feature not in _TYPES:
            raise ValueError(f"Invalid feature type: {feature}")
        make, default = _TYPES[feature]
        return make(getattr(self, default), name=name) if default else make(name=name)

    def _standardize_cross(self, cross, features):
        if isinstance(cross, dict):
            cross = specs.spec_from_config(cross, "Cross")
        if not isinstance(cross, Cross) and not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                             "crossing space) should be specified as well.")
        names = cross.feature_names if isinstance(cross, Cross) else cross
        if any(not isinstance(key, str) or key not in features for key in names):
            raise ValueError("All features referenced in the `crosses` argument should be present in the "
                             f"`features` dict. Received unknown features: {names!r:.120}")
        return cross if isinstance(cross, Cross) else Cross(cross, crossing_dim=self.crossing_dim)

    # -- adapting ---------------------------------------------------------------------
    def _list_adaptable_preprocessors(self):
        names = []
        for name in self.features:
            layer = self.preprocessors[name]
            if isinstance(layer, layers.Normalization) and layer.input_mean is not None:
                continue  # a Normalization with a preset mean/variance
            if isinstance(layer, layers.TextVectorization) and \
                    getattr(getattr(layer, "_lookup_layer", None), "_has_input_vocabulary", False):
                continue  # a TextVectorization given its vocabulary
            if hasattr(layer, "adapt"):
                names.append(name)
        return names

    def _columns(self, dataset, names):
        """``{name: array}`` of every sample of ``dataset`` (a dict of arrays or an iterable of dict batches)."""
        if isinstance(dataset, dict):
            return {name: _host(dataset[name]) for name in names}
        if isinstance(dataset, (str, bytes, np.ndarray, Tensor)) or not hasattr(dataset, "__iter__"):
            raise ValueError("`adapt()` can only be called on a dataset or a dict of arrays/lists. "
                             f"Received instead: {dataset!r:.80} (of type {type(dataset)})")
        parts = {name: [] for name in names}
        for batch in dataset:
            if not isinstance(batch, dict):
                raise ValueError("FeatureSpace.adapt(): the dataset must yield dicts of features (map away "
                                 f"the labels first); it yielded a {type(batch).__name__}")
            for name in names:
                parts[name].append(np.atleast_1d(_host(batch[name])))
        return {name: np.concatenate(chunks) for name, chunks in parts.items() if chunks}

    def adapt(self, dataset):
        """Learn each adaptable preprocessor's state (vocabularies, mean and
        variance, bin boundaries) from ``dataset``: a dict of arrays/lists, or
        an iterable (e.g. a ``tk.utils`` dataset) of dict batches."""
        names = self._list_adaptable_preprocessors()
        columns = self._columns(dataset, names)
        for name in names:
            if name not in columns:
                raise ValueError(f"FeatureSpace.adapt(): the data has no feature {name!r}")
            x = columns[name]
            self.preprocessors[name].adapt(x.reshape(-1, 1) if x.ndim <= 1 else x)
        self._is_adapted = True
        self.get_encoded_features()  # builds the encoders
        self._build_input_shape = {name: (None, 1) for name in self.features}  # what a saved file rebuilds
        self.built = self._sublayers_built = True

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before you can start "
                                 "using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # -- encoding ---------------------------------------------------------------------
    def get_inputs(self):
        """The dict of symbolic ``Input``s, one ``(None, 1)`` input per feature."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The symbolic encoded features (a tensor, or a dict in ``"dict"`` mode) of :meth:`get_inputs`."""
        self._check_if_adapted()
        if self.encoded_features is None:
            self.encoded_features = self._encode(self.inputs)
        return self.encoded_features

    def _encode(self, data):
        preprocessed = {name: self.preprocessors[name](data[name]) for name in data}
        crossed = {cross.name: self.crossers[cross.name]([preprocessed[n] for n in cross.feature_names])
                   for cross in self.crosses}
        return self._merge_features(preprocessed, crossed)

    def _merge_features(self, preprocessed, crossed):
        names = sorted(preprocessed) + sorted(crossed)
        merged = {}
        for name in names:
            feature = preprocessed[name] if name in preprocessed else crossed[name]
            if name not in self.one_hot_encoders and not self._sublayers_built:
                self._make_encoder(name, feature)
            encoder = self.one_hot_encoders.get(name)
            merged[name] = encoder(feature) if encoder else feature
        if self.output_mode == "dict":
            return merged
        for name, feature in merged.items():
            dtype = str(tree.flatten(feature)[0].dtype)
            if dtype.startswith(("int", "uint")) or dtype == "string":
                raise ValueError(f"Cannot concatenate features because feature '{name}' has not been encoded "
                                 f"(it has dtype {dtype}). Consider using `output_mode='dict'`.")
        if self.concat is None:
            self.concat = layers.Concatenate(axis=-1)
        return self.concat([merged[name] for name in names])

    def _make_encoder(self, name, feature):
        spec = self.features.get(name) or self.crosses_by_name[name]
        if spec.output_mode != "one_hot":
            return
        dtype = str(tree.flatten(feature)[0].dtype)
        if not dtype.startswith(("int", "uint")):
            raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor should return "
                             f"an integer dtype. Instead it returns a {dtype} dtype.")
        cardinality = _cardinality(self.preprocessors.get(name) or self.crossers.get(name))
        if cardinality is None:
            raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature "
                             "and the dimensionality of its output space is not known, thus it cannot be one-hot "
                             "encoded. Try using `output_mode='int'`.")
        self.one_hot_encoders[name] = layers.CategoryEncoding(num_tokens=cardinality, output_mode="multi_hot")

    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict. Received: data={data!r:.80} "
                             f"(of type {type(data)})")
        data = {key: _host(value) for key, value in data.items()}
        missing = sorted(set(self.features) - set(data))
        if missing:
            raise ValueError(f"FeatureSpace {self.name!r}: the data lacks the features {missing}")
        rebatched = False
        for name in self.features:
            x = data[name]
            if x.ndim == 0:
                x, rebatched = x.reshape(1, 1), True
            elif x.ndim == 1:
                x = x[:, None]
            dtype = self.features[name].dtype
            data[name] = x.astype(dtype) if dtype != "string" and x.dtype.kind in "biuf" else x
        merged = tree.map_structure(ops.convert_to_tensor, self._encode({n: data[n] for n in self.features}))
        if rebatched:
            if self.output_mode == "concat":
                if merged.shape[0] != 1:
                    raise ValueError(f"Expected rebatched data to have batch size 1. Received: shape={merged.shape}")
                return merged[0]
            return {name: x[0] if len(x.shape) == 2 and x.shape[0] == 1 else x for name, x in merged.items()}
        return merged

    # -- configuration -------------------------------------------------------------------
    def get_config(self):
        return {"features": {name: specs.spec_config(spec) for name, spec in self.features.items()},
                "output_mode": self.output_mode, "crosses": [specs.spec_config(c) for c in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def build(self, input_shape):
        """Build every preprocessor for its input shape (a dict of feature
        name -> shape) and count the space as adapted: how a saved space
        gets the variables its file then fills (Keras's ``build_from_config``)."""
        shapes = input_shape if isinstance(input_shape, dict) else dict.fromkeys(self.features, input_shape)
        for name, shape in shapes.items():
            if name not in self.features:
                raise ValueError(f"FeatureSpace {self.name!r}: build shape for unknown feature {name!r}")
            self.features[name].preprocessor._maybe_build(tuple(shape))
        self._build_input_shape = shapes
        self._is_adapted = True
        self.built = True

    def save(self, filepath):
        """Save the space (its configuration and adapted state) as a
        ``.safetensors`` file (or a ``.keras`` archive); reload it with
        ``tk.models.load_model``."""
        from ...saving import save_model  # saving builds on utils
        save_model(self, filepath)

    def get_build_config(self):
        """Keras's build config: each feature's :meth:`Feature.preprocessor_build_config`."""
        return {name: spec.preprocessor_build_config() for name, spec in self.features.items()}

    def build_shapes_from_config(self, config):
        """The ``{feature: shape}`` that :meth:`get_build_config`'s ``config``
        builds (``(None, 1)`` where it gives none); also reads the
        ``{"shapes_dict": {"<feature>_shape": shape}}`` of earlier tinykeras files.

        >>> FeatureSpace({"x": "float"}).build_shapes_from_config({"x": {"input_shape": [None, 1]}})
        {'x': [None, 1]}
        """
        if not isinstance(config, dict):
            raise ValueError(f"FeatureSpace {self.name!r}: a build config is a dict of features, got "
                             f"{type(config).__name__}")
        if set(config) == {"shapes_dict"} and "shapes_dict" not in self.features \
                and isinstance(config["shapes_dict"], dict):
            config = {key[:-len("_shape")] if key.endswith("_shape") else key: {"input_shape": shape}
                      for key, shape in config["shapes_dict"].items()}
        unknown = sorted(set(config) - set(self.features))
        if unknown:
            raise ValueError(f"FeatureSpace {self.name!r}: build config for features {unknown[:5]}, which "
                             f"it does not have (it has {sorted(self.features)[:10]})")
        shapes = {}
        for name, entry in config.items():
            if entry is not None and (not isinstance(entry, dict) or set(entry) - {"input_shape"}):
                raise ValueError(f"FeatureSpace {self.name!r}: the build config of feature {name!r} must be "
                                 f"{{'input_shape': shape}}, {{}} or null, got {entry!r:.80}")
            shapes[name] = (entry or {}).get("input_shape") or [None, 1]
        return shapes

    def build_from_config(self, config):
        """Build the preprocessors as :meth:`get_build_config`'s ``config`` says
        (how ``load_model`` gives the space the variables its file fills)."""
        self.build(self.build_shapes_from_config(config))
