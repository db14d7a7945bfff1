"""Calls of ``keras.ops`` on symbolic tensors (einsum, ``ops.image``, ``ops.linalg``, ...) in ``.keras``
files both ways: tinykeras writes each op Keras 3 has a class for as Keras's ``Operation`` entry
(``tinykeras/saving/keras_ops.py``'s table), Keras loads it and predicts as tinykeras did, and a
model Keras saves loads here and predicts as Keras did (<= 1e-4).  Without Keras: the entries
tinykeras writes for einsum and the image ops are Keras's form, and read back the same."""
import inspect
import json
import zipfile

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.ops import specs
from tinykeras.ops.namespaces import op_function
from tinykeras.saving import keras_ops
import keras_zoo as zoo

pytest.importorskip("h5py")

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 1, (2, 6, 6, 3)).astype("float32")
VOLUMES = RNG.uniform(0, 1, (2, 4, 4, 4, 2)).astype("float32")
SQUARES = (RNG.normal(size=(2, 3, 3)) + 3 * np.eye(3)).astype("float32")
X = RNG.normal(size=(2, 4, 4)).astype("float32")
SPD = (SQUARES @ SQUARES.transpose(0, 2, 1) + np.eye(3)).astype("float32")  # symmetric positive definite
SHIFT = np.array([1, 0, 0.5, 0.2, 1, -0.5, 0, 0], "float32")  # an affine transform (its 8 numbers)
CORNERS = np.array([[0, 0], [5, 0], [0, 5], [5, 5]], "float32")

# op -> (input arrays (one keras.Input each, batch first), the call on ops and those inputs)
CASES = {
    "einsum": ([SQUARES, SQUARES], lambda ops, a, b: ops.einsum("bij,bjk->bik", a, b)),
    "einsum_three": ([X, X, X], lambda ops, a, b, c: ops.einsum("bij,bkj,bik->bi", a, b, c)),
    "resize": ([IMAGES], lambda ops, a: ops.image.resize(a, (4, 5), interpolation="nearest")),
    "affine_transform": ([IMAGES, np.stack([SHIFT, SHIFT * 0.9])],
                         lambda ops, a, t: ops.image.affine_transform(a, t, fill_mode="nearest")),
    "crop_images": ([IMAGES], lambda ops, a: ops.image.crop_images(a, 1, 2, target_height=3, target_width=3)),
    "pad_images": ([IMAGES], lambda ops, a: ops.image.pad_images(a, 1, 2, target_height=8, target_width=9)),
    "rgb_to_grayscale": ([IMAGES], lambda ops, a: ops.image.rgb_to_grayscale(a)),
    "rgb_to_hsv": ([IMAGES], lambda ops, a: ops.image.rgb_to_hsv(a)),
    "hsv_to_rgb": ([IMAGES], lambda ops, a: ops.image.hsv_to_rgb(a)),
    "perspective_transform": ([IMAGES], lambda ops, a: ops.image.perspective_transform(
        a, CORNERS, CORNERS * 0.8 + 0.5)),
    "scale_and_translate": ([IMAGES], lambda ops, a: ops.image.scale_and_translate(
        a, (2, 4, 4, 3), np.array([0.7, 0.7], "float32"), np.array([0.1, 0.2], "float32"), (1, 2), "linear")),
    "extract_patches": ([IMAGES], lambda ops, a: ops.image.extract_patches(a, 2, strides=1)),
    "extract_patches_3d": ([VOLUMES], lambda ops, a: ops.image.extract_patches_3d(a, 2)),
    "gaussian_blur": ([IMAGES], lambda ops, a: ops.image.gaussian_blur(a, (5, 5), (1.0, 2.0))),
    "map_coordinates": ([IMAGES[:, :, :, 0]], lambda ops, a: ops.image.map_coordinates(
        a, np.array([[[0.5, 1.5]], [[1.2, 2.7]], [[3.1, 0.4]]], "float32"), 1)),
    "sobel_edges": ([IMAGES], lambda ops, a: ops.image.sobel_edges(a)),
    "ssim": ([IMAGES, IMAGES[::-1]], lambda ops, a, b: ops.image.ssim(a, b, filter_size=3)),
    "cumsum": ([X], lambda ops, a: ops.cumsum(a, axis=-1)),
    "isclose": ([X, X + 1e-3], lambda ops, a, b: ops.isclose(a, b, atol=1e-2)),
    "quantile": ([X], lambda ops, a: ops.quantile(a, 0.3, axis=-1)),
    "inv": ([SQUARES], lambda ops, a: ops.linalg.inv(a)),
    "svd": ([SQUARES], lambda ops, a: ops.linalg.svd(a, compute_uv=False)),
    "cdist": ([X, X[::-1]], lambda ops, a, b: ops.cdist(a, b)),
    "layer_normalization": ([X], lambda ops, a: ops.layer_normalization(a, np.full(4, 2.0, "float32"))),
    "top_k": ([X], lambda ops, a: ops.top_k(a, 2)[0]),
    "logdet": ([SPD], lambda ops, a: ops.logdet(a)),
    "eigh": ([SPD], lambda ops, a: ops.linalg.eigh(a)[0]),
    "cholesky_inverse": ([np.linalg.cholesky(SPD)], lambda ops, a: ops.linalg.cholesky_inverse(a)),
    "pad": ([X], lambda ops, a: ops.pad(a, [(0, 0), (1, 2), (0, 1)], constant_values=0.5)),
    "average": ([X], lambda ops, a: ops.average(a, axis=-1, weights=np.arange(1, 5, dtype="float32"))),
    "dot_product_attention": ([X, X[::-1], X], lambda ops, q, k, v: ops.dot_product_attention(
        q[:, :, None], k[:, :, None], v[:, :, None], scale=0.5)),
}


