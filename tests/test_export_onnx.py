"""ONNX export: every mapped layer and activation, and the parity
architectures, run in ONNX Runtime and compared with ``predict`` (<= 1e-5)."""
import subprocess
import sys

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.export import OPSET, to_onnx
from tinykeras.export.graph import GraphBuilder
from tinykeras.export.ops_table import ACTIVATIONS

from onnx_check import TOL, assert_matches_predict, data, onnx, ort, randomize, session, single

L = tk.layers

# (layer factory, input shape without batch)
LAYER_CASES = {
    "dense": (lambda: L.Dense(4, activation="tanh"), (5,)),
    "dense_3d_no_bias": (lambda: L.Dense(3, use_bias=False), (4, 5)),
    "conv1d_causal_dilated": (lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2), (9, 2)),
    "conv1d_same_strided": (lambda: L.Conv1D(3, 4, strides=3, padding="same"), (10, 2)),
    "conv2d_same": (lambda: L.Conv2D(4, 3, strides=2, padding="same", activation="relu"), (7, 8, 3)),
    "conv2d_grouped": (lambda: L.Conv2D(4, (2, 3), groups=2), (6, 6, 4)),
    "conv2d_channels_first": (lambda: L.Conv2D(3, 3, padding="same", data_format="channels_first"),
                              (2, 6, 5)),
    "conv3d": (lambda: L.Conv3D(2, 2, padding="same", strides=(1, 2, 2)), (4, 5, 5, 2)),
    "conv1d_transpose": (lambda: L.Conv1DTranspose(2, 3, strides=2), (5, 3)),
    "conv2d_transpose_same": (lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same"), (4, 5, 2)),
    "conv2d_transpose_output_padding": (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=1),
                                        (4, 4, 2)),
    "conv2d_transpose_valid_stride_gt_kernel": (lambda: L.Conv2DTranspose(2, 2, strides=3), (3, 3, 2)),
    "conv3d_transpose": (lambda: L.Conv3DTranspose(2, 2, strides=2, padding="same"), (2, 3, 3, 2)),
    "depthwise_conv1d": (lambda: L.DepthwiseConv1D(3, depth_multiplier=2), (7, 3)),
    "depthwise_conv2d": (lambda: L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
                         (7, 7, 3)),
    "separable_conv1d": (lambda: L.SeparableConv1D(4, 3, padding="same"), (8, 3)),
    "separable_conv2d": (lambda: L.SeparableConv2D(4, 3, depth_multiplier=2, activation="relu"), (6, 6, 3)),
    "max_pool1d": (lambda: L.MaxPooling1D(2), (7, 3)),
    "max_pool2d_same": (lambda: L.MaxPooling2D(3, strides=2, padding="same"), (7, 6, 2)),
    "max_pool3d": (lambda: L.MaxPooling3D(2), (4, 4, 4, 2)),
    "avg_pool1d_same": (lambda: L.AveragePooling1D(3, strides=2, padding="same"), (8, 2)),
    "avg_pool2d_same": (lambda: L.AveragePooling2D(3, strides=2, padding="same"), (7, 6, 2)),
    "avg_pool3d": (lambda: L.AveragePooling3D(2), (4, 4, 4, 2)),
    "global_avg_pool1d": (lambda: L.GlobalAveragePooling1D(), (5, 3)),
    "global_avg_pool2d_keepdims": (lambda: L.GlobalAveragePooling2D(keepdims=True), (4, 5, 3)),
    "global_max_pool2d": (lambda: L.GlobalMaxPooling2D(), (4, 5, 3)),
    "global_max_pool3d": (lambda: L.GlobalMaxPooling3D(), (3, 4, 5, 2)),
    "batch_norm": (lambda: L.BatchNormalization(), (6, 4)),
    "batch_norm_axis1_no_center": (lambda: L.BatchNormalization(axis=1, center=False), (3, 4)),
    "layer_norm": (lambda: L.LayerNormalization(), (3, 6)),
    "layer_norm_two_axes": (lambda: L.LayerNormalization(axis=[1, 2], scale=False), (3, 4)),
    "rms_norm": (lambda: L.LayerNormalization(rms_scaling=True), (5,)),
    "relu_layer": (lambda: L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5), (6,)),
    "relu6_layer": (lambda: L.ReLU(max_value=6.0), (6,)),
    "leaky_relu_layer": (lambda: L.LeakyReLU(negative_slope=0.3), (6,)),
    "elu_layer": (lambda: L.ELU(alpha=0.7), (6,)),
    "prelu": (lambda: L.PReLU(alpha_initializer="random_uniform"), (4, 3)),
    "prelu_shared": (lambda: L.PReLU(alpha_initializer="random_uniform", shared_axes=[1]), (4, 3)),
    "softmax_layer": (lambda: L.Softmax(axis=1), (4, 3)),
    "softmax_two_axes": (lambda: L.Softmax(axis=[1, 2]), (4, 3)),
    "rescaling": (lambda: L.Rescaling(1 / 127.5, offset=-1), (4, 3)),
    "flatten": (lambda: L.Flatten(), (3, 4, 2)),
    "flatten_channels_first": (lambda: L.Flatten(data_format="channels_first"), (3, 4, 2)),
    "reshape": (lambda: L.Reshape((-1, 3)), (4, 3)),
    "permute": (lambda: L.Permute((2, 3, 1)), (2, 3, 4)),
    "repeat_vector": (lambda: L.RepeatVector(3), (4,)),
    "zero_padding1d": (lambda: L.ZeroPadding1D((1, 2)), (4, 3)),
    "zero_padding2d": (lambda: L.ZeroPadding2D(((1, 0), (2, 1))), (3, 4, 2)),
    "zero_padding3d": (lambda: L.ZeroPadding3D(1), (2, 2, 2, 1)),
    "cropping1d": (lambda: L.Cropping1D((1, 2)), (6, 3)),
    "cropping2d": (lambda: L.Cropping2D(((1, 0), (2, 1))), (5, 6, 2)),
    "cropping3d": (lambda: L.Cropping3D(1), (4, 4, 4, 1)),
    "upsampling1d": (lambda: L.UpSampling1D(3), (4, 2)),
    "upsampling2d": (lambda: L.UpSampling2D((2, 3)), (3, 4, 2)),
    "upsampling2d_bilinear": (lambda: L.UpSampling2D(2, interpolation="bilinear"), (3, 4, 2)),
    "upsampling3d": (lambda: L.UpSampling3D(2), (2, 3, 2, 1)),
    "dropout": (lambda: L.Dropout(0.5), (5,)),
    "spatial_dropout2d": (lambda: L.SpatialDropout2D(0.5), (3, 3, 2)),
    "gaussian_noise": (lambda: L.GaussianNoise(1.0), (5,)),
    "gaussian_dropout": (lambda: L.GaussianDropout(0.3), (5,)),
    "alpha_dropout": (lambda: L.AlphaDropout(0.3), (5,)),
    "identity": (lambda: L.Identity(), (5,)),
    "simple_rnn": (lambda: L.SimpleRNN(3), (5, 2)),
    "simple_rnn_sequences_relu": (lambda: L.SimpleRNN(3, activation="relu", return_sequences=True), (5, 2)),
    "lstm": (lambda: L.LSTM(4), (6, 3)),
    "lstm_sequences_backwards": (lambda: L.LSTM(3, return_sequences=True, go_backwards=True), (6, 3)),
    "lstm_hard_sigmoid_no_bias": (lambda: L.LSTM(3, recurrent_activation="hard_sigmoid", use_bias=False),
                                  (5, 2)),
    "gru": (lambda: L.GRU(4), (6, 3)),
    "gru_reset_before": (lambda: L.GRU(3, reset_after=False, return_sequences=True), (6, 3)),
    "gru_backwards": (lambda: L.GRU(3, go_backwards=True), (6, 3)),
    "bidirectional_lstm_concat": (lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)), (5, 2)),
    "bidirectional_gru_sum": (lambda: L.Bidirectional(L.GRU(3), merge_mode="sum"), (5, 2)),
    "bidirectional_rnn_ave": (lambda: L.Bidirectional(L.SimpleRNN(2, return_sequences=True),
                                                      merge_mode="ave"), (5, 2)),
    "bidirectional_lstm_mul": (lambda: L.Bidirectional(L.LSTM(2), merge_mode="mul"), (5, 2)),
    "rnn_of_gru_cell": (lambda: L.RNN(L.GRUCell(3, reset_after=False), return_sequences=True), (5, 2)),
    "rnn_of_lstm_cell_backwards": (lambda: L.RNN(L.LSTMCell(3), go_backwards=True), (5, 2)),
    "resizing_down": (lambda: L.Resizing(5, 3), (7, 8, 2)),
    "resizing_up_nearest": (lambda: L.Resizing(9, 11, interpolation="nearest"), (4, 5, 2)),
    "resizing_down_nearest": (lambda: L.Resizing(3, 4, interpolation="nearest"), (7, 9, 1)),
    "resizing_crop": (lambda: L.Resizing(4, 4, crop_to_aspect_ratio=True), (6, 9, 2)),
    "resizing_pad": (lambda: L.Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=0.5), (6, 9, 2)),
    "resizing_channels_first": (lambda: L.Resizing(5, 3, data_format="channels_first"), (2, 7, 8)),
    "center_crop": (lambda: L.CenterCrop(3, 4), (6, 7, 2)),
    "center_crop_smaller_input": (lambda: L.CenterCrop(6, 4), (5, 7, 2)),
    "time_distributed_dense": (lambda: L.TimeDistributed(L.Dense(3, activation="relu")), (4, 5)),
    "time_distributed_conv": (lambda: L.TimeDistributed(L.Conv2D(2, 3)), (3, 5, 5, 2)),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_matches_predict(case):
    factory, shape = LAYER_CASES[case]
    model = randomize(single(factory(), shape))
    assert_matches_predict(model, data(3, *shape))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_predict(name):
    shape = (6,) if name != "glu" else (4, 6)
    x = data(3, *shape) * 3
    x[0, :2] = [-1.0, 1.0] if name != "glu" else x[0, :2]        # the kinks of sparse_plus and friends
    assert_matches_predict(single(L.Activation(name), shape), x)


