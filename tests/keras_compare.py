"""Run one Keras-3-style program with tinykeras and with real Keras (torch backend).

A test writes its program as a function of ``lib`` (``tinykeras`` or
``keras``); ``both(program)`` runs it twice with the same initial weights
and returns the two results.  Tests using it carry the ``keras`` marker and
skip where Keras 3 is not installed.
"""
import numpy as np

import tinykeras as tk


def real_keras():
    """Real Keras 3 (torch backend), or skip the test."""
    from keras_zoo import keras_or_skip
    return keras_or_skip()


def no_grad(lib):
    """The context a custom train_step applies the optimizer in."""
    if lib is tk:
        return tk.no_grad()
    import torch
    return torch.no_grad()


def to_numpy(value):
    """NumPy from a tinykeras Tensor, a torch tensor, or nested lists/dicts of them."""
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def copy_weights(source, target):
    target.set_weights([np.array(w) for w in source.get_weights()])


def assert_same_model(k_model, t_model):
    """Equal parameter counts and weight shapes."""
    assert t_model.count_params() == k_model.count_params()
    assert [w.shape for w in t_model.get_weights()] == [w.shape for w in k_model.get_weights()]


def assert_close(got, expected, rtol=1e-4, atol=1e-5):
    got, expected = to_numpy(got), to_numpy(expected)
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected)
        for key in expected:
            assert_close(got[key], expected[key], rtol, atol)
    elif isinstance(expected, list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_close(g, e, rtol, atol)
    else:
        np.testing.assert_allclose(np.asarray(got, dtype="float64"), np.asarray(expected, dtype="float64"),
                                   rtol=rtol, atol=atol)


def _outputs(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def max_diff(got, expected):
    """The largest absolute difference between two lists of arrays."""
    return max(float(np.max(np.abs(np.asarray(g, "float64") - np.asarray(e, "float64")))) for g, e in
               zip(got, expected))


def keras_parity(keras, k_model, t_model, x, y, tmp_path, weights, rtol=1e-4, atol=1e-5, label=""):
    """Compiled twins given the same ``weights``: the same weight names and
    predictions, the same weights after one ``fit`` step on ``(x, y)`` (one
    batch), and each side's ``.keras`` file loads in the other and predicts the
    same.  Returns (and prints, for ``pytest -s``) the largest differences."""
    k_model.set_weights(weights)
    t_model.set_weights(weights)
    assert [w.name for w in t_model.weights] == [w.name for w in k_model.weights]
    want = _outputs(k_model, x)
    forward = max_diff(_outputs(t_model, x), want)
    assert_close(_outputs(t_model, x), want, rtol, atol)
    k_model.save(str(tmp_path / "k.keras"))
    t_model.save(str(tmp_path / "t.keras"))
    assert_close(_outputs(tk.models.load_model(str(tmp_path / "k.keras")), x), want, rtol, atol)
    assert_close(_outputs(keras.models.load_model(str(tmp_path / "t.keras")), x), want, rtol, atol)
    batch = len(x[0] if isinstance(x, list) else x)
    for model in (k_model, t_model):
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    k_weights, t_weights = [np.asarray(w) for w in k_model.get_weights()], t_model.get_weights()
    step = max_diff(t_weights, k_weights)
    assert_close(t_weights, k_weights, rtol, atol)
    print(f"PARITY {label}: forward {forward:.2e}, after one step {step:.2e}")
    return forward, step


def assert_reloads_and_summary_row(model, x, tmp_path, layer):
    """Saved as ``.keras`` and as safetensors, ``model`` loads and predicts
    exactly the same; returns the cells (name, output shape, params) of
    ``layer``'s first summary() row."""
    for suffix in ("keras", "safetensors"):
        path = str(tmp_path / f"m.{suffix}")
        model.save(path)
        np.testing.assert_array_equal(tk.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    printed = []
    model.summary(print_fn=printed.append)
    line = next(line for line in "\n".join(printed).splitlines() if f"│ {layer.name[:18]}" in line)
    return [cell.strip() for cell in line.split("│")[1:4]]
