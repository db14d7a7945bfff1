"""``image_dataset_from_directory`` and ``text_dataset_from_directory``.

A folder with one subfolder per class becomes a ``Dataset`` of NumPy
batches ``(inputs, labels)``, as in Keras (which returns ``tf.data``)::

    main_directory/
        class_a/  a_image_1.jpg  a_image_2.jpg ...
        class_b/  b_image_1.jpg ...

Files are listed in sorted order, shuffled once with ``seed`` (as Keras
does) before ``validation_split`` takes the *last* files for validation,
and shuffled again each epoch when ``shuffle=True``.  Images are read only
when their batch is cut, with Pillow (``pip install pillow``, or the
``tinykeras[image]`` extra); without it loading raises ImportError.

>>> import os, tempfile
>>> root = tempfile.mkdtemp()
>>> for label, text in [("neg", "bad"), ("neg", "awful"), ("pos", "good")]:
...     os.makedirs(os.path.join(root, label), exist_ok=True)
...     with open(os.path.join(root, label, text + ".txt"), "w") as f:
...         _ = f.write(f"a {text} film")
>>> ds = text_dataset_from_directory(root, batch_size=8, shuffle=False, verbose=False)
>>> texts, labels = next(iter(ds))
>>> ds.class_names, texts.tolist(), labels.tolist()
(['neg', 'pos'], ['a awful film', 'a bad film', 'a good film'], [0, 0, 1])
"""
import os

import numpy as np

from .dataset_utils import Dataset

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
LABEL_MODES = ("int", "categorical", "binary", None)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """``(file_paths, labels, class_names)`` for the files of ``directory``
    whose names end in one of ``formats`` (Keras's ``index_directory``)."""
    if not os.path.isdir(directory):
        raise ValueError(f"The `directory` argument should be an existing folder; got {directory!r}")
    subdirs = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
    if labels == "inferred":
        if class_names is not None and sorted(class_names) != subdirs:
            raise ValueError(f"The `class_names` passed did not match the names of the "
                             f"subdirectories of the target directory. Expected: {subdirs} (or a "
                             f"permutation of it), but received: class_names={class_names}")
        class_names = list(class_names or subdirs)
        folders = [(os.path.join(directory, d), class_names.index(d)) for d in subdirs]
    else:
        folders, class_names = [(directory, None)], class_names
    paths, found = [], []
    for folder, label in folders:
        for root, _, files in sorted(os.walk(folder, followlinks=follow_links)):
            for name in sorted(files):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(root, name))
                    found.append(label)
    if labels not in ("inferred", None):
        if len(labels) != len(paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we found "
                             f"{len(paths)} files in directory {directory}.")
        found = list(labels)
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(class_names)} classes."
              if labels == "inferred" else f"Found {len(paths)} files.")
    if shuffle and paths:
        order = (np.random if seed is None else np.random.RandomState(seed)).permutation(len(paths))
        paths, found = [paths[i] for i in order], [found[i] for i in order]
    return paths, (None if labels is None else np.asarray(found)), class_names


def _encode_labels(labels, label_mode, num_classes):
    if label_mode == "int":
        return labels.astype("int32")
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                             f"class_names. Received: class_names has {num_classes} classes")
        return labels.astype("float32")[:, None]
    return np.eye(num_classes, dtype="float32")[labels]