def _model(lib, case):
    arrays, call = CASES[case]
    inputs = [lib.Input(a.shape[1:], dtype=str(a.dtype)) for a in arrays]
    return lib.Model(inputs, call(lib.ops, *inputs)), arrays


def _predict(model, arrays):
    return np.asarray(model.predict(arrays, verbose=0), dtype="float64")


def _config(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json"))["config"]["layers"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_written_in_keras_form_and_read_back(case, tmp_path):
    model, arrays = _model(tk, case)
    path = str(tmp_path / "m.keras")
    model.save(path)
    op = _config(path)[-1]
    op_name = case.split("_three")[0]
    assert (op["module"], op["class_name"]) == keras_ops.KERAS_CLASSES[op_name]
    want = _predict(model, arrays)
    np.testing.assert_allclose(_predict(tk.models.load_model(path), arrays), want, rtol=0, atol=1e-6)


def test_einsum_entry_is_keras_einsum():
    """Keras's ``Einsum(subscripts)``: the subscripts in its config, the operands its call's arguments."""
    x, y = tk.Input((3, 4)), tk.Input((4, 5))
    config = json.loads(tk.Model([x, y], tk.ops.einsum("bij,bjk->bik", x, y)).to_json())["config"]
    entry = config["layers"][-1]
    assert entry["config"] == {"name": entry["name"], "subscripts": "bij,bjk->bik"}
    assert [a["config"]["keras_history"][0] for a in entry["inbound_nodes"][0]["args"]] == \
        [config["layers"][0]["name"], config["layers"][1]["name"]]


def test_einsum_entry_without_subscripts_is_refused():
    x, y = tk.Input((3, 4)), tk.Input((4, 5))
    config = json.loads(tk.Model([x, y], tk.ops.einsum("bij,bjk->bik", x, y)).to_json())
    del config["config"]["layers"][-1]["config"]["subscripts"]
    with pytest.raises(tk.saving.FileFormatError, match=r"Einsum .*lacks \['subscripts'\]"):
        tk.models.model_from_json(json.dumps(config))


def test_extract_patches_of_three_sizes_is_extract_patches_3d():
    want = tk.ops.image.extract_patches_3d(VOLUMES, (2, 2, 1), strides=1).numpy()
    np.testing.assert_array_equal(tk.ops.image.extract_patches(VOLUMES, (2, 2, 1), strides=1).numpy(), want)


# -- against real Keras 3 --------------------------------------------------
@pytest.mark.keras
def test_the_op_table_names_keras_classes_and_their_arguments():
    """Every op tinykeras writes in Keras's form: Keras has its class, in that module; Keras's
    constructor takes every config key tinykeras writes; the call arguments after the inputs are
    Keras's call parameters, in Keras's order."""
    zoo.keras_or_skip()
    import importlib
    wrong = []
    for op, (module, class_name) in sorted(keras_ops.KERAS_CLASSES.items()):
        cls = getattr(importlib.import_module(module), class_name, None)
        if cls is None:
            wrong.append(f"{op}: no {module}.{class_name}")
            continue
        ours = list(inspect.signature(op_function(op)).parameters)[specs.SPECS[op][0]:]
        in_call = keras_ops.CALL_PARAMS.get(op, ())
        config = [p for p in ours if p not in in_call and p != "kwargs"] + list(keras_ops.CONFIG_INPUTS.get(op, ()))
        init = inspect.signature(cls.__init__).parameters
        refused = [p for p in config if p not in init]
        call = list(inspect.signature(cls.call).parameters)
        call_after = [p for p in call if p in in_call]
        if refused or call_after != list(in_call):
            wrong.append(f"{op}: {class_name}.__init__ refuses {refused}; call params {call} vs ours {in_call}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.keras
@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_reads_ours_and_we_read_keras(case, tmp_path):
    keras = zoo.keras_or_skip()
    ours, arrays = _model(tk, case)
    ours.save(str(tmp_path / "ours.keras"))
    want = _predict(ours, arrays)
    np.testing.assert_allclose(_predict(keras.models.load_model(str(tmp_path / "ours.keras")), arrays), want,
                               rtol=0, atol=1e-4)
    theirs = _model(keras, case)[0]
    theirs.save(str(tmp_path / "theirs.keras"))
    want = _predict(theirs, arrays)
    np.testing.assert_allclose(want, _predict(ours, arrays), rtol=0, atol=1e-4)  # the same op, the same result
    np.testing.assert_allclose(_predict(tk.models.load_model(str(tmp_path / "theirs.keras")), arrays), want,
                               rtol=0, atol=1e-4)


def test_call_arguments_past_keras_call_are_refused():
    """``Pad.call(x, constant_values)``: a third argument is no part of it."""
    model, _ = _model(tk, "pad")
    config = json.loads(model.to_json())
    config["config"]["layers"][-1]["inbound_nodes"][0]["args"].append(7)
    with pytest.raises(tk.saving.FileFormatError, match=r"Pad .*takes 1 inputs and \['constant_values'\], got 3"):
        tk.models.model_from_json(json.dumps(config))