# -- merges, embedding, attention, multi-input graphs ------------------------------------------------

@pytest.mark.parametrize("merge", [L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum,
                                   lambda: L.Concatenate(axis=1), lambda: L.Dot(axes=(2, 2)),
                                   lambda: L.Dot(axes=1, normalize=True)])
def test_merge_layers(merge):
    a, b = tk.Input((3, 4), name="a"), tk.Input((3, 4), name="b")
    if merge is L.Subtract or getattr(merge, "__name__", "") == "<lambda>":
        inputs = [a, b]
    else:
        inputs = [a, b, tk.layers.Dense(4)(a)]
    model = tk.Model([a, b], merge()(inputs))
    assert_matches_predict(model, data(2, 3, 4, seed=1), data(2, 3, 4, seed=2))


def test_dot_of_vectors_keeps_a_unit_axis():
    a, b = tk.Input((4,)), tk.Input((4,))
    assert_matches_predict(tk.Model([a, b], L.Dot(axes=1)([a, b])), data(3, 4, seed=1), data(3, 4, seed=2))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_embedding_with_any_id_dtype(dtype):
    model = randomize(single(L.Embedding(10, 3), (5,), dtype=dtype))
    ids = np.random.default_rng(0).integers(0, 10, (4, 5)).astype(dtype)
    assert_matches_predict(model, ids)


