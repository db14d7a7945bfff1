"""The architectures of the Keras parity tests, built the same way from
``tinykeras`` or real ``keras`` (``lib``), with sample inputs.

Each builder takes the library and returns ``(model, inputs)``; the
weights are random (a test copies them across, or through a file).
"""
import numpy as np

RNG = np.random.default_rng(3)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def mlp(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((6,)), L.Dense(8, activation="relu"), L.Dense(3)]), _x(4, 6)


def convnet_bn(lib):
    L = lib.layers
    model = lib.Sequential([lib.Input((8, 8, 3)), L.Conv2D(4, 3, padding="same"), L.BatchNormalization(),
                            L.ReLU(), L.MaxPooling2D(), L.Conv2D(6, 3), L.BatchNormalization(),
                            L.GlobalAveragePooling2D(), L.Dense(2, activation="softmax")])
    return model, _x(3, 8, 8, 3)


def functional_multi(lib):
    L = lib.layers
    a, b = lib.Input((5,), name="a"), lib.Input((5,), name="b")
    shared = L.Dense(4, name="shared")
    ha, hb = shared(a), shared(b)
    merged = L.Concatenate()([L.Add()([ha, hb]), L.Multiply()([ha, hb]), L.Dot(axes=1, normalize=True)([ha, hb])])
    hidden = L.Dense(6, activation="tanh")(L.BatchNormalization()(merged))
    out1 = L.Dense(1, name="out1")(hidden)
    out2 = L.Dense(2, name="out2")(L.Average()([ha, L.Dense(4)(b)]))
    return lib.Model([a, b], [out1, out2]), [_x(4, 5), _x(4, 5)]


def embedding_rnn(lib):
    L = lib.layers
    ids = lib.Input((7,), dtype="int32")
    x = L.Embedding(12, 4)(ids)
    x = L.LSTM(5, return_sequences=True)(x)
    x = L.GRU(3)(x)
    return lib.Model(ids, L.Dense(2)(x)), RNG.integers(0, 12, size=(3, 7)).astype("int32")


def bidirectional(lib):
    L = lib.layers
    model = lib.Sequential([lib.Input((6, 3)), L.Bidirectional(L.LSTM(4, return_sequences=True)),
                            L.Bidirectional(L.GRU(2), merge_mode="sum"), L.Dense(1)])
    return model, _x(2, 6, 3)


def attention(lib):
    L = lib.layers
    q, v = lib.Input((4, 6)), lib.Input((5, 6))
    x = L.MultiHeadAttention(num_heads=2, key_dim=3)(q, v)
    x = L.LayerNormalization()(L.Add()([q, x]))
    return lib.Model([q, v], L.Dense(2)(x)), [_x(2, 4, 6), _x(2, 5, 6)]


def vision_zoo(lib):
    L = lib.layers
    img = lib.Input((12, 12, 3))
    x = L.Conv2D(4, 3, padding="same", activation="relu")(img)
    x = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(x)
    x = L.SeparableConv2D(4, 3, padding="same")(x)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    x = L.AveragePooling2D(2)(L.ZeroPadding2D(1)(x))
    x = L.Cropping2D(1)(L.UpSampling2D()(L.MaxPooling2D(2)(x)))
    x = L.PReLU()(L.LayerNormalization()(x))
    a = L.GlobalMaxPooling2D()(x)
    seq = lib.Input((10, 3))
    s = L.SeparableConv1D(4, 3)(L.Conv1DTranspose(3, 3, strides=2)(L.DepthwiseConv1D(3)(L.Conv1D(3, 3)(seq))))
    s = L.GlobalAveragePooling1D()(L.UpSampling1D()(L.MaxPooling1D(2)(s)))
    vol = lib.Input((4, 4, 4, 2))
    v = L.GlobalAveragePooling3D()(L.Conv3DTranspose(2, 2, strides=2)(L.Conv3D(3, 2)(vol)))
    out = L.Dense(3)(L.Concatenate()([a, s, v]))
    return lib.Model([img, seq, vol], out), [_x(2, 12, 12, 3), _x(2, 10, 3), _x(2, 4, 4, 4, 2)]


def nested(lib):
    L = lib.layers
    inner = lib.Sequential([lib.Input((3,)), L.Dense(3, activation="tanh")])
    x = lib.Input((3,))
    return lib.Model(x, L.Dense(2)(inner(inner(x)))), _x(4, 3)


def symbolic_ops(lib):
    """Operators and ``ops`` functions on symbolic tensors between layers (Keras's Operation nodes)."""
    L, ops = lib.layers, lib.ops
    x, ids = lib.Input((6,)), lib.Input((4,), dtype="int32")
    h = L.Dense(8)(x)
    h = h * 0.5 + ops.mean(h, axis=-1, keepdims=True)
    h = ops.concatenate([ops.relu(h), ops.tanh(h) ** 2], axis=-1)
    h = ops.transpose(ops.reshape(h, (-1, 4, 4)), (0, 2, 1))[:, 1:, :]
    h = ops.sum(h, axis=1) - ops.max(h, axis=1)
    a, b = ops.split(h, 2, axis=-1)
    h = ops.concatenate([a * b, ops.matmul(h, np.linspace(-1, 1, 8, dtype="float32").reshape(4, 2))], axis=-1)
    e = ops.mean(L.Embedding(10, 3)(ids + 1), axis=1)
    e = ops.full_like(e, 2.0) * ops.clip(e, -0.1, 0.1) / ops.sqrt(ops.square(e) + 1.0)
    out = L.Dense(2)(ops.concatenate([h, ops.where(h > 0, h, 0.1 * h), e], axis=-1))
    return lib.Model([x, ids], ops.softmax(out)), [_x(3, 6), RNG.integers(0, 9, size=(3, 4)).astype("int32")]


ARCHITECTURES = [mlp, convnet_bn, functional_multi, embedding_rnn, bidirectional, attention, vision_zoo,
                 nested, symbolic_ops]
IDS = [f.__name__ for f in ARCHITECTURES]


def keras_or_skip():
    """Real Keras 3 (torch backend), or skip the test."""
    import os
    import pytest
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except Exception as exc:  # not installed, or no usable backend
        pytest.skip(f"keras 3 is not usable here: {exc}")
    return keras


def to_numpy(keras, value):
    if isinstance(value, (list, tuple)):
        return [to_numpy(keras, v) for v in value]
    return np.asarray(keras.ops.convert_to_numpy(value))
