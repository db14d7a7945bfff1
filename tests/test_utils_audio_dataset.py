"""keras.utils.audio_dataset_from_directory on WAV files written here,
against the samples NumPy decodes and Keras's documented behaviour (Keras
itself needs TensorFlow for it; its signature is compared when installed)."""
import inspect
import wave

import numpy as np
import pytest

import tinykeras as tk
from keras_zoo import keras_or_skip
from tinykeras.utils.audio_dataset import read_wav

RATE = 8000


def write_wav(path, ints, width=2, rate=RATE):
    """``ints`` (samples, channels) of the signed range of ``width`` bytes."""
    ints = np.asarray(ints).reshape(len(ints), -1)
    if width == 1:
        raw = (ints + 128).astype(np.uint8).tobytes()
    elif width == 3:
        raw = np.ascontiguousarray((ints.astype("<i4").view(np.uint8).reshape(-1, 4))[:, :3]).tobytes()
    else:
        raw = ints.astype(f"<i{width}").tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(ints.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(raw)
    return ints / 2.0 ** (8 * width - 1)


@pytest.fixture
def speech(tmp_path):
    """3 classes, 2 files each of lengths 3..8 samples; ``{name: float samples}``."""
    rng = np.random.default_rng(0)
    clips = {}
    for k, label in enumerate(["down", "go", "up"]):
        for j in range(2):
            name = f"{label}/clip{j}.wav"
            clips[name] = write_wav(tmp_path / name, rng.integers(-32768, 32767, (3 + 2 * k + j, 1)))
    return tmp_path, clips


def test_batches_pad_to_the_longest_file_and_labels_follow_folders(speech, capsys):
    root, clips = speech
    ds = tk.utils.audio_dataset_from_directory(root, batch_size=4, shuffle=False)
    assert "Found 6 files belonging to 3 classes." in capsys.readouterr().out
    assert ds.class_names == ["down", "go", "up"] and len(ds) == 2
    batches = list(ds)
    names = sorted(clips)
    for (audio, labels), rows in zip(batches, (names[:4], names[4:])):
        longest = max(len(clips[n]) for n in rows)
        assert audio.dtype == np.float32 and audio.shape == (len(rows), longest, 1)
        for got, name in zip(audio, rows):
            expected = np.pad(clips[name], ((0, longest - len(clips[name])), (0, 0)))
            np.testing.assert_array_equal(got, expected.astype(np.float32))
        assert labels.dtype == np.int32 and labels.tolist() == [["down", "go", "up"].index(n.split("/")[0])
                                                                for n in rows]
    one_hot = next(iter(tk.utils.audio_dataset_from_directory(root, label_mode="categorical", shuffle=False,
                                                               verbose=False)))[1]
    np.testing.assert_array_equal(one_hot, np.eye(3, dtype="float32")[[0, 0, 1, 1, 2, 2]])
    only_audio = next(iter(tk.utils.audio_dataset_from_directory(root, labels=None, shuffle=False, verbose=False)))
    assert isinstance(only_audio, np.ndarray) and only_audio.shape == (6, 8, 1)


def test_sequence_length_ragged_single_samples_and_explicit_labels(speech):
    root, clips = speech
    names = sorted(clips)
    audio, _ = next(iter(tk.utils.audio_dataset_from_directory(root, output_sequence_length=4, shuffle=False,
                                                                verbose=False)))
    assert audio.shape == (6, 4, 1)
    np.testing.assert_array_equal(audio[0, :3, 0], clips[names[0]][:, 0].astype("float32"))
    assert audio[0, 3, 0] == 0 and np.array_equal(audio[-1, :, 0], clips[names[-1]][:4, 0].astype("float32"))
    ragged, _ = next(iter(tk.utils.audio_dataset_from_directory(root, ragged=True, shuffle=False, verbose=False)))
    assert [len(r) for r in ragged] == [len(clips[n]) for n in names]
    single = tk.utils.audio_dataset_from_directory(root, labels=[5, 4, 3, 2, 1, 0], batch_size=None,
                                                   shuffle=False, verbose=False)
    samples = list(single)
    assert len(samples) == 6 and samples[2][0].shape == (len(clips[names[2]]), 1) and int(samples[2][1]) == 3
    binary = tk.utils.audio_dataset_from_directory(root, labels=[0, 1, 0, 1, 1, 0], label_mode="binary",
                                                   shuffle=False, verbose=False)
    assert next(iter(binary))[1].tolist() == [[0.0], [1.0], [0.0], [1.0], [1.0], [0.0]]


def test_validation_split_subsets_are_disjoint_and_repeatable(speech, capsys):
    root, _ = speech
    train, val = tk.utils.audio_dataset_from_directory(root, batch_size=2, validation_split=0.34, subset="both",
                                                       seed=7)
    out = capsys.readouterr().out
    assert "Using 4 files for training." in out and "Using 2 files for validation." in out
    assert len(set(train.file_paths) | set(val.file_paths)) == 6 and not set(train.file_paths) & set(val.file_paths)
    again = tk.utils.audio_dataset_from_directory(root, validation_split=0.34, subset="validation", seed=7,
                                                  verbose=False)
    assert again.file_paths == val.file_paths
    assert sum(len(audio) for audio, _ in train) == 4
    with pytest.raises(ValueError, match="seed"):
        tk.utils.audio_dataset_from_directory(root, validation_split=0.5, subset="training", verbose=False)
    with pytest.raises(ValueError, match="between 0 and 1"):
        tk.utils.audio_dataset_from_directory(root, validation_split=1.5, subset="training", seed=1, verbose=False)


def test_sample_widths_resampling_and_bad_arguments(tmp_path):
    rng = np.random.default_rng(1)
    for width, top in ((1, 128), (2, 2 ** 15), (3, 2 ** 23), (4, 2 ** 31)):
        ints = rng.integers(-top, top, (5, 2))
        expected = write_wav(tmp_path / f"w{width}.wav", ints, width)
        audio, rate = read_wav(str(tmp_path / f"w{width}.wav"))
        assert rate == RATE and audio.shape == (5, 2)
        np.testing.assert_allclose(audio, expected, rtol=1e-7, err_msg=f"{width * 8}-bit")
    t = np.arange(64) / 64.0  # 2 cycles in the clip: FFT resampling is exact
    write_wav(tmp_path / "tone" / "a.wav", np.round(16000 * np.sin(2 * np.pi * 2 * t))[:, None])
    audio = next(iter(tk.utils.audio_dataset_from_directory(tmp_path / "tone", labels=None, sampling_rate=4000,
                                                            verbose=False)))
    assert audio.shape == (1, 32, 1)
    np.testing.assert_allclose(audio[0, :, 0], 16000 / 32768 * np.sin(2 * np.pi * 2 * np.arange(32) / 32),
                               atol=1e-4)
    for kwargs, match in [({"sampling_rate": 8000.0}, "integer value"), ({"sampling_rate": 0}, "higher than 0"),
                          ({"ragged": True, "output_sequence_length": 3}, "both `ragged`"),
                          ({"labels": "folders"}, "list/tuple"), ({"label_mode": "sparse"}, "label_mode"),
                          ({"labels": [0], "class_names": ["a"]}, "class_names"),
                          ({"label_mode": "binary"}, "exactly 2")]:
        with pytest.raises(ValueError, match=match):
            tk.utils.audio_dataset_from_directory(tmp_path, verbose=False, **kwargs)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No audio files found"):
        tk.utils.audio_dataset_from_directory(tmp_path / "empty", verbose=False)
    (tmp_path / "bad" / "x").mkdir(parents=True)
    (tmp_path / "bad" / "x" / "a.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnope")
    with pytest.raises(ValueError, match="not a PCM WAV"):
        list(tk.utils.audio_dataset_from_directory(tmp_path / "bad", verbose=False))


def test_a_model_trains_on_the_dataset(speech):
    root, _ = speech
    ds = tk.utils.audio_dataset_from_directory(root, batch_size=3, output_sequence_length=8, seed=1, verbose=False)
    model = tk.Sequential([tk.Input((8, 1)), tk.layers.Flatten(), tk.layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


@pytest.mark.keras
def test_signature_is_keras_s():
    keras = keras_or_skip()
    ours = inspect.signature(tk.utils.audio_dataset_from_directory).parameters
    theirs = inspect.signature(keras.utils.audio_dataset_from_directory).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]
