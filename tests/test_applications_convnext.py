"""ConvNeXt's own layers (LayerScale, StochasticDepth), ConvNeXt and
EfficientNetV2 arguments, and a small ConvNeXt through tinykeras's and
Keras's model files (the parameter counts and layer names of every
variant are in test_applications_modern.py)."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.applications import convnext, efficientnet_v2
from tinykeras.applications.convnext_layers import LayerScale, StochasticDepth
from tinykeras.testing import run_layer_test



@pytest.fixture(autouse=True)
def _fresh_names():
    """Leave the name counters as a fresh session has them (other tests expect ``input_layer``)."""
    yield
    tk.backend.clear_session()

def small_convnext(**kwargs):
    """Two channels per stage, one block each: ConvNeXt's structure in 2,500 parameters."""
    kwargs = {"input_shape": (32, 32, 3), "classes": 5, "name": "tiny", **kwargs}
    return convnext.ConvNeXt([1, 1, 1, 1], [4, 8, 8, 8], **kwargs)


def test_layer_scale_passes_run_layer_test():
    layer = run_layer_test(LayerScale, {"init_values": 0.5, "projection_dim": 3}, input_shape=(2, 4, 3),
                           expected_output_shape=(2, 4, 3), expected_num_trainable_weights=1,
                           expected_num_non_trainable_weights=0)
    assert [w.name for w in layer.weights] == ["variable"]  # Keras's name for it
    x = np.random.RandomState(0).normal(size=(2, 3)).astype("float32")
    layer.gamma.assign([1.0, -2.0, 3.0])
    np.testing.assert_allclose(layer(x).numpy(), x * [1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match="projection_dim"):
        LayerScale(1e-6, 4)(x)


def test_stochastic_depth_passes_run_layer_test_and_drops_whole_samples():
    run_layer_test(StochasticDepth, {"drop_path_rate": 0.3}, input_shape=(2, 3, 3, 4),
                   expected_output_shape=(2, 3, 3, 4), expected_num_trainable_weights=0)
    layer = StochasticDepth(0.25, seed=3)
    x = np.ones((4000, 2, 3), "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: the identity
    y = layer(x, training=True).numpy().reshape(4000, -1)
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert np.all(y.min(axis=1) == y.max(axis=1))  # a sample is kept or dropped whole
    assert abs((y[:, 0] == 0).mean() - 0.25) < 0.03
    assert "seed" not in StochasticDepth(0.1).get_config()  # Keras's config has no seed


def test_convnext_structure_and_arguments():
    model = small_convnext(drop_path_rate=0.3)
    assert [type(l).__name__ for l in model.layers[1:3]] == ["Normalization", "Sequential"]
    assert model.get_layer("tiny_stage_0_block_0_depthwise_conv").groups == 4
    assert model.get_layer("tiny_stage_0_block_0_identity")  # rate 0 first: linear Activation
    assert model.get_layer("tiny_stage_3_block_0_stochastic_depth").drop_path_rate == pytest.approx(0.3)
    headless = small_convnext(include_top=False, include_preprocessing=False, pooling="avg")
    assert headless.output_shape == (None, 8) and type(headless.layers[-1]).__name__ == "LayerNormalization"
    assert not any(isinstance(l, tk.layers.Normalization) for l in headless.layers)
    with pytest.raises(ValueError, match="does not match weights variant"):
        convnext.ConvNeXtTiny(name="mine", include_top=False)
    with pytest.raises(ValueError, match="Architecture configuration does not match"):
        small_convnext(weights="imagenet", weights_name="convnext_tiny", include_top=False)


def test_efficientnet_v2_preprocessing_variants():
    def types(model):
        return [type(l).__name__ for l in model.layers[1:4]]
    b0 = efficientnet_v2.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert types(b0) == ["Rescaling", "Normalization", "Conv2D"] and not b0.layers[2].weights
    s = efficientnet_v2.EfficientNetV2S(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert types(s)[:2] == ["Rescaling", "Conv2D"] and s.layers[1].scale == pytest.approx(1 / 128)
    bare = efficientnet_v2.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 1),
                                            include_preprocessing=False)
    assert type(bare.layers[1]).__name__ == "Conv2D" and bare.get_layer("stem_bn").momentum == 0.9
    assert bare.get_layer("block1a_project_activation")  # fused block without expansion
    with pytest.raises(ValueError, match="must be > 0"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, weights=None, blocks_args=((3, 0, 32, 16, 1, 0, 1, 1),))


@pytest.mark.parametrize("suffix", [".safetensors", ".keras"])
def test_convnext_model_file_round_trip(tmp_path, suffix):
    model = small_convnext(drop_path_rate=0.2)
    rng = np.random.RandomState(0)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    path = str(tmp_path / f"tiny{suffix}")
    model.save(path)
    loaded = tk.models.load_model(path)
    x = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.get_layer("tiny_stage_3_block_0_stochastic_depth")) is StochasticDepth


@pytest.mark.keras
def test_keras_reads_our_convnext_file(tmp_path):
    from keras_zoo import keras_or_skip
    keras = keras_or_skip()
    model = small_convnext(drop_path_rate=0.2)
    rng = np.random.RandomState(1)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    path = str(tmp_path / "tiny.keras")
    model.save(path)
    kmodel = keras.models.load_model(path)
    assert type(kmodel.get_layer("tiny_stage_0_block_0_layer_scale")).__name__ == "LayerScale"
    x = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(kmodel(x)), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