def _mha_model(**call_kwargs):
    q, v = tk.Input((4, 6), name="q"), tk.Input((5, 6), name="v")
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, **call_kwargs.pop("layer", {}))
    out = mha(q, v, **call_kwargs)
    return randomize(tk.Model([q, v], out))


@pytest.mark.parametrize("kwargs", [{}, {"use_causal_mask": True}, {"return_attention_scores": True},
                                    {"layer": {"use_bias": False, "output_shape": (3, 2)}},
                                    {"layer": {"use_gate": True}}])
def test_multi_head_attention(kwargs):
    assert_matches_predict(_mha_model(**kwargs), data(2, 4, 6, seed=1), data(2, 5, 6, seed=2))


def test_multi_head_attention_with_a_mask_input_and_a_key():
    q, k, m = tk.Input((4, 6)), tk.Input((5, 6)), tk.Input((4, 5), dtype="bool")
    out = L.MultiHeadAttention(2, 3)(q, k, key=k, attention_mask=m, use_causal_mask=True)
    mask = np.random.default_rng(0).random((2, 4, 5)) > 0.3
    mask[0, 1] = False                                     # a fully masked row gives zeros
    assert_matches_predict(randomize(tk.Model([q, k, m], out)), data(2, 4, 6), data(2, 5, 6, seed=1), mask)


