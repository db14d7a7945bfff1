"""Custom training the Keras 3 way (keras.io "Customizing what happens in fit()").

Each program is written once, for ``lib`` = tinykeras or keras; the
``keras`` tests run it on both with the same initial weights and compare
histories, weights and predictions.  The walk-through is docs/custom-training.md.
"""
import warnings

import numpy as np
import pytest

import tinykeras as tk
from keras_compare import assert_close, assert_same_model, no_grad, real_keras

RNG = np.random.default_rng(3)
X = RNG.normal(size=(32, 6)).astype("float32")
Y = (X[:, :1] * 2.0 - X[:, 1:2] + 0.1).astype("float32")


def functional(lib, cls, units=4):
    inputs = lib.Input((6,))
    hidden = lib.layers.Dense(units, activation="relu")(inputs)
    return cls(inputs, lib.layers.Dense(1)(hidden))


def on_both(program):
    """``program(lib)`` -> (model, result) on Keras, then on tinykeras with Keras's initial weights."""
    keras = real_keras()
    keras.utils.set_random_seed(0)
    k_model, expected = program(keras, None)
    t_model, got = program(tk, k_model.initial_weights)
    assert_same_model(k_model, t_model)
    assert_close(got, expected)
    assert_close(t_model.get_weights(), k_model.get_weights())
    return got


def keep_initial(model):
    model.initial_weights = model.get_weights()
    return model


def high_level_program(lib, weights):
    """compute_loss + autograd + optimizer.apply, metrics updated through self.metrics."""
    class CustomModel(lib.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with no_grad(lib):
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    model = keep_initial(functional(lib, CustomModel))
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    return model, [history.history, model.evaluate(X, Y, verbose=0, return_dict=True)]


@pytest.mark.keras
def test_train_step_with_compute_loss_and_self_metrics_matches_keras():
    history, evaluation = on_both(high_level_program)
    assert sorted(history) == ["loss", "mae"] and history["loss"][-1] < history["loss"][0]
    assert sorted(evaluation) == ["loss", "mae"]


def compute_metrics_program(lib, weights):
    """sample_weight through unpack_x_y_sample_weight, logs from compute_metrics, custom test_step."""
    class CustomModel(lib.Model):
        def train_step(self, data):
            x, y, sample_weight = lib.utils.unpack_x_y_sample_weight(data)
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
            loss.backward()
            variables = self.trainable_weights
            with no_grad(lib):
                self.optimizer.apply([v.value.grad for v in variables], variables)
            self.zero_grad()
            return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            for metric in self.metrics:
                if metric.name != "loss":
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics if m.name != "loss"}

    model = keep_initial(functional(lib, CustomModel))
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=lib.optimizers.SGD(0.05, momentum=0.9), loss="mse", metrics=["mae"])
    weights = np.linspace(0.5, 1.5, len(X)).astype("float32")
    history = model.fit(X, Y, sample_weight=weights, batch_size=16, epochs=2, shuffle=False, verbose=0)
    return model, [history.history["mae"], model.evaluate(X, Y, verbose=0, return_dict=True)]


@pytest.mark.keras
def test_compute_metrics_sample_weight_and_custom_test_step_match_keras():
    on_both(compute_metrics_program)


def low_level_program(lib, weights):
    """Own loss function and metric trackers, `metrics` overridden, compile() without a loss."""
    class CustomModel(lib.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = lib.metrics.Mean(name="loss")
            self.mae_metric = lib.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = lib.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
            loss.backward()
            variables = self.trainable_weights
            with no_grad(lib):
                self.optimizer.apply([v.value.grad for v in variables], variables)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    model = keep_initial(functional(lib, CustomModel))
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=lib.optimizers.Adam(0.02))
    history = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    return model, [history.history, model.predict(X[:4], verbose=0)]


@pytest.mark.keras
def test_own_loss_and_metric_trackers_without_compiled_loss_match_keras():
    history, _ = on_both(low_level_program)
    assert sorted(history) == ["loss", "mae"]


