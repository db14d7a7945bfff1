"""Save and load round trips: every built-in layer, functional graphs with
several inputs and outputs, nested and subclassed models, custom
registered layers, plugins, the directory form and ``inspect``.

Predictions after loading must be identical bit for bit.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import UnknownObjectError, object_registration
from tinykeras.saving import inspect as tk_inspect
from tinykeras.saving.layer_config import deserialize_layer, serialize_layer

L = tk.layers
# Layer name -> (constructor kwargs, or a function making the layer; input
# shapes without the batch axis).  Layers not listed are tried with no
# arguments on a few common shapes; RNN cells are saved inside an RNN.
CASES = {
    "Dense": ({"units": 3, "activation": "relu"}, [(4,)]),
    "Activation": ({"activation": "tanh"}, [(4,)]),
    "Dropout": ({"rate": 0.5}, [(4,)]),
    "AlphaDropout": ({"rate": 0.5}, [(4,)]),
    "GaussianDropout": ({"rate": 0.5}, [(4,)]),
    "GaussianNoise": ({"stddev": 0.5}, [(4,)]),
    "StochasticDepth": ({"drop_path_rate": 0.5}, [(3, 3, 4)]),
    "LayerScale": ({"init_values": 0.5, "projection_dim": 4}, [(3, 4)]),
    "SpatialDropout1D": ({"rate": 0.5}, [(5, 4)]),
    "SpatialDropout2D": ({"rate": 0.5}, [(5, 5, 4)]),
    "SpatialDropout3D": ({"rate": 0.5}, [(3, 3, 3, 2)]),
    "Embedding": ({"input_dim": 10, "output_dim": 3}, [(5,)]),
    "Rescaling": ({"scale": 0.5, "offset": 1.0}, [(4,)]),
    "Permute": ({"dims": (2, 1)}, [(2, 3)]),
    "RepeatVector": ({"n": 3}, [(4,)]),
    "Reshape": ({"target_shape": (2, 2)}, [(4,)]),
    "Dot": ({"axes": 1}, [(4,), (4,)]),
    "Conv1D": ({"filters": 2, "kernel_size": 3}, [(7, 3)]),
    "Conv2D": ({"filters": 2, "kernel_size": 3, "padding": "same"}, [(6, 6, 3)]),
    "Conv3D": ({"filters": 2, "kernel_size": 2}, [(4, 4, 4, 2)]),
    "Conv1DTranspose": ({"filters": 2, "kernel_size": 3, "strides": 2}, [(5, 3)]),
    "Conv2DTranspose": ({"filters": 2, "kernel_size": 3, "strides": 2}, [(4, 4, 3)]),
    "Conv3DTranspose": ({"filters": 2, "kernel_size": 2}, [(3, 3, 3, 2)]),
    "DepthwiseConv1D": ({"kernel_size": 3, "depth_multiplier": 2}, [(7, 3)]),
    "DepthwiseConv2D": ({"kernel_size": 3, "depth_multiplier": 2}, [(6, 6, 3)]),
    "SeparableConv1D": ({"filters": 2, "kernel_size": 3}, [(7, 3)]),
    "SeparableConv2D": ({"filters": 2, "kernel_size": 3}, [(6, 6, 3)]),
    "Resizing": ({"height": 3, "width": 5}, [(6, 6, 3)]),
    "CenterCrop": ({"height": 3, "width": 4}, [(6, 6, 3)]),
    "RandomRotation": ({"factor": 0.2, "seed": 1}, [(6, 6, 3)]),
    "RandomZoom": ({"height_factor": 0.2, "seed": 1}, [(6, 6, 3)]),
    "RandomTranslation": ({"height_factor": 0.2, "width_factor": 0.2, "seed": 1}, [(6, 6, 3)]),
    "RandomContrast": ({"factor": 0.2, "seed": 1}, [(6, 6, 3)]),
    "RandomFlip": ({"seed": 1}, [(6, 6, 3)]),
    "RandomBrightness": ({"factor": 0.2, "seed": 1}, [(6, 6, 3)]),
    "RandomColorDegeneration": ({"factor": 0.2}, [(6, 6, 3)]),
    "RandomColorJitter": ({"brightness_factor": 0.1, "hue_factor": 0.2}, [(6, 6, 3)]),
    "RandomGaussianBlur": ({"sigma": (0.5, 1.0)}, [(6, 6, 3)]),
    "RandomGrayscale": ({}, [(6, 6, 3)]),
    "RandomHue": ({"factor": 0.2}, [(6, 6, 3)]),
    "RandomInvert": ({}, [(6, 6, 3)]),
    "RandomPosterization": ({"factor": 4}, [(6, 6, 3)]),
    "RandomSaturation": ({"factor": 0.2}, [(6, 6, 3)]),
    "RandomSharpness": ({"factor": 0.2}, [(6, 6, 3)]),
    "Solarization": ({"threshold_factor": 0.5}, [(6, 6, 3)]),
    "AutoContrast": ({}, [(6, 6, 3)]),
    "Equalization": ({"bins": 16}, [(6, 6, 3)]),
    "ContrastLimitedAdaptiveHistogramEqualization": ({"tile_grid_size": (2, 2)}, [(6, 6, 3)]),
    "RandomShear": ({"x_factor": 0.2}, [(6, 6, 3)]),
    "RandomCrop": ({"height": 4, "width": 5}, [(6, 6, 3)]),
    "RandomErasing": ({}, [(6, 6, 3)]),
    "MixUp": ({}, [(6, 6, 3)]),
    "CutMix": ({}, [(6, 6, 3)]),
    "RandomPerspective": ({"scale": 0.5}, [(6, 6, 3)]),
    "RandomElasticTransform": ({"scale": 0.5}, [(6, 6, 3)]),
    "MaxNumBoundingBoxes": ({"max_number": 3}, [(6, 6, 3)]),
    "LSTM": ({"units": 3, "return_sequences": True}, [(5, 4)]),
    "GRU": ({"units": 3}, [(5, 4)]),
    "SimpleRNN": ({"units": 3}, [(5, 4)]),
    "MultiHeadAttention": ({"num_heads": 2, "key_dim": 3}, [(5, 4), (5, 4)]),  # called as (query, value)
    "Attention": ({}, [(5, 4), (5, 4)]),
    "Normalization": ({"mean": 1.0, "variance": 2.0}, [(4,)]),
    "Discretization": ({"bin_boundaries": [0.0, 0.5]}, [(4,)]),
    "STFTSpectrogram": ({"mode": "log", "frame_length": 4, "window": "hamming"}, [(12, 2)]),
    "MelSpectrogram": ({"fft_length": 16, "sequence_stride": 4, "num_mel_bins": 4}, [(32,)]),
    "Pipeline": (lambda: L.Pipeline([L.Dense(3), L.Dense(2)]), [(4,)]),
    "CategoryEncoding": ({"num_tokens": 6, "output_mode": "one_hot"}, [()]),
    "GroupNormalization": ({"groups": 2}, [(5, 4)]),
    "AdaptiveAveragePooling1D": ({"output_size": 2}, [(5, 4)]),
    "AdaptiveMaxPooling1D": ({"output_size": 3}, [(5, 4)]),
    "AdaptiveAveragePooling2D": ({"output_size": (2, 3)}, [(5, 6, 2)]),
    "AdaptiveMaxPooling2D": ({"output_size": 2}, [(5, 6, 2)]),
    "AdaptiveAveragePooling3D": ({"output_size": 2}, [(3, 4, 5, 2)]),
    "AdaptiveMaxPooling3D": ({"output_size": (1, 2, 2)}, [(3, 4, 5, 2)]),
    "LeakyReLU": ({"negative_slope": 0.2}, [(4,)]),
    "PReLU": ({}, [(4,)]),
    "Softmax": ({"axis": -1}, [(4,)]),
    "RNN": (lambda: L.RNN(L.SimpleRNNCell(3), return_sequences=True), [(5, 4)]),
    "SimpleRNNCell": (lambda: L.RNN(L.SimpleRNNCell(3)), [(5, 4)]),
    "LSTMCell": (lambda: L.RNN(L.LSTMCell(3)), [(5, 4)]),
    "GRUCell": (lambda: L.RNN(L.GRUCell(3)), [(5, 4)]),
    "StackedRNNCells": (lambda: L.RNN(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)])), [(5, 4)]),
    "Bidirectional": (lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)), [(5, 4)]),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(2)), [(5, 4)]),
    "ConvLSTM1D": ({"filters": 2, "kernel_size": 2, "return_sequences": True}, [(3, 5, 2)]),
    "ConvLSTM2D": ({"filters": 2, "kernel_size": 2, "padding": "same"}, [(2, 3, 3, 1)]),
    "ConvLSTM3D": ({"filters": 1, "kernel_size": 2}, [(2, 3, 2, 2, 1)]),
    "EinsumDense": ({"equation": "abc,cde->abde", "output_shape": (5, 2, 3), "bias_axes": "de"}, [(5, 4)]),
    "ReversibleEmbedding": ({"input_dim": 10, "output_dim": 3, "tie_weights": False}, [(5,)]),
    "SpectralNormalization": (lambda: L.SpectralNormalization(L.Conv1D(3, 2)), [(5, 4)]),
    "GroupQueryAttention": ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2}, [(5, 4), (5, 4)]),
    "GroupedQueryAttention": ({"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 1, "use_gate": True},
                              [(5, 4), (3, 4)]),
}
# Layers that take Python strings or dicts (not tensors) are checked alone, through their config.
STANDALONE = {"TextVectorization": (lambda: L.TextVectorization(vocabulary=["cat", "dog"], ngrams=2),
                                    ["The cat sat", "a dog, a cat"]),
              "StringLookup": (lambda: L.StringLookup(vocabulary=["cat", "dog"], output_mode="count"),
                               [["cat", "x"], ["dog", "dog"]]),
              "IntegerLookup": (lambda: L.IntegerLookup(vocabulary=[7, 3], mask_token=0), [[7, 0], [3, 9]]),
              "Hashing": (lambda: L.Hashing(num_bins=5, salt=3), [["a", "b"], ["c", "d"]]),
              "HashedCrossing": (lambda: L.HashedCrossing(num_bins=5), [["a", "b"], [1, 2]]),
              "FeatureSpace": (lambda: tk.utils.FeatureSpace({"x": tk.utils.FeatureSpace.float_rescaled(scale=2.0),
                                                              "y": "float"}), {"x": [1.0, 2.0], "y": [3.0, 4.0]})}
INTEGER_INPUTS = {"Embedding", "CategoryEncoding", "ReversibleEmbedding"}
SEPARATE_ARGUMENTS = {"MultiHeadAttention", "GroupQueryAttention", "GroupedQueryAttention"}  # layer(a, b)
BASES = {"Merge", "Wrapper"}  # abstract base classes exported by tk.layers
GUESS_SHAPES = [[(4,)], [(6, 4)], [(6, 6, 4)], [(4, 4, 4, 2)], [(4,), (4,)], [(6, 4), (6, 4)]]


def _inputs(name, shapes, rng):
    if name in INTEGER_INPUTS:
        return [rng.integers(0, 6, size=(3,) + s).astype("int32") for s in shapes]
    return [rng.normal(size=(3,) + s).astype("float32") for s in shapes]


def _model_for(name):
    cls = object_registration.builtin_layers()[name]
    tries = [CASES[name]] if name in CASES else [({}, shapes) for shapes in GUESS_SHAPES]
    errors = []
    for kwargs, shapes in tries:
        try:
            dtype = "int32" if name in INTEGER_INPUTS else "float32"
            inputs = [tk.Input(s, dtype=dtype) for s in shapes]
            layer = kwargs() if callable(kwargs) else cls(**kwargs)
            out = layer(*inputs) if name in SEPARATE_ARGUMENTS else \
                layer(inputs if len(inputs) > 1 else inputs[0])
            model = tk.Model(inputs, out)
            model.predict_on_batch(_inputs(name, shapes, np.random.default_rng(0)))
            return model, shapes
        except Exception as exc:  # try the next guess
            errors.append(f"{shapes}: {type(exc).__name__}: {exc}")
    pytest.fail(f"layer {name}: no case works; add one to CASES in {__file__}:\n" + "\n".join(errors))


def _randomize(model, rng):
    for v in model.weights:
        if np.dtype(v.dtype).kind == "f":
            v.assign(rng.uniform(0.5, 1.5, size=v.shape).astype(v.dtype))


def _same(a, b):
    a, b = tk.tree.flatten(a), tk.tree.flatten(b)
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


LAYERS = sorted(set(object_registration.builtin_layers()) - {"InputLayer"} - BASES)


@pytest.mark.parametrize("name", LAYERS)
def test_every_builtin_layer_round_trips(tmp_path, name):
    if name in STANDALONE:
        make, data = STANDALONE[name]
        layer = make()
        again = deserialize_layer(json.loads(json.dumps(serialize_layer(layer))))
        assert again.get_config() == layer.get_config()
        assert np.array_equal(layer(data).numpy(), again(data).numpy())
        return
    rng = np.random.default_rng(1)
    model, shapes = _model_for(name)
    _randomize(model, rng)
    x = _inputs(name, shapes, rng)
    path = str(tmp_path / f"{name}.safetensors")
    model.save(path)
    loaded = tk.models.load_model(path)
    assert _same(model.predict_on_batch(x), loaded.predict_on_batch(x))
    assert json.loads(loaded.to_json()) == json.loads(model.to_json())


def test_registry_lists_plain_keras_names():
    for kind, name in [("layers", "Dense"), ("losses", "MeanSquaredError"), ("metrics", "Accuracy"),
                       ("optimizers", "Adam"),
                       ("initializers", "GlorotUniform"), ("regularizers", "L2"), ("constraints", "MaxNorm")]:
        assert name in object_registration.builtins(kind)
    losses, metrics = object_registration.builtins("losses"), object_registration.builtins("metrics")
    assert losses["MeanSquaredError"] is not metrics["MeanSquaredError"]


def _multi_io():
    a, b = tk.Input((3,), name="a"), tk.Input((2,), name="b")
    shared = tk.layers.Dense(3, activation="tanh", name="shared")
    h = tk.layers.Concatenate(name="cat")([shared(a), b])
    out1 = tk.layers.Dense(1, name="out1")(h)
    out2 = tk.layers.Dense(2, name="out2")(shared(tk.layers.Dense(3, name="pre")(a)))
    return tk.Model([a, b], [out1, out2], name="multi")


def test_functional_with_several_inputs_and_outputs(tmp_path):
    model = _multi_io()
    x = [np.random.rand(4, 3).astype("float32"), np.random.rand(4, 2).astype("float32")]
    model.save(str(tmp_path / "multi.safetensors"))
    loaded = tk.models.load_model(str(tmp_path / "multi.safetensors"))
    assert loaded.input_names == ["a", "b"] and loaded.output_names == ["out1", "out2"]
    assert _same(model.predict_on_batch(x), loaded.predict_on_batch(x))
    assert loaded.get_config() == model.get_config()


def test_graph_config_has_keras_inbound_nodes():
    config = _multi_io().get_config()
    shared = next(layer for layer in config["layers"] if layer["name"] == "shared")
    histories = [node["args"][0]["config"]["keras_history"] for node in shared["inbound_nodes"]]
    assert histories == [["a", 0, 0], ["pre", 0, 0]]
    assert config["output_layers"] == [["out1", 0, 0], ["out2", 0, 0]]


def test_layers_listed_in_any_order_still_load():
    config = _multi_io().get_config()
    config["layers"].reverse()
    model = tk.models.Functional.from_config(config)
    assert sorted(layer.name for layer in model.layers) == sorted(layer["name"] for layer in config["layers"])


def test_nested_models(tmp_path):
    inner = tk.Sequential([tk.Input((3,)), tk.layers.Dense(4, name="d")], name="inner")
    x = tk.Input((3,), name="x")
    block_in = tk.Input((4,), name="block_in")
    block = tk.Model(block_in, tk.layers.Dense(2, name="d")(block_in), name="block")
    model = tk.Model(x, block(inner(x)), name="outer")
    data = np.random.rand(2, 3).astype("float32")
    model.save(str(tmp_path / "nested.safetensors"))
    loaded = tk.models.load_model(str(tmp_path / "nested.safetensors"))
    assert _same(model.predict_on_batch(data), loaded.predict_on_batch(data))
    assert [p for p, _ in tk.saving.weights_file.weight_paths(loaded)] == \
        ["layers/sequential/layers/dense/vars/0", "layers/sequential/layers/dense/vars/1",
         "layers/functional/layers/dense/vars/0", "layers/functional/layers/dense/vars/1"]


@tk.saving.register_serializable(package="SavingTests")
class Scale(tk.layers.Layer):
    """A custom layer with a weight and a hyperparameter."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_registered_layer(tmp_path):
    model = tk.Sequential([tk.Input((3,)), Scale(3.0, name="scale"), tk.layers.Dense(1)])
    model.layers[0].w.assign(np.array([1.0, 2.0, 3.0], "float32"))
    path = str(tmp_path / "custom.safetensors")
    model.save(path)
    entry = json.loads(model.to_json())["config"]["layers"][1]
    assert entry["class_name"] == "Scale" and entry["registered_name"] == "SavingTests>Scale"
    loaded = tk.models.load_model(path)
    assert isinstance(loaded.layers[0], Scale) and loaded.layers[0].factor == 3.0
    x = np.random.rand(2, 3).astype("float32")
    assert _same(model.predict_on_batch(x), loaded.predict_on_batch(x))