@pytest.mark.parametrize("layer", [
    lambda: L.Attention(), lambda: L.Attention(use_scale=True), lambda: L.Attention(score_mode="concat"),
    lambda: L.Attention(use_scale=True, score_mode="concat"), lambda: L.AdditiveAttention(),
    lambda: L.AdditiveAttention(use_scale=False)])
@pytest.mark.parametrize("kwargs", [{}, {"use_causal_mask": True, "return_attention_scores": True}])
def test_dot_and_additive_attention(layer, kwargs):
    q, v, k = tk.Input((4, 3)), tk.Input((5, 2)), tk.Input((5, 3))
    model = randomize(tk.Model([q, v, k], layer()([q, v, k], **kwargs)))
    assert_matches_predict(model, data(2, 4, 3), data(2, 5, 2, seed=1), data(2, 5, 3, seed=2))


def test_rnn_return_state_and_initial_state():
    x, h0, c0 = tk.Input((5, 3)), tk.Input((4,)), tk.Input((4,))
    seq, h, c = L.LSTM(4, return_sequences=True, return_state=True)(x, initial_state=[h0, c0])
    out, h2 = L.GRU(4, return_state=True)(seq, initial_state=h)
    bi = L.Bidirectional(L.SimpleRNN(2, return_state=True), merge_mode=None)(seq)
    model = randomize(tk.Model([x, h0, c0], [seq, h, c, out, h2, *bi]))
    assert_matches_predict(model, data(2, 5, 3), data(2, 4, seed=1), data(2, 4, seed=2))


# -- the parity architectures ------------------------------------------------------------------------

def _mlp():
    return tk.Sequential([tk.Input((8,)), L.Dense(16, activation="relu"), L.Dropout(0.2),
                          L.Dense(3, activation="softmax")]), [data(5, 8)]


def _convnet_bn():
    return tk.Sequential([tk.Input((12, 12, 3)), L.Conv2D(8, 3, padding="same"), L.BatchNormalization(),
                          L.Activation("relu"), L.MaxPooling2D(), L.Conv2D(8, 3), L.BatchNormalization(),
                          L.ReLU(), L.GlobalAveragePooling2D(), L.Dense(4, activation="softmax")]), \
        [data(3, 12, 12, 3)]


def _multi_io():
    image, meta = tk.Input((8, 8, 1), name="image"), tk.Input((3,), name="meta")
    x = L.Flatten()(L.Conv2D(2, 3, activation="relu")(image))
    x = L.Concatenate()([x, L.Dense(4, activation="tanh")(meta)])
    return tk.Model([image, meta], [L.Dense(1, name="score")(x), L.Dense(3, activation="softmax",
                                                                        name="label")(x)]), \
        [data(2, 8, 8, 1), data(2, 3, seed=1)]


def _text_rnn():
    ids = np.random.default_rng(0).integers(0, 20, (3, 7)).astype("int32")
    return tk.Sequential([tk.Input((7,), dtype="int32"), L.Embedding(20, 6), L.LSTM(5, return_sequences=True),
                          L.GRU(4), L.Dense(2)]), [ids]


def _bidirectional():
    return tk.Sequential([tk.Input((6, 3)), L.Bidirectional(L.LSTM(4, return_sequences=True)),
                          L.Bidirectional(L.GRU(3)), L.Dense(1)]), [data(2, 6, 3)]


