"""The hostile model-file corpus of issue 17, generated: several files per
class of attack, each with the part of the file a correct refusal names.

``python tests/hostile/corpus.py OUT`` writes the files and ``OUT/cases.json``;
``tests/test_saving_corpus.py`` builds it in a temporary folder and runs
every case with :mod:`hostile.runner` (a process per case, 1 GiB and 20 s).

Classes: 1 small config, huge work at load; 2 compile-time objects; 3 bytes,
not elements; 4 layers and nesting; 5 content ignored or defaulted; 6 names
that are not text; 7 special files.  Each case is ``{"name", "cls", "path",
"expect", "canary"}``: ``expect`` is a regular expression the error message
must match besides naming the file.
"""
import json
import os
import sys

import numpy as np

try:
    from hostile import craft
except ImportError:  # run as a script
    import craft


def _models(folder):
    """Valid files the cases start from."""
    import tinykeras as tk
    from tinykeras import ops
    out = {}

    def save(name, model):
        out[name] = os.path.join(folder, f"valid_{name}.safetensors")
        model.save(out[name])

    out["dense"] = craft.save_base(folder, "valid_dense")
    x = tk.Input((8, 4), name="x")
    save("mha", tk.Model(x, tk.layers.MultiHeadAttention(2, 4, name="mha")(x, x)))
    x = tk.Input((10,), name="x")
    save("repeat", tk.Model(x, tk.layers.Dense(1, name="out")(ops.repeat(x, 2, axis=1))))
    save("lstm", tk.Sequential([tk.Input((5, 2)), tk.layers.LSTM(3, name="lstm")]))
    save("embedding", tk.Sequential([tk.Input((2,), dtype="int32"),
                                     tk.layers.Embedding(10, 4, name="embedding")]))
    trained = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="dense")], name="trained")
    trained.compile(optimizer="adam", loss="mse")
    trained.fit(np.ones((2, 3), "float32"), np.ones((2, 2), "float32"), verbose=0)
    save("trained", trained)
    return out


def _first(arch, class_name):
    return next(l for l in craft.layer_entries(arch) if l["class_name"] == class_name)


def _resize(old, new):
    """Every shape ``old`` in the architecture (input, declared tensors,
    build configs) becomes ``new``: a consistent file of another size."""
    return lambda src, dst, canary: craft.edit_metadata(
        src, dst, lambda m: m.update(architecture=m["architecture"].replace(old, new)))


def _compile_with(metrics):
    def fn(meta):
        meta["compile_config"] = json.dumps({"optimizer": "sgd", "loss": "mse", "metrics": metrics})
    return fn


def _identities(n, start=0):
    return [{"class_name": "Identity", "config": {"name": f"id{i}"}} for i in range(start, start + n)]


def _nested_wrappers(a, depth):
    dense = _first(a, "Dense")
    inner = {"class_name": "Dense", "config": dense["config"]}
    for i in range(depth):
        inner = {"class_name": "TimeDistributed", "config": {"name": f"td{i}", "layer": inner}}
    craft.layer_entries(a)[1] = inner


def _chain(a, n):
    """A functional model of ``n`` Identity layers in a row."""
    layers = [_first(a, "InputLayer")]
    for i in range(n):
        parent = layers[-1]["config"]["name"]
        layers.append({"class_name": "Identity", "name": f"i{i}", "config": {"name": f"i{i}"},
                       "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
                           "shape": [None, 10], "dtype": "float32", "keras_history": [parent, 0, 0]}}],
                           "kwargs": {}}]})
    a["config"].update(layers=layers, output_layers=[[f"i{n - 1}", 0, 0]])


def _tensor_of(dtype, n):
    return np.zeros(n, dtype)