def test_custom_objects_and_unregistered_classes(tmp_path):
    class Plain(Scale):  # not registered: needs custom_objects
        pass

    model = tk.Sequential([tk.Input((3,)), Plain(name="plain")])
    path = str(tmp_path / "plain.safetensors")
    model.save(path)
    with pytest.raises(UnknownObjectError, match="custom_objects"):
        tk.models.load_model(path)
    assert isinstance(tk.models.load_model(path, custom_objects={"Plain": Plain}).layers[0], Plain)


def test_registered_name_never_falls_back_to_a_builtin(tmp_path):
    config = {"class_name": "Dense", "registered_name": "Gone>Dense", "config": {"units": 1}}
    with pytest.raises(UnknownObjectError, match="package 'Gone'"):
        deserialize_layer(config)


@tk.saving.register_serializable(package="SavingTests")
class ScaledError(tk.losses.Loss):
    """A custom loss with a hyperparameter."""

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return tk.ops.mean(tk.ops.square(y_true - y_pred), axis=-1) * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@tk.saving.register_serializable(package="SavingTests")
class MeanPrediction(tk.metrics.Mean):
    """A custom metric: the mean of the predictions."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(y_pred, sample_weight=sample_weight)


def test_custom_loss_and_metric_in_compile_config(tmp_path):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(1)])
    model.compile(optimizer="adam", loss=ScaledError(scale=3.0), metrics=[MeanPrediction(name="mp"), "mae"])
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)
    model.save(str(tmp_path / "m.safetensors"))
    loaded = tk.models.load_model(str(tmp_path / "m.safetensors"))
    loss, metrics = loaded._compile_args["loss"], loaded._compile_args["metrics"]
    assert isinstance(loss, ScaledError) and loss.scale == 3.0
    assert isinstance(metrics[0], MeanPrediction) and metrics[0].name == "mp" and metrics[1] == "mae"
    logs = loaded.evaluate(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0,
                           return_dict=True)
    assert set(logs) == {"loss", "mp", "mae"}


@tk.saving.register_serializable(package="SavingTests")
class TwoLayerNet(tk.Model):
    """A subclassed model with its own config."""

    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.d1 = tk.layers.Dense(hidden, activation="relu", name="d1")
        self.d2 = tk.layers.Dense(1, name="d2")

    def call(self, x):
        return self.d2(self.d1(x))

    def get_config(self):
        return {"name": self.name, "hidden": self.hidden}


def test_subclassed_model(tmp_path):
    model = TwoLayerNet(hidden=5, name="net")
    x = np.random.rand(2, 3).astype("float32")
    model(x)
    model.save(str(tmp_path / "sub.safetensors"))
    loaded = tk.models.load_model(str(tmp_path / "sub.safetensors"))
    assert isinstance(loaded, TwoLayerNet) and loaded.hidden == 5
    assert _same(model.predict_on_batch(x), loaded.predict_on_batch(x))


def test_plugins_register_through_the_hook(clean_registry):
    class PluginLayer(tk.layers.Layer):
        def call(self, x):
            return x

    class Plugin:
        @tk.hookimpl
        def tinykeras_register_serializables(self, register):
            register(PluginLayer, package="myplugin")

    tk.registry.register(Plugin(), name="myplugin")
    assert object_registration.get_registered_object("myplugin>PluginLayer") is PluginLayer
    layer = deserialize_layer({"class_name": "PluginLayer", "registered_name": "myplugin>PluginLayer",
                               "config": {"name": "p"}})
    assert isinstance(layer, PluginLayer)


def test_register_rejects_names_that_look_like_paths():
    with pytest.raises(ValueError, match="package"):
        tk.saving.register_serializable(package="my.module")
    with pytest.raises(ValueError, match="identifier"):
        tk.saving.register_serializable(package="ok", name="a.b")(Scale)


def test_lambda_layers_cannot_be_saved(tmp_path):
    x = tk.Input((2,))
    model = tk.Model(x, tk.layers.Lambda(lambda t: t * 2)(x))
    with pytest.raises(ValueError, match="register_serializable"):
        model.save(str(tmp_path / "lambda.safetensors"))
    assert os.listdir(tmp_path) == []


def test_directory_form_and_inspect(tmp_path):
    model = _multi_io()
    folder = str(tmp_path / "shared") + "/"
    model.save(folder)
    assert sorted(os.listdir(folder)) == ["README.md", "config.json", "model.safetensors"]
    config = json.load(open(os.path.join(folder, "config.json")))
    assert config["format"] == "tinykeras" and config["architecture"]["class_name"] == "Functional"
    assert "library_name: tinykeras" in open(os.path.join(folder, "README.md")).read()
    loaded = tk.models.load_model(folder)
    x = [np.ones((1, 3), "float32"), np.ones((1, 2), "float32")]
    assert _same(model.predict_on_batch(x), loaded.predict_on_batch(x))
    out = subprocess.run([sys.executable, "-m", "tinykeras", "inspect", folder], capture_output=True,
                         text=True, check=True).stdout
    assert "model: multi (Functional)" in out and "total parameters: 38" in out


def test_inspect_reports_bad_files(tmp_path, capsys):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"\x05")
    assert tk_inspect.main([str(path)]) == 1
    assert "truncated file" in capsys.readouterr().err


def test_config_json_disagreeing_with_the_file_warns(tmp_path):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="d")])
    folder = str(tmp_path / "m") + "/"
    model.save(folder)
    config = json.load(open(folder + "config.json"))
    config["architecture"]["config"]["name"] = "edited"
    json.dump(config, open(folder + "config.json", "w"))
    with pytest.warns(UserWarning, match="disagrees"):
        assert tk.models.load_model(folder).name == model.name


def test_clone_and_json_round_trip():
    model = _multi_io()
    clone = tk.models.clone_model(model)
    assert clone.get_config() == model.get_config()
    assert tk.models.model_from_json(model.to_json()).get_config() == model.get_config()


def test_single_layer_config_round_trip():
    layer = tk.layers.Dense(3, activation="relu", name="solo")
    layer(tk.Input((2,)))
    config = serialize_layer(layer)
    assert config["build_config"] == {"input_shape": [None, 2]}
    again = deserialize_layer(json.loads(json.dumps(config)))
    assert again.built and again.get_config() == layer.get_config()