def _transformer_block():
    x = tk.Input((6, 8))
    h = L.LayerNormalization()(L.Add()([x, L.MultiHeadAttention(2, 4)(x, x)]))
    h = L.LayerNormalization()(L.Add()([h, L.Dense(8)(L.Dense(16, activation="gelu")(h))]))
    return tk.Model(x, L.Dense(2)(L.GlobalAveragePooling1D()(h))), [data(2, 6, 8)]


def _vision_zoo():
    x = tk.Input((16, 16, 3))
    h = L.Rescaling(1 / 255.0)(x)
    h = L.ZeroPadding2D(1)(h)
    h = L.Conv2D(8, 3, strides=2, activation="relu")(h)
    h = L.DepthwiseConv2D(3, padding="same")(h)
    h = L.BatchNormalization()(h)
    h = L.ReLU(6.0)(h)
    skip = h
    h = L.SeparableConv2D(8, 3, padding="same", activation="swish")(h)
    h = L.Add()([h, skip])
    h = L.AveragePooling2D(2)(h)
    h = L.UpSampling2D(2)(h)
    h = L.Cropping2D(1)(h)
    h = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="elu")(h)
    h = L.MaxPooling2D(3, strides=2, padding="same")(h)
    h = L.SpatialDropout2D(0.2)(h)
    h = L.GlobalMaxPooling2D()(h)
    return tk.Model(x, L.Dense(5, activation="softmax")(h)), [data(2, 16, 16, 3) * 255]


def _nested():
    inner = tk.Sequential([tk.Input((4,)), L.Dense(6, activation="relu"), L.Dense(4)], name="inner")
    a, b = tk.Input((4,)), tk.Input((4,))
    branch = tk.Model(a, L.Dense(3)(inner(a)), name="branch")
    out = L.Concatenate()([branch(a), branch(b), inner(b)])
    return tk.Model([a, b], L.Dense(2)(out)), [data(3, 4), data(3, 4, seed=1)]


ARCHITECTURES = {"mlp": _mlp, "convnet_bn": _convnet_bn, "multi_io": _multi_io, "text_rnn": _text_rnn,
                 "bidirectional": _bidirectional, "transformer_block": _transformer_block,
                 "vision_zoo": _vision_zoo, "nested": _nested}


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architecture_matches_predict(name):
    model, xs = ARCHITECTURES[name]()
    assert_matches_predict(randomize(model), *xs)