def add_loss_program(lib, weights):
    """self.add_loss in call, on top of the compiled loss and alone (fit(x), no y)."""
    class ActivityPenalty(lib.layers.Layer):
        def call(self, inputs):
            self.add_loss(0.01 * lib.ops.sum(lib.ops.square(inputs)))
            return inputs

    class Autoencoder(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encode = lib.layers.Dense(3, activation="tanh")
            self.penalty = ActivityPenalty()
            self.decode = lib.layers.Dense(6)

        def call(self, x):
            z = self.penalty(self.encode(x))
            out = self.decode(z)
            self.add_loss(lib.ops.mean(lib.ops.square(out - x)))  # reconstruction: needs no y
            return out

    model = Autoencoder()
    model(X[:1])
    keep_initial(model)
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=lib.optimizers.SGD(0.1))
    alone = model.fit(X, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mae")
    with_y = model.fit(X, X, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    return model, [alone, with_y, model.evaluate(X, X, verbose=0)]


@pytest.mark.keras
def test_add_loss_matches_keras():
    alone, with_y, _ = on_both(add_loss_program)
    assert alone["loss"][1] < alone["loss"][0]
    assert with_y["loss"][0] > alone["loss"][1]  # the compiled mae comes on top


def test_compute_loss_without_any_loss_is_a_clear_error():
    model = functional(tk, tk.Model)
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="No loss to compute. Provide a `loss` argument in `compile"):
        model.fit(X, Y, verbose=0)


def test_gradients_are_our_autograds():
    """A custom step sees the same gradients as float64 finite differences of its loss."""
    grads_seen = []

    class Probe(tk.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            loss.backward()
            grads_seen.append([v.grad.numpy().copy() for v in self.trainable_weights])
            return {"loss": loss}

    model = functional(tk, Probe, units=2)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X[:4], Y[:4], batch_size=4, verbose=0)
    kernel, bias = (w.astype("float64") for w in model.get_weights()[2:])
    hidden = np.maximum(X[:4].astype("float64") @ model.get_weights()[0] + model.get_weights()[1], 0)

    def loss(k):
        return np.mean((hidden @ k + bias - Y[:4]) ** 2)

    numeric = np.zeros_like(kernel)
    for i in range(kernel.shape[0]):
        step = np.zeros_like(kernel)
        step[i, 0] = 1e-6
        numeric[i, 0] = (loss(kernel + step) - loss(kernel - step)) / 2e-6
    np.testing.assert_allclose(grads_seen[0][2], numeric, rtol=1e-4, atol=1e-6)


# -- functional subclasses and InputLayer ----------------------------------------------
@pytest.mark.keras
def test_model_subclass_built_functionally_matches_keras():
    keras = real_keras()

    def build(lib):
        class M(lib.Model):
            pass

        i = lib.Input((3,))
        return M(i, lib.layers.Dense(1)(i))

    k_model, t_model = build(keras), build(tk)
    assert type(t_model).__name__ == "M" and isinstance(t_model, tk.Model)
    assert_same_model(k_model, t_model)
    t_model.set_weights(k_model.get_weights())
    assert_close(t_model.predict(X[:5, :3], verbose=0), k_model.predict(X[:5, :3], verbose=0))
    summary = []
    t_model.summary(print_fn=summary.append)
    assert 'Model: "' in summary[0] and "Total params: 4" in "\n".join(summary)


@pytest.mark.keras
@pytest.mark.parametrize("kwargs", [dict(shape=(6,)), dict(input_shape=(6,)), dict(shape=(6,), batch_size=4),
                                    dict(batch_input_shape=(None, 6)), dict(batch_shape=(4, 6))])
def test_input_layer_arguments_match_keras(kwargs):
    keras = real_keras()

    def build(lib):
        return lib.Sequential([lib.layers.InputLayer(**kwargs), lib.layers.Dense(2)])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras: "Argument `input_shape` is deprecated"
        k_model = build(keras)
    t_model = build(tk)
    assert tk.layers.InputLayer(**kwargs).batch_shape == tuple(keras.layers.InputLayer(**kwargs).batch_shape)
    assert_same_model(k_model, t_model)
    t_model.set_weights(k_model.get_weights())
    assert_close(t_model.predict(X[:4], verbose=0), k_model.predict(X[:4], verbose=0))


def test_input_layer_conflicting_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="both `shape` and `batch_shape`"):
        tk.layers.InputLayer(shape=(3,), batch_shape=(None, 3))
    with pytest.raises(ValueError, match="both `batch_size` and `batch_shape`"):
        tk.layers.InputLayer(batch_size=2, batch_shape=(None, 3))
    with pytest.raises(ValueError, match="an input shape is required"):
        tk.layers.InputLayer()


def test_the_documented_example_runs(capsys):
    """docs/custom-training.md's program, as written."""
    import pathlib
    import re
    text = (pathlib.Path(__file__).parents[1] / "docs" / "custom-training.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace = {}
    exec(compile(code, "custom-training.md", "exec"), namespace)
    history = namespace["model"].history.history
    assert sorted(history) == ["loss", "mae"] and len(history["loss"]) == 3
    assert history["loss"][-1] < history["loss"][0]
    assert "Epoch 3/3" in capsys.readouterr().out