def build_datasets(paths, labels, class_names, load, label_mode, batch_size, shuffle, seed,
                   validation_split, subset, verbose, found="files found."):
    """One dataset (or a (training, validation) pair for ``subset="both"``)
    whose batches are ``load(paths)`` (with the labels unless ``label_mode``
    is None); ``found`` names the files in the error when a part is empty."""
    if label_mode not in LABEL_MODES:
        raise ValueError(f"`label_mode` argument must be one of {LABEL_MODES}; got {label_mode!r}")
    if not len(paths):
        raise ValueError(f"No {found}")
    if labels is not None and label_mode is not None:
        labels = _encode_labels(labels, label_mode, len(class_names or []) or int(labels.max()) + 1)
    if validation_split:
        if not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
        if subset not in ("training", "validation", "both"):
            raise ValueError('With `validation_split`, `subset` must be "training", "validation" '
                             f'or "both"; got subset={subset!r}')
        if shuffle and seed is None:
            raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                             "a `seed` argument, to make sure that there is no overlap between the "
                             "training and validation subset.")
    elif subset is not None:
        raise ValueError("`subset` is only used with `validation_split`")
    n_val = int(validation_split * len(paths)) if validation_split else 0
    parts = {"training": slice(0, len(paths) - n_val), "validation": slice(len(paths) - n_val, None)}
    wanted = ["training", "validation"] if subset == "both" else [subset or "training"]
    datasets = []
    for name in wanted:
        part_paths = paths[parts[name]] if validation_split else paths
        part_labels = None if labels is None or label_mode is None else labels[parts[name]]
        if validation_split and verbose:
            print(f"Using {len(part_paths)} files for {name}.")
        if not len(part_paths):
            raise ValueError(f"No {name + ' ' if validation_split else ''}{found}")

        def read(index, part_paths=part_paths, part_labels=part_labels):
            rows = np.atleast_1d(index)
            inputs = load([part_paths[i] for i in rows])
            if np.ndim(index) == 0:
                inputs = inputs[0]
            return inputs if part_labels is None else (inputs, part_labels[index])

        ds = Dataset(read, len(part_paths), batch_size=batch_size, class_names=class_names,
                     file_paths=list(part_paths))
        datasets.append(ds.shuffle(seed=seed) if shuffle else ds)
    return tuple(datasets) if subset == "both" else datasets[0]


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, verbose=True):
    """Batches ``(images, labels)`` of float32 images of ``image_size``
    (``(batch, height, width, channels)``, values 0-255) from a folder of
    class folders.  ``label_mode``: ``"int"`` (int32), ``"categorical"``
    (one-hot), ``"binary"`` (float32 of shape ``(batch, 1)``) or None."""
    from .image_utils import img_to_array, load_img
    if color_mode not in ("rgb", "rgba", "grayscale"):
        raise ValueError(f'`color_mode` must be one of "rgb", "rgba", "grayscale"; got {color_mode!r}')
    if pad_to_aspect_ratio:
        raise ValueError("image_dataset_from_directory: pad_to_aspect_ratio is not supported by "
                         "tinykeras; use crop_to_aspect_ratio=True or resize as is")
    size = tuple(image_size)

    def load(paths):
        return np.stack([img_to_array(load_img(p, color_mode, size, interpolation, crop_to_aspect_ratio),
                                      data_format=data_format) for p in paths])

    paths, labels, class_names = index_directory(directory, labels, IMAGE_FORMATS, class_names,
                                                 shuffle, seed, follow_links, verbose)
    found = f"images found in directory {directory}. Allowed formats: {IMAGE_FORMATS}"
    return build_datasets(paths, labels, class_names, load, label_mode, batch_size, shuffle, seed,
                          validation_split, subset, verbose, found)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False, verbose=True):
    """Batches ``(texts, labels)`` from a folder of class folders of ``.txt``
    files: texts as a NumPy array of str (cut to ``max_length`` characters)."""
    def load(paths):
        texts = []
        for path in paths:
            with open(path, encoding="utf-8", errors="replace") as f:
                texts.append(f.read()[:max_length] if max_length is not None else f.read())
        return np.array(texts, dtype=str)

    paths, labels, class_names = index_directory(directory, labels, (".txt",), class_names,
                                                 shuffle, seed, follow_links, verbose)
    found = f"text files found in directory {directory}. Allowed format: .txt"
    return build_datasets(paths, labels, class_names, load, label_mode, batch_size, shuffle, seed,
                          validation_split, subset, verbose, found)