def test_batch_dimension_is_dynamic_and_names_are_kept():
    model, _ = _multi_io()
    proto = to_onnx(model)
    assert [i.name for i in proto.graph.input] == ["image", "meta"]
    assert [o.name for o in proto.graph.output] == ["score", "label"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    sess = session(proto)
    for batch in (1, 7):
        xs = [data(batch, 8, 8, 1), data(batch, 3)]
        got = sess.run(None, {"image": xs[0], "meta": xs[1]})
        for g, w in zip(got, model.predict(xs, verbose=0)):
            np.testing.assert_allclose(g, w, **TOL)


def test_resizing_images_of_any_size():
    model = tk.Sequential([tk.Input((None, None, 3)), L.Resizing(6, 5), L.Conv2D(2, 3)])
    for shape in ((2, 9, 7, 3), (1, 4, 4, 3)):
        assert_matches_predict(randomize(model), data(*shape))


def test_unknown_time_steps_export():
    x = tk.Input((None, 3))
    h = L.LSTM(4, return_sequences=True)(x)
    h = L.MultiHeadAttention(2, 2)(h, h, use_causal_mask=True)
    h = L.TimeDistributed(L.Dense(3))(L.Bidirectional(L.GRU(2, return_sequences=True))(h))
    model = randomize(tk.Model(x, L.GlobalMaxPooling1D()(L.Conv1D(2, 3, padding="causal")(h))))
    for steps in (2, 9):
        assert_matches_predict(model, data(2, steps, 3))


@pytest.mark.parametrize("opset", [OPSET, 21])
def test_opset_is_stated_and_honoured(opset):
    model, xs = _transformer_block()
    proto = to_onnx(model, opset_version=opset)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", opset)]
    got = session(proto).run(None, {proto.graph.input[0].name: xs[0]})[0]
    np.testing.assert_allclose(got, model.predict(xs[0], verbose=0), **TOL)
    with pytest.raises(ValueError, match="opset_version must be between"):
        to_onnx(model, opset_version=11)


# -- the public entry points ----------------------------------------------------------------------------

def test_model_export_writes_a_file(tmp_path, capsys):
    model, xs = _mlp()
    path = tmp_path / "m.onnx"
    model.export(str(path), format="onnx")
    assert capsys.readouterr().out == f"Saved artifact at '{path}'.\n"
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(sess.run(None, {sess.get_inputs()[0].name: xs[0]})[0],
                               model.predict(xs[0], verbose=0), **TOL)
    model.export(tmp_path / "quiet.onnx", format="onnx", verbose=False)
    assert capsys.readouterr().out == ""


def test_input_signature_fixes_unknown_dimensions():
    model, _ = _mlp()
    proto = to_onnx(model, input_signature=[tk.InputSpec(shape=(2, 8))])
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [2, 8]
    with pytest.raises(ValueError, match="does not fit input"):
        to_onnx(model, input_signature=[tk.InputSpec(shape=(2, 9))])


def test_other_formats_are_refused_clearly(tmp_path):
    model, _ = _mlp()
    with pytest.raises(ValueError, match="tinykeras exports format='onnx' only"):
        model.export(tmp_path / "saved")
    with pytest.raises(ValueError, match="Unrecognized format=pickle"):
        model.export(tmp_path / "m", format="pickle")
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.export(tmp_path / "m.onnx", format="onnx", dynamo=True)


class _Custom(tk.layers.Layer):
    def call(self, x):
        return x * 2


@pytest.mark.parametrize("build, match", [
    (lambda: single(_Custom(name="doubler"), (3,)), "no mapping for layer 'doubler' of class _Custom"),
    (lambda: single(L.Lambda(lambda x: x + 1, name="plus_one"), (3,)), "layer 'plus_one' of class Lambda"),
    (lambda: single(L.Embedding(5, 2, mask_zero=True, name="emb"), (3,)), "'emb' has mask_zero=True"),
    (lambda: single(L.LSTM(2, activation="gelu", name="rnn"), (3, 2)), "uses activation 'gelu'"),
    (lambda: tk.Sequential([L.Dense(2)]), "has never been built"),
])
def test_unmapped_layers_raise_naming_them(build, match):
    with pytest.raises(ValueError, match=match):
        to_onnx(build())


def test_unmapped_activation_is_named():
    with pytest.raises(ValueError, match="no mapping for activation 'threshold'"):
        GraphBuilder().activation("threshold", "x")


def test_subclassed_model_is_refused():
    class Net(tk.Model):
        def __init__(self):
            super().__init__(name="net")
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)

    net = Net()
    net(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="model 'net' .* has no layer graph"):
        to_onnx(net)


def test_missing_onnx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"tinykeras\[onnx\]"):
        to_onnx(_mlp()[0])


def test_command_line_export(tmp_path):
    model, xs = _convnet_bn()
    randomize(model).save(tmp_path / "m.safetensors")
    out = tmp_path / "m.onnx"
    run = subprocess.run([sys.executable, "-m", "tinykeras", "export", str(tmp_path / "m.safetensors"),
                          str(out), "--opset", "19"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert f"Saved artifact at '{out}'." in run.stdout
    proto = onnx.load(str(out))
    assert proto.opset_import[0].version == 19
    sess = session(proto)
    np.testing.assert_allclose(sess.run(None, {sess.get_inputs()[0].name: xs[0]})[0],
                               model.predict(xs[0], verbose=0), **TOL)
    bad = subprocess.run([sys.executable, "-m", "tinykeras", "export", str(tmp_path / "missing.safetensors"),
                          str(out)], capture_output=True, text=True)
    assert bad.returncode == 1 and "tinykeras export:" in bad.stderr
