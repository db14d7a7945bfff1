"""keras.utils dataset builders without TensorFlow: timeseries windows, folders of
images and texts, split_dataset; each checked against NumPy slicing and fed
to fit as keras.io examples do.  (Keras itself needs TensorFlow for these,
so they are compared with the arrays they must equal, not with Keras.)
"""
import os

import numpy as np
import pytest

import tinykeras as tk

RNG = np.random.default_rng(11)


def test_timeseries_windows_are_numpy_slices():
    data = RNG.normal(size=(60, 3)).astype("float32")
    targets = data[:, 0] * 2
    ds = tk.utils.timeseries_dataset_from_array(data, targets, sequence_length=5, sequence_stride=2,
                                                sampling_rate=3, batch_size=4, start_index=4, end_index=50)
    windows = np.concatenate([w for w, _ in ds])
    labels = np.concatenate([t for _, t in ds])
    starts = list(range(4, 50 - 4 * 3, 2))
    assert len(ds) == -(-len(starts) // 4) and windows.shape == (len(starts), 5, 3)
    np.testing.assert_array_equal(windows, np.stack([data[s:s + 15:3] for s in starts]))
    np.testing.assert_array_equal(labels, targets[starts])
    assert [w.shape[0] for w, _ in ds][-1] == (len(starts) % 4 or 4)
    only_x = tk.utils.timeseries_dataset_from_array(data, None, sequence_length=4, batch_size=100)
    assert next(iter(only_x)).shape == (57, 4, 3)
    with pytest.raises(ValueError, match="sequence_length` must be higher than 0"):
        tk.utils.timeseries_dataset_from_array(data, None, sequence_length=0)


def test_shuffled_timeseries_repeat_with_a_seed_and_change_every_epoch():
    data = np.arange(40, dtype="float32")[:, None]

    def epochs(seed):
        ds = tk.utils.timeseries_dataset_from_array(data, None, sequence_length=2, batch_size=50,
                                                    shuffle=True, seed=seed)
        return [next(iter(ds))[:, 0, 0].tolist() for _ in range(2)]

    first, second = epochs(5)
    assert first != second and sorted(first) == sorted(second) == list(range(39))
    assert epochs(5) == [first, second]


def test_fit_on_a_timeseries_dataset_equals_fit_on_its_arrays():
    """keras.io "Timeseries forecasting for weather prediction", shrunk."""
    series = np.cumsum(RNG.normal(size=(80, 2)), axis=0).astype("float32")
    past, step = 6, 2
    x_train, y_train = series[:-past], series[past:, :1]
    train = tk.utils.timeseries_dataset_from_array(x_train, y_train, sequence_length=past // step,
                                                   sampling_rate=step, batch_size=16)
    val = tk.utils.timeseries_dataset_from_array(x_train[40:], y_train[40:], sequence_length=past // step,
                                                 sampling_rate=step, batch_size=16)

    def model():
        tk.utils.set_random_seed(0)
        inputs = tk.Input((past // step, 2))
        m = tk.Model(inputs, tk.layers.Dense(1)(tk.layers.LSTM(4)(inputs)))
        m.compile(optimizer=tk.optimizers.Adam(0.01), loss="mse")
        return m

    a, b = model(), model()
    history = a.fit(train, epochs=2, validation_data=val, verbose=0)
    xs, ys = (np.concatenate(part) for part in zip(*train))
    vx, vy = (np.concatenate(part) for part in zip(*val))
    expected = b.fit(xs, ys, batch_size=16, epochs=2, shuffle=False, validation_data=(vx, vy), verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(history.history["val_loss"], expected.history["val_loss"], rtol=1e-6)
    np.testing.assert_allclose(a.predict(val, verbose=0), b.predict(vx, verbose=0), rtol=1e-6)


def test_split_dataset_sizes_and_contents():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = tk.utils.split_dataset((x, y), left_size=0.7)
    assert (len(left), len(right)) == (7, 3)
    assert [int(s[1]) for s in right] == [7, 8, 9]
    left, right = tk.utils.split_dataset(x, left_size=2, right_size=3, shuffle=True, seed=1)
    rows = [r.tolist() for r in left] + [r.tolist() for r in right]
    assert len(rows) == 5 and all(r in x.tolist() for r in rows) and len({tuple(r) for r in rows}) == 5
    batched = left.batch(2)
    assert [b.shape for b in batched] == [(2, 2)]
    again, _ = tk.utils.split_dataset(tk.utils.Dataset.from_arrays(x).batch(4), right_size=0.5)
    assert [r.tolist() for r in again] == x[:5].tolist()
    with pytest.raises(ValueError, match="`left_size` should be either a positive integer smaller than 10"):
        tk.utils.split_dataset(x, left_size=10)
    with pytest.raises(ValueError, match="specify either `left_size` or `right_size`"):
        tk.utils.split_dataset(x)
    with pytest.raises(TypeError, match="Invalid `left_size` Type"):
        tk.utils.split_dataset(x, left_size="half")


def write_texts(root):
    reviews = {"neg": ["dull plot", "bad acting", "boring and long", "awful"],
               "pos": ["great fun", "lovely film", "good acting", "superb"]}
    for label, texts in reviews.items():
        os.makedirs(os.path.join(root, label))
        for i, text in enumerate(texts):
            with open(os.path.join(root, label, f"{i}.txt"), "w") as f:
                f.write(text)
    open(os.path.join(root, "README.md"), "w").close()  # not a class folder, not a .txt
    return reviews


def test_text_dataset_from_directory_like_keras_io(tmp_path, capsys):
    """keras.io "Text classification from scratch": split, vectorize, fit."""
    reviews = write_texts(str(tmp_path))
    raw_train, raw_val = tk.utils.text_dataset_from_directory(
        str(tmp_path), batch_size=4, validation_split=0.25, subset="both", seed=1337)
    assert capsys.readouterr().out.splitlines() == ["Found 8 files belonging to 2 classes.",
                                                   "Using 6 files for training.",
                                                   "Using 2 files for validation."]
    assert raw_train.class_names == ["neg", "pos"] and (len(raw_train), len(raw_val)) == (2, 1)
    texts, labels = (np.concatenate(part) for part in zip(*raw_train, *raw_val))  # one pass each
    assert labels.dtype == np.int32
    assert sorted(zip(texts.tolist(), labels.tolist())) == sorted(
        (t, i) for i, name in enumerate(["neg", "pos"]) for t in reviews[name])
    assert set(raw_val.file_paths).isdisjoint(raw_train.file_paths)
    vectorize = tk.layers.TextVectorization(max_tokens=30, output_mode="int", output_sequence_length=4)
    vectorize.adapt(np.concatenate([t for t, _ in raw_train]))
    train = tk.utils.Dataset.from_arrays(
        tuple(np.concatenate(p) for p in zip(*[(vectorize(t).numpy(), y) for t, y in raw_train]))).batch(4)
    model = tk.Sequential([tk.Input((4,), dtype="int32"), tk.layers.Embedding(30, 3),
                           tk.layers.GlobalAveragePooling1D(), tk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    assert len(model.fit(train, epochs=2, verbose=0).history["accuracy"]) == 2
    cut = tk.utils.text_dataset_from_directory(str(tmp_path), max_length=4, label_mode="categorical",
                                               shuffle=False, verbose=False)
    texts, onehot = next(iter(cut))
    assert texts.tolist()[:2] == ["dull", "bad "] and onehot.tolist()[0] == [1.0, 0.0]
    with pytest.raises(ValueError, match="you must provide a `seed` argument"):
        tk.utils.text_dataset_from_directory(str(tmp_path), validation_split=0.2, subset="training")


def test_image_dataset_from_directory(tmp_path, capsys):
    pil = pytest.importorskip("PIL.Image")
    colours = {"blue": (0, 0, 255), "red": (255, 0, 0), "green": (0, 255, 0)}
    for name, rgb in colours.items():
        os.makedirs(tmp_path / name)
        for i in range(3):
            pil.new("RGB", (8 + i, 6), rgb).save(tmp_path / name / f"{i}.png")
    ds = tk.utils.image_dataset_from_directory(str(tmp_path), image_size=(4, 5), batch_size=4,
                                               label_mode="categorical", seed=3)
    assert capsys.readouterr().out == "Found 9 files belonging to 3 classes.\n"
    assert ds.class_names == ["blue", "green", "red"]
    images, labels = (np.concatenate(p) for p in zip(*ds))  # one pass: each pass has a new order
    assert images.shape == (9, 4, 5, 3) and images.dtype == np.float32 and labels.shape == (9, 3)
    for image, label in zip(images, labels):  # every pixel is its class's colour
        np.testing.assert_array_equal(image, np.broadcast_to(colours[ds.class_names[label.argmax()]], (4, 5, 3)))
    grey = tk.utils.image_dataset_from_directory(str(tmp_path), color_mode="grayscale", image_size=(3, 3),
                                                 label_mode=None, shuffle=False, verbose=False)
    assert next(iter(grey)).shape == (9, 3, 3, 1)
    model = tk.Sequential([tk.Input((4, 5, 3)), tk.layers.Rescaling(1 / 255), tk.layers.Flatten(),
                           tk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    assert model.fit(ds, epochs=1, verbose=0).history["accuracy"][0] >= 0
    assert model.predict(ds, verbose=0).shape == (9, 3)
    with pytest.raises(ValueError, match="exactly 2"):
        tk.utils.image_dataset_from_directory(str(tmp_path), label_mode="binary", verbose=False)


def test_image_dataset_without_pillow_says_what_to_install(tmp_path, monkeypatch):
    import sys
    os.makedirs(tmp_path / "a")
    (tmp_path / "a" / "x.png").write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    ds = tk.utils.image_dataset_from_directory(str(tmp_path), verbose=False)
    with pytest.raises(ImportError, match="pip install pillow"):
        next(iter(ds))
