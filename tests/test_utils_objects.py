"""keras.utils's object helpers, logging switches and Config, with real values."""
import logging

import numpy as np
import pytest

import tinykeras as tk


def test_serialize_and_deserialize_round_trip_layers_losses_and_functions():
    dense = tk.layers.Dense(3, activation="relu", name="d")
    config = tk.utils.serialize_keras_object(dense)
    assert config["class_name"] == "Dense" and config["config"]["units"] == 3
    again = tk.utils.deserialize_keras_object(config)
    assert isinstance(again, tk.layers.Dense) and again.get_config() == dense.get_config()
    loss = tk.utils.deserialize_keras_object(tk.utils.serialize_keras_object(tk.losses.Huber(delta=2.0)))
    assert isinstance(loss, tk.losses.Huber) and loss.get_config()["delta"] == 2.0
    assert tk.utils.deserialize_keras_object("relu") is tk.activations.relu
    with pytest.raises(Exception, match="Nope"):
        tk.utils.deserialize_keras_object({"class_name": "Nope", "config": {}})


def test_registered_objects_and_scopes():
    @tk.utils.register_keras_serializable("i18test")
    class Scale(tk.layers.Layer):
        def call(self, x):
            return x * 2.0

    assert tk.utils.get_registered_name(Scale) == "i18test>Scale"
    assert tk.utils.get_registered_object("i18test>Scale") is Scale
    assert tk.utils.get_custom_objects()["i18test>Scale"] is Scale
    config = tk.utils.serialize_keras_object(Scale(name="s"))
    assert isinstance(tk.utils.deserialize_keras_object(config), Scale)
    with tk.utils.CustomObjectScope({"Twice": Scale}):
        assert tk.utils.get_registered_object("Twice") is Scale
    assert tk.utils.get_registered_object("Twice") is None


def test_interactive_logging_switch_routes_progress_to_logging(capsys, caplog):
    model = tk.Sequential([tk.Input((2,)), tk.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    tk.utils.disable_interactive_logging()
    try:
        assert not tk.utils.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="tinykeras"):
            model.fit(x, y, epochs=1, verbose=2)
    finally:
        tk.utils.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    assert any("loss" in r.getMessage() for r in caplog.records)
    model.fit(x, y, epochs=1, verbose=2)
    assert "loss" in capsys.readouterr().out


def test_config_and_source_inputs():
    c = tk.utils.Config(a=1)
    c.b = 2
    assert dict(c.items()) == {"a": 1, "b": 2} and c.as_dict() == {"a": 1, "b": 2}
    c.freeze()
    with pytest.raises(AttributeError, match="frozen"):
        c.a = 3
    a, b = tk.Input((2,)), tk.Input((2,))
    out = tk.layers.Dense(1)(tk.layers.Add()([a, tk.layers.Dense(2)(b)]))
    found = tk.utils.get_source_inputs(out)
    assert len(found) == 2 and {id(t) for t in found} == {id(a), id(b)}
    with pytest.raises(ValueError, match="symbolic"):
        tk.utils.get_source_inputs(np.ones(2))
