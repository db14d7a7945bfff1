"""Dice, Tversky, Circle and CategoricalGeneralizedCrossEntropy: hand values,
float64 gradients, label checks, config round trips, training, and real Keras."""

import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras import losses
from tinykeras.testing.gradcheck import check_gradients

RNG = np.random.default_rng(7)
SEG_T = (RNG.random((4, 3, 3, 1)) > 0.5).astype(np.float32)
SEG_P = RNG.random((4, 3, 3, 1)).astype(np.float32)
EMB = RNG.normal(size=(8, 5)).astype(np.float32)
EMB /= np.linalg.norm(EMB, axis=1, keepdims=True)
EMB_LABELS = RNG.integers(0, 3, 8)
PROBS = RNG.dirichlet(np.ones(4), 6).astype(np.float32)
IDS = RNG.integers(0, 4, 6)


def test_hand_values():
    t = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    p = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    # Keras's docstring values.
    np.testing.assert_allclose(losses.Dice(axis=(1, 2, 3), reduction=None)(t, p).numpy(),
                               [0.5, 0.75757575], rtol=1e-6)
    assert losses.Dice()(t, p).item() == pytest.approx(0.6164384, rel=1e-6)
    # alpha = beta = 0.5 is Dice.
    np.testing.assert_allclose(losses.tversky(SEG_T, SEG_P, axis=(1, 2, 3)).numpy(),
                               losses.dice(SEG_T, SEG_P, axis=(1, 2, 3)).numpy(), rtol=1e-6)
    gce = losses.categorical_generalized_cross_entropy(IDS, PROBS, q=0.3).numpy()
    np.testing.assert_allclose(gce, (1 - PROBS[np.arange(6), IDS] ** 0.3) / 0.3, rtol=1e-6)


def test_circle_by_hand():
    emb = EMB.astype(np.float64)
    dist = np.maximum(1 - emb @ emb.T, 0)
    pos = (EMB_LABELS[:, None] == EMB_LABELS[None]) & ~np.eye(8, dtype=bool)
    neg = EMB_LABELS[:, None] != EMB_LABELS[None]
    gamma, m = 10.0, 0.3
    pw = np.maximum((m + dist) * pos, 0) * -gamma * (m - dist)
    nw = np.maximum((1 + m - dist) * neg, 0) * gamma * (1 - m - dist)

    def lse(x, mask):
        return np.array([np.log(np.exp(r[k]).sum()) if k.any() else -np.inf for r, k in zip(x, mask)])
    expected = np.logaddexp(0, lse(pw, pos) + lse(nw, neg))
    got = losses.circle(EMB_LABELS, EMB, gamma=gamma, margin=m)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    mean = expected[expected > 0].mean()   # zero losses are masked out of the mean
    assert losses.Circle(gamma=gamma, margin=m)(EMB_LABELS, EMB).item() == pytest.approx(mean, rel=1e-5)


@pytest.mark.parametrize("fn,inputs,params", [
    (losses.dice, [SEG_T, SEG_P], {"axis": (1, 2, 3)}),
    (losses.tversky, [SEG_T, SEG_P], {"alpha": 0.3, "beta": 0.7}),
    (losses.circle, [EMB_LABELS, EMB], {"gamma": 4.0}),
    (losses.categorical_generalized_cross_entropy, [IDS, PROBS], {"q": 0.7}),
], ids=["dice", "tversky", "circle", "gce"])
def test_gradients(fn, inputs, params):
    check_gradients(fn, inputs, params)


def test_label_checks():
    with pytest.raises(ValueError, match="circle: labels of shape .* one integer label per"):
        losses.Circle()(np.zeros(5), EMB)
    with pytest.raises(ValueError, match="class ids must be between 0 and 3"):
        losses.CategoricalGeneralizedCrossEntropy()(IDS + 4, PROBS)
    with pytest.raises(ValueError, match="dice: labels of shape"):
        losses.Dice()(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="q must be in the interval"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)


def test_config_round_trip_and_get():
    for loss in (losses.Dice(axis=(1, 2)), losses.Tversky(0.2, 0.8, name="tv"),
                 losses.Circle(gamma=10.0, remove_diagonal=False),
                 losses.CategoricalGeneralizedCrossEntropy(q=0.25, reduction="sum")):
        again = losses.deserialize(losses.serialize(loss))
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert losses.Tversky().get_config() == {"name": "tversky", "reduction": "sum_over_batch_size",
                                             "alpha": 0.5, "beta": 0.5, "axis": None}
    assert losses.get("dice") is losses.dice and type(losses.get("Circle")) is losses.Circle


def test_circle_trains_embeddings():
    x = RNG.normal(size=(16, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype("int32")
    model = tk.Sequential([tk.Input((6,)), tk.layers.Dense(4),
                           tk.layers.Lambda(losses.functions.l2_normalize)])
    model.compile(optimizer=tk.optimizers.SGD(0.05), loss=losses.Circle(gamma=4.0))
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


# -- real Keras 3 (torch backend), when installed -------------------------------
KERAS_CASES = [
    ("Dice", {}, SEG_T, SEG_P), ("Dice", {"axis": (1, 2, 3)}, SEG_T, SEG_P),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)}, SEG_T, SEG_P),
    ("Circle", {}, EMB_LABELS, EMB), ("Circle", {"gamma": 10.0, "margin": 0.2}, EMB_LABELS, EMB),
    ("Circle", {"remove_diagonal": False}, EMB_LABELS, EMB),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.3}, IDS, PROBS),
]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,y_true,y_pred", KERAS_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)])
def test_values_and_gradients_match_keras(name, kwargs, y_true, y_pred):
    keras = real_keras()
    import torch
    for reduction in ("sum_over_batch_size", "sum", "none"):
        pred = torch.tensor(y_pred, requires_grad=True)
        expected = getattr(keras.losses, name)(reduction=reduction, **kwargs)(y_true, pred)
        mine = tk.Tensor(y_pred.copy(), requires_grad=True)
        got = getattr(losses, name)(reduction=reduction, **kwargs)(y_true, mine)
        assert got.shape == tuple(expected.shape)
        np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=2e-5, atol=1e-6)
        expected.sum().backward()
        tk.ops.sum(got).backward()
        np.testing.assert_allclose(mine.grad.numpy(), pred.grad.numpy(), rtol=1e-4, atol=1e-6)