def build(folder):
    """Write the corpus under ``folder``; returns the list of cases."""
    base = _models(folder)
    cases = []

    def case(cls, name, make, expect, start="dense", where=None):
        path = os.path.join(folder, f"c{cls}_{name}.safetensors")
        canary = os.path.join(folder, f"canary_{name}")
        result = make(base[start], path, canary)
        cases.append({"cls": cls, "name": name, "path": result or path, "expect": expect,
                      "canary": canary, "names": where or result or path})

    def arch(fn):
        return lambda src, dst, canary: craft.edit_architecture(src, dst, fn)

    def meta(fn):
        return lambda src, dst, canary: craft.edit_metadata(src, dst, fn)

    def then(*steps):
        def make(src, dst, canary):
            for step in steps:
                step(src, dst, canary)
                src = dst
        return make

    def tensor(name, array):
        return lambda src, dst, canary: craft.set_tensor(src, dst, name, array)

    # 1. small config, huge work at load: refused before any layer runs on file-chosen sizes
    case(1, "mha_seq_6000_then_extra_tensor", then(_resize("[null,8,4]", "[null,6000,4]"),
                                                   tensor("layers/extra/vars/0", np.zeros(2, "float32"))),
         "not in the model: 'layers/extra/vars/0'", "mha")
    case(1, "mha_seq_50000_then_wrong_kernel", then(
        _resize("[null,8,4]", "[null,50000,4]"),
        tensor("layers/multi_head_attention/query_dense/vars/0", np.zeros((4, 2, 5), "float32"))),
         "expects shape", "mha")
    case(1, "lstm_million_steps_then_wrong_kernel", then(
        _resize("[null,5,2]", "[null,1000000,2]"), tensor("layers/lstm/cell/vars/0", np.zeros((2, 13), "float32"))),
         "expects shape", "lstm")
    case(1, "op_repeat_bomb", arch(lambda a: _first(a, "Repeat")["config"].update(repeats=10 ** 7)),
         "output 0 of layer 'repeat'.*elements per sample", "repeat")
    case(1, "input_5000_squared", _resize("[null,3]", "[null,5000,5000]"), "elements per sample")
    # 2. compile-time objects count against the budget before allocating
    case(2, "auc_50M_thresholds", meta(_compile_with([{"class_name": "AUC", "config": {
        "num_thresholds": 50_000_000}}])), "compile_config: 'auc thresholds'.*refused before allocating")
    case(2, "auc_multilabel_2000_labels", meta(_compile_with([{"class_name": "AUC", "config": {
        "num_thresholds": 200_000, "multi_label": True, "num_labels": 2000}}])),
         "compile_config: 'auc/true_positives'.*refused before allocating")
    case(2, "hundred_aucs_share_one_budget", meta(_compile_with([{"class_name": "AUC", "config": {
        "num_thresholds": 200_000, "name": f"auc{i}"}} for i in range(100)])),
         "compile_config: .*compile_config's metrics, losses and optimizer")
    # 3. the budget counts bytes of the real dtype, matched against the stored dtypes
    emb = "layers/embedding/vars/0"
    for dtype, stored in (("float64", "uint8"), ("float32", "int8"), ("float64", "int64"),
                          ("float16", "int16"), ("float32", "bool")):
        case(3, f"{stored}_pays_for_{dtype}_embedding", then(
            arch(lambda a, d=dtype: _first(a, "Embedding")["config"].update(input_dim=250_000, dtype=d)),
            tensor(emb, np.zeros((250_000, 4), stored))),
             f"needs 1000000 {dtype} values but the file stores only 0", "embedding")
    # 4. one limit on layers and nesting, for every container
    case(4, "sequential_20001_layers", arch(lambda a: craft.layer_entries(a).extend(_identities(20_001))),
         "more than the limit of 10000 layers")
    case(4, "two_nested_sequentials_5001_each", arch(lambda a: craft.layer_entries(a).extend(
        {"class_name": "Sequential", "config": {"name": f"s{k}", "layers": _identities(5001, 5001 * k)}}
        for k in range(2))), "more than the limit of 10000 layers")
    case(4, "functional_12000_layers", arch(lambda a: _chain(a, 12_000)),
         "more than the limit of 10000 layers", "repeat")
    case(4, "wrappers_nested_20_deep", arch(lambda a: _nested_wrappers(a, 20)), "nested more than 16 levels")
    case(4, "sequential_nested_30_deep", arch(lambda a: a.update(_deep_sequential(a, 30))),
         "nesting is deeper than 64 levels")
    # 5. every key consumed or refused, every tensor used or refused
    kinit = lambda a: _first(a, "Dense")["config"]["kernel_initializer"]  # noqa: E731
    case(5, "initializer_config_misspelt", arch(lambda a: kinit(a).update(confiq=kinit(a).pop("config"))),
         "initializer 'GlorotUniform': unexpected keys \\['confiq'\\]")
    case(5, "initializer_registered_name_misspelt", arch(lambda a: kinit(a).update(
        registered_namf=kinit(a).pop("registered_name"))), "unexpected keys \\['registered_namf'\\]")
    case(5, "initializer_module_misspelt", arch(lambda a: kinit(a).update(module="keras.initializerz")),
         "module 'keras.initializerz'")
    case(5, "inner_build_config_edited", arch(lambda a: _first(a, "Dense")["build_config"].update(
        input_shape=[None, 7])), "build_config .* disagrees")
    case(5, "no_compile_config_but_optimizer_blob", then(
        meta(lambda m: m.pop("compile_config")), tensor("optimizer/999/attacker_blob", np.zeros(4, "float32"))),
         "no compile_config", "trained")
    case(5, "optimizer_attacker_blob", tensor("optimizer/999/attacker_blob", np.zeros(4, "float32")),
         "'optimizer/999/attacker_blob' is not an optimizer variable", "trained")
    case(5, "unknown_metadata_key", meta(lambda m: m.update(run_on_load="yes")), "unknown key")
    case(5, "declared_tensor_shape_edited", arch(lambda a: next(
        l for l in craft.layer_entries(a) if l.get("name") == "out")["inbound_nodes"][0]["args"][0]["config"]
        .update(shape=[None, 3])), "declared with shape \\[None, 3\\]|declared with shape \\[null, 3\\]", "repeat")
    case(5, "speed_key_nonsense", meta(lambda m: m.update(compile_config=m["compile_config"].replace(
        '"steps_per_execution":1', '"steps_per_execution":"fast"'))), "steps_per_execution", "trained")
    # 6. names must be valid text
    case(6, "layer_name_lone_surrogate", arch(lambda a: _first(a, "Dense")["config"].update(name="\ud800")),
         "lone surrogate")
    case(6, "tensor_name_lone_surrogate", lambda s, d, c: craft.edit(
        s, d, lambda h: h.update({"x\udfff": h.pop("layers/dense/vars/1")})), "lone surrogate")
    case(6, "metadata_key_lone_surrogate", meta(lambda m: m.update({"\udc80": "x"})), "lone surrogate")
    case(6, "metadata_value_lone_surrogate", meta(lambda m: m.update(tinykeras_version="0.1\udbff")),
         "lone surrogate")
    # 7. special files, refused by type before they are opened
    if hasattr(os, "mkfifo"):
        case(7, "fifo_file", lambda s, d, c: os.mkfifo(d), "is a FIFO")
        case(7, "fifo_in_directory", lambda s, d, c: _folder(d, fifo="model.safetensors", src=s),
             "is a FIFO", where=None)
        case(7, "fifo_config_json", lambda s, d, c: _folder(d, fifo="config.json", src=s), "is a FIFO")
        case(7, "fifo_keras_archive", lambda s, d, c: os.mkfifo(d[:-len(".safetensors")] + ".keras")
             or d[:-len(".safetensors")] + ".keras", "is a FIFO")
    case(7, "directory_named_like_a_file", lambda s, d, c: os.mkdir(d), "needs model.safetensors")
    case(7, "link_to_a_device", lambda s, d, c: os.symlink("/dev/zero", d) and None, "is a character device")
    case(7, "link_in_directory_to_a_device", lambda s, d, c: _folder(d, link="/dev/zero"),
         "outside the model directory")
    return cases


def _deep_sequential(a, depth):
    inner = json.loads(json.dumps(a))
    for i in range(depth):
        inner = {"class_name": "Sequential", "config": {"name": f"s{i}", "layers": [inner]}}
    return inner


def _folder(path, fifo=None, src=None, link=None):
    folder = path[:-len(".safetensors")] + "_dir"
    os.mkdir(folder)
    if src is not None:
        craft.write(os.path.join(folder, "model.safetensors"), open(src, "rb").read())
    if fifo is not None:
        if os.path.exists(os.path.join(folder, fifo)):
            os.unlink(os.path.join(folder, fifo))
        os.mkfifo(os.path.join(folder, fifo))
    if link is not None:
        os.symlink(link, os.path.join(folder, "model.safetensors"))
    return folder


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(build(out), f, indent=1)
