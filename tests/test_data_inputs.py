"""Every input form Keras 3 takes for fit/evaluate/predict and validation_data.

Each Keras-style program runs on tinykeras; the ``keras`` tests also run it
on real Keras 3 with the same initial weights and compare the numbers.
"""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import assert_close, assert_same_model, copy_weights, real_keras

RNG = np.random.default_rng(7)
X = RNG.normal(size=(24, 4)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32") + 0.3).astype("float32")


def mlp(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="tanh"), lib.layers.Dense(1)])


def compiled(lib, model=None):
    model = model or mlp(lib)
    model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def pair(build=mlp):
    """The same model in Keras and tinykeras, same initial weights."""
    keras = real_keras()
    k_model = compiled(keras, build(keras))
    t_model = compiled(tk, build(tk))
    copy_weights(k_model, t_model)
    assert_same_model(k_model, t_model)
    return keras, k_model, t_model


# -- arrays, lists and their errors ----------------------------------------------
def test_python_lists_train_like_arrays():
    a, b = compiled(tk), compiled(tk)
    copy_weights(a, b)
    h_arrays = a.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h_lists = b.fit(X.tolist(), Y.tolist(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert h_lists.history == h_arrays.history
    assert b.predict([[0.1, 0.2, 0.3, 0.4]], verbose=0).shape == (1, 1)
    np.testing.assert_allclose(b.predict(X[:3].tolist(), verbose=0), b.predict(X[:3], verbose=0))
    assert b.evaluate(X.tolist(), Y.tolist(), verbose=0) == b.evaluate(X, Y, verbose=0)


def test_ragged_and_mismatched_inputs_are_clear_errors():
    model = compiled(tk)
    with pytest.raises(ValueError, match=r"x is a ragged list: its rows have different lengths \[3, 4\]"):
        model.fit([[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3]], [[1.0], [2.0]], verbose=0)
    with pytest.raises(ValueError, match=r"ragged list.*pad_sequences"):
        model.predict([[[1, 2], [3, 4]], [[1, 2], [3]]], verbose=0)
    with pytest.raises(ValueError, match="x sizes: 24, y sizes: 10"):
        model.fit(X, Y[:10], verbose=0)
    with pytest.raises(ValueError, match="Unrecognized data type: x=7"):
        model.predict(7, verbose=0)
    with pytest.raises(ValueError, match="When providing `x` as a generator, `y` should not be passed"):
        model.fit((b for b in [(X, Y)]), Y, verbose=0)


def two_inputs(lib):
    a, b = lib.Input((4,), name="a"), lib.Input((2,), name="b")
    h = lib.layers.Concatenate()([lib.layers.Dense(3, name="da")(a), b])
    out = lib.layers.Dense(1, name="out")(h)
    aux = lib.layers.Dense(2, activation="softmax", name="aux")(h)
    return lib.Model([a, b], [out, aux])


@pytest.mark.keras
def test_multi_input_lists_tuples_and_dicts_agree_with_keras():
    keras = real_keras()
    xb = RNG.normal(size=(24, 2)).astype("float32")
    labels = (X[:, 0] > 0).astype("int64")

    def run(lib, model, x_form, y_form):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss={"out": "mse", "aux": "sparse_categorical_crossentropy"},
                      metrics={"aux": ["accuracy"]})
        history = model.fit(x_form, y_form, batch_size=6, epochs=2, shuffle=False, verbose=0)
        return history.history, model.predict(x_form, verbose=0), model.evaluate(x_form, y_form, verbose=0)

    k_model = two_inputs(keras)
    initial = k_model.get_weights()
    expected = run(keras, k_model, [X, xb], [Y, labels])
    for x_form, y_form in [([X, xb], [Y, labels]), ((X, xb), (Y, labels)),
                           ({"a": X, "b": xb}, {"out": Y, "aux": labels}),
                           ([X.tolist(), xb], {"aux": labels.tolist(), "out": Y})]:
        t_model = two_inputs(tk)
        assert_same_model(k_model, t_model)
        t_model.set_weights(initial)
        got = run(tk, t_model, x_form, y_form)
        assert_close(got, expected)  # history, predictions, and evaluate's list in Keras's order


# -- PyDataset, Sequence, generators, iterables -------------------------------------
def py_dataset_class(lib, base="PyDataset"):
    class Batches(getattr(lib.utils, base)):
        """The keras.io pattern: one batch per index, reshuffled by on_epoch_end."""

        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size
            self.epochs_ended = 0

        def __len__(self):
            return int(np.ceil(len(self.x) / self.batch_size))

        def __getitem__(self, idx):
            part = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return self.x[part], self.y[part]

        def on_epoch_end(self):
            self.epochs_ended += 1

    return Batches


def generator(n_batches, batch_size=6, repeat=False):
    while True:
        for i in range(n_batches):
            part = slice(i * batch_size, (i + 1) * batch_size)
            yield X[part], Y[part]
        if not repeat:
            return


@pytest.mark.keras
@pytest.mark.parametrize("form", ["PyDataset", "Sequence", "PyDataset-workers", "generator"])
def test_datasets_and_generators_agree_with_keras(form):
    keras, k_model, t_model = pair()

    def run(lib, model):
        val = (X[:12], Y[:12])
        if form == "generator":
            data = dict(x=generator(4, repeat=True), steps_per_epoch=4)
            val = generator(2, repeat=True)
            extra = dict(validation_steps=2)
        else:
            cls = py_dataset_class(lib, "Sequence" if form == "Sequence" else "PyDataset")
            # Keras's process pool is not under test: its plain run is the reference
            workers = dict(workers=2, use_multiprocessing=True) if form == "PyDataset-workers" and lib is tk else {}
            dataset = cls(X, Y, 6, **workers)
            data, extra = dict(x=dataset), {}
        history = model.fit(**data, epochs=3, shuffle=False, validation_data=val, verbose=0, **extra)
        if form != "generator" and lib is tk:
            assert data["x"].epochs_ended == 3
        return history.history, model.evaluate(generator(4), verbose=0), model.predict(generator(2), verbose=0)

    expected, got = run(keras, k_model), run(tk, t_model)
    assert sorted(got[0]) == ["loss", "mae", "val_loss", "val_mae"]
    assert_close(got, expected)
    assert_close(t_model.get_weights(), k_model.get_weights())


def test_pydataset_workers_load_ahead_in_order_and_shuffle_reorders_batches():
    seen = []

    class Slow(tk.utils.PyDataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            seen.append(i)
            return np.full((2, 4), i, "float32"), np.full((2, 1), i, "float32")

    model = compiled(tk)
    out = model.predict(Slow(workers=3, max_queue_size=2), verbose=0)
    assert out.shape == (12, 1) and sorted(seen) == list(range(6))
    order = []
    model.train_step = lambda data: order.append(int(data[0][0, 0])) or {"loss": 0.0}
    tk.utils.set_random_seed(1)
    model.fit(Slow(), epochs=2, verbose=0)  # shuffle=True: a new batch order each epoch
    assert sorted(order[:6]) == sorted(order[6:]) == list(range(6)) and order[:6] != order[6:]
    assert Slow().workers == 1 and Slow(use_multiprocessing=True).use_multiprocessing


def test_a_generator_that_runs_out_warns_and_stops():
    model = compiled(tk)
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(generator(4), steps_per_epoch=3, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 2  # 3 steps, then 1 step and the warning
    with pytest.warns(UserWarning, match="yielded no batch in this epoch"):
        history = model.fit(generator(4), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1
    with pytest.raises(ValueError, match="no samples"):
        model.fit(generator(0), verbose=0)


def test_steps_per_epoch_keeps_the_place_of_a_dataset_across_epochs():
    calls = []
    model = compiled(tk)
    model.train_step = lambda data: calls.append(int(round(float(data[1][0, 0] * 1000)))) or {"loss": 0.0}
    dataset = py_dataset_class(tk)(X, Y, 6)
    with pytest.warns(UserWarning, match="ran out of data"):  # epoch 2 has only 1 batch left, as in Keras
        model.fit(dataset, steps_per_epoch=3, epochs=3, shuffle=False, verbose=0)
    firsts = [int(round(float(Y[i, 0] * 1000))) for i in (0, 6, 12, 18)]
    assert calls == firsts[:3] + firsts[3:] + firsts[:3]


def test_any_iterable_of_batches_is_a_dataset():
    class Loader:  # e.g. a torch DataLoader: re-iterable, with a length, lists of batches
        def __len__(self):
            return 4

        def __iter__(self):
            return ([X[i:i + 6].tolist(), Y[i:i + 6]] for i in range(0, 24, 6))

    a, b = compiled(tk), compiled(tk)
    copy_weights(a, b)
    expected = a.fit(X, Y, batch_size=6, epochs=2, shuffle=False, verbose=0).history
    assert b.fit(Loader(), epochs=2, verbose=0).history == expected


# -- what the step functions receive -------------------------------------------------
def test_pack_and_unpack_are_kerass():
    x, y, sw = np.ones((2, 1)), np.zeros((2, 1)), np.ones(2)
    assert tk.utils.pack_x_y_sample_weight(x) is x
    assert tk.utils.pack_x_y_sample_weight([x, y]) == ([x, y],)
    assert tk.utils.pack_x_y_sample_weight(x, y) == (x, y)
    assert tk.utils.pack_x_y_sample_weight(x, y, sw) == (x, y, sw)
    assert tk.utils.unpack_x_y_sample_weight(x)[1:] == (None, None)
    assert tk.utils.unpack_x_y_sample_weight([x, y])[2] is None
    with pytest.raises(ValueError, match="found a tuple of 4 items"):
        tk.utils.unpack_x_y_sample_weight((x, y, sw, sw))


@pytest.mark.keras
def test_step_functions_receive_what_keras_passes():
    keras = real_keras()

    def shapes(data):  # Keras on torch turns a generator's tuples into lists: not under test
        if isinstance(data, (tuple, list)):
            return ("seq",) + tuple(shapes(d) for d in data)
        if isinstance(data, dict):
            return {k: shapes(v) for k, v in data.items()}
        return None if data is None else tuple(data.shape)

    def record(lib):
        received = []

        class Recorder(lib.Model):
            def train_step(self, data):
                received.append(("train", shapes(data)))
                return super().train_step(data)

            def test_step(self, data):
                received.append(("test", shapes(data)))
                return super().test_step(data)

            def predict_step(self, data):
                received.append(("predict", shapes(data)))
                return super().predict_step(data)

        inputs = lib.Input((4,))
        model = Recorder(inputs, lib.layers.Dense(1)(inputs))
        model.compile(optimizer="sgd", loss="mse")
        sw = np.ones(8, "float32")
        model.fit(X[:8], Y[:8], batch_size=8, verbose=0)
        model.fit(X[:8], Y[:8], sample_weight=sw, batch_size=8, verbose=0)
        model.fit(generator(1, 8), steps_per_epoch=1, verbose=0)
        model.evaluate(X[:8], Y[:8], verbose=0)
        model.predict(X[:8], verbose=0)
        model.predict([X[:8]], verbose=0)
        model.predict(generator(1, 8), verbose=0)
        model.train_on_batch(X[:8], Y[:8])  # Keras hands (x, y, None) here
        model.test_on_batch(X[:8], Y[:8], sample_weight=sw)
        model.predict_on_batch(X[:8])  # and (x,) here
        return received

    received = record(tk)
    assert received[0] == ("train", ("seq", (8, 4), (8, 1)))  # fit(x, y) hands (x, y)
    assert received == record(keras)



def test_a_used_up_validation_generator_warns_instead_of_failing():
    model = compiled(tk)
    with pytest.warns(UserWarning, match="no validation logs for this epoch"):
        history = model.fit(X, Y, epochs=2, validation_data=generator(2), verbose=0)
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 1
