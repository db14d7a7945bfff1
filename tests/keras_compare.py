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
