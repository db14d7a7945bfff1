"""Keras-3-style programs with operators and ``tk.ops`` on symbolic tensors:
the same code runs on tinykeras and (when installed) on Keras 3; summaries,
shapes, parameter counts and numbers agree; such models train and round-trip
through safetensors exactly.  Then the specs of every op against running it,
and what a hostile file cannot do with op nodes.
"""
import ast
import inspect
import json
import os
import textwrap

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.layers import operation
from tinykeras.ops.specs import SPECS
from tinykeras.saving.errors import FileFormatError


def positional_embedding(K):
    """keras.io's token + position embedding, written functionally."""
    L, ops = K.layers, K.ops
    x = K.Input((8,), dtype="int32")
    positions = ops.arange(0, ops.shape(x)[-1])
    table = np.linspace(-1, 1, 8 * 6).reshape(8, 6).astype("float32")
    h = L.Embedding(50, 6)(x) + L.Embedding(8, 6, embeddings_initializer=K.initializers.Constant(table))(positions)
    h = h * 0.5 + ops.mean(h, axis=-1, keepdims=True)
    return K.Model(x, L.Dense(2)(ops.reshape(h, (-1, 48))))


def residual_mlp(K):
    L, ops = K.layers, K.ops
    x = K.Input((6,))
    h = ops.relu(L.Dense(6)(x)) + x
    h = ops.concatenate([h, x * 2.0, 1.0 - ops.tanh(h)], axis=-1)
    return K.Model(x, L.Dense(3)(h / 3.0))


def movement(K):
    L, ops = K.layers, K.ops
    x = K.Input((4, 6))
    t = ops.transpose(x, (0, 2, 1))
    h = L.Dense(5)(t)[:, 1:, :]
    h = ops.reshape(h, (-1, 25))
    h = h - ops.mean(h, axis=-1, keepdims=True)
    return K.Model(x, L.Dense(2)(h[..., :20]))


def two_inputs(K):
    L, ops = K.layers, K.ops
    a, b = K.Input((3, 4), name="a"), K.Input((5, 4), name="b")
    scores = ops.softmax(ops.matmul(a, ops.transpose(b, (0, 2, 1))) / 2.0, axis=-1)  # (None, 3, 5)
    mixed = ops.matmul(scores, L.Dense(4)(b))                                       # (None, 3, 4)
    gated = ops.where(ops.greater(mixed, 0.0), mixed, mixed * 0.1)
    pooled = ops.sum(ops.stack([gated, ops.square(a)], axis=1), axis=(1, 2))       # (None, 4)
    out = ops.squeeze(ops.expand_dims(ops.sqrt(ops.maximum(pooled, 0.0) + 1.0), 1), 1)
    return K.Model([a, b], L.Dense(2)(out))


def image_einsum(K):
    """Image ops and einsum between layers (Keras's own class names in the summary)."""
    L, ops = K.layers, K.ops
    x = K.Input((6, 6, 2))
    h = ops.image.resize(L.Dense(3)(x), (4, 4))
    p = ops.image.extract_patches(ops.image.gaussian_blur(h), 2)                       # (None, 2, 2, 12)
    v = ops.image.extract_patches_3d(ops.expand_dims(x, -1), (2, 3, 2))                # (None, 3, 2, 1, 12)
    g = ops.einsum("bhwc,bhwc->bc", p, p) + ops.einsum("bdhwc->bc", v)
    return K.Model(x, L.Dense(2)(g / 10.0))


PROGRAMS = [positional_embedding, residual_mlp, movement, two_inputs, image_einsum]


def _data(model, n=16, seed=0):
    rng = np.random.default_rng(seed)
    xs = []
    for t in model.inputs:
        shape = (n,) + tuple(t.shape[1:])
        xs.append(rng.integers(0, 50, shape).astype("int32") if "int" in str(t.dtype)
                  else rng.normal(size=shape).astype("float32"))
    return xs[0] if len(xs) == 1 else xs


def _fresh_tk(program):
    tk.backend.clear_session(free_memory=False)
    return program(tk)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_program_trains_and_round_trips(program, tmp_path):
    model = _fresh_tk(program)
    x = _data(model)
    y = np.random.default_rng(1).normal(size=(16,) + model.output_shape[1:]).astype("float32")
    model.compile(tk.optimizers.Adam(0.05), "mse")
    losses = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    path = tmp_path / "m.safetensors"
    model.save(path)
    loaded = tk.saving.load_model(path)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    loaded.save(tmp_path / "again.safetensors")
    assert (tmp_path / "again.safetensors").read_bytes() == path.read_bytes()
    ops_in_graph = [op for op in model.operations if isinstance(op, operation.OpCall)]
    assert ops_in_graph and not any(isinstance(layer, operation.OpCall) for layer in model.layers)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.keras
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_program_agrees_with_keras(program):
    keras = _keras()
    keras.backend.clear_session()
    theirs, ours = program(keras), _fresh_tk(program)
    lines = []
    theirs.summary(print_fn=lambda text, **kw: lines.append(text), line_length=110)
    ours.summary(print_fn=lines.append, line_length=110)
    assert lines[1].rstrip("\n") == lines[0].rstrip("\n")
    assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
    assert ours.count_params() == theirs.count_params()
    ours.set_weights(theirs.get_weights())
    x = _data(ours)
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)


def test_summary_rows_for_ops(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    model, lines = _fresh_tk(movement), []
    model.summary(print_fn=lines.append, line_length=150)
    text = lines[0]
    assert "│ transpose (Transpose)" in text and "│ get_item (GetItem)" in text and "│ mean (Mean)" in text
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense"]


def _op_entries(config):
    """The op nodes of a functional config (Keras's Operation entries, or tinykeras's ``op`` form)."""
    return [e for e in config["layers"] if "op" in e or e.get("module", "").startswith("keras.src.ops")]


def test_op_nodes_in_config_are_keras_operation_entries():
    config = _fresh_tk(movement).get_config()
    ops = _op_entries(config)
    assert [(e["module"], e["class_name"], e["registered_name"], e["name"], e["config"]) for e in ops] == [
        ("keras.src.ops.numpy", "Transpose", "Transpose", "transpose", {"name": "transpose", "axes": [0, 2, 1]}),
        ("keras.src.ops.numpy", "GetItem", "GetItem", "get_item", {"name": "get_item"}),
        ("keras.src.ops.numpy", "Reshape", "Reshape", "reshape", {"name": "reshape", "newshape": [-1, 25]}),
        ("keras.src.ops.numpy", "Mean", "Mean", "mean", {"name": "mean", "axis": -1, "keepdims": True}),
        ("keras.src.ops.numpy", "Subtract", "Subtract", "subtract", {"name": "subtract"}),
        ("keras.src.ops.numpy", "GetItem", "GetItem", "get_item_1", {"name": "get_item_1"})]
    key = ops[1]["inbound_nodes"][0]["args"][1]
    assert key[1] == {"class_name": "__slice__", "config": {"start": 1, "stop": None, "step": None}}
    assert json.loads(json.dumps(config)) == config


def test_ops_keras_lacks_keep_tinykeras_form_and_both_forms_load():
    x = tk.Input((3,))
    model = tk.Model(x, tk.ops.mish(x) * 2.0)
    config = model.get_config()
    mish, multiply = _op_entries(config)
    assert {k: mish[k] for k in ("op", "params", "name")} == {"op": "mish", "params": {}, "name": mish["name"]}
    config["layers"][config["layers"].index(multiply)] = _native(multiply)
    v = np.array([[1.0, -2.0, 0.5]], "float32")
    np.testing.assert_allclose(tk.Model.from_config(config).predict(v, verbose=0),
                               model.predict(v, verbose=0), rtol=0, atol=0)


def _native(entry):
    """A Keras Operation entry in tinykeras's own ``{"op", "params"}`` form."""
    params = {k: v for k, v in entry["config"].items() if k != "name"}
    op = tk.global_state.snake_case(entry["class_name"])
    return {"op": op, "name": entry["name"], "params": params, "inbound_nodes": entry["inbound_nodes"]}


def test_constants_in_node_arguments_round_trip():
    x = tk.Input((3,))
    bias = tk.ops.convert_to_tensor(np.array([1.0, 2.0, 3.0], dtype="float32"))
    model = tk.Model(x, x + bias)
    config = model.get_config()
    arg = _op_entries(config)[0]["inbound_nodes"][0]["args"][1]
    assert arg == {"class_name": "__tensor__", "config": {"value": [1.0, 2.0, 3.0], "dtype": "float32"}}
    again = tk.Model.from_config(config)
    np.testing.assert_array_equal(again.predict(np.ones((1, 3)), verbose=0), [[2.0, 3.0, 4.0]])


def test_operators_from_either_side_and_numpy():
    x = tk.Input((2,))
    outs = [2.0 - x, np.float32(3) * x, tk.ops.ones((2,)) + x, np.ones(2, "float32") / (x + 1), -x, abs(x),
            x ** 2, 1.0 / (1.0 + x), x.T, x.reshape(-1, 1, 2), x.astype("float16"), (x > 0) | (x < -1)]
    model = tk.Model(x, outs)
    v = np.array([[1.0, -2.0]], dtype="float32")
    got = model.predict(v, verbose=0)
    want = [2 - v, 3 * v, 1 + v, 1 / (v + 1), -v, abs(v), v ** 2, 1 / (1 + v), v.T, v.reshape(1, 1, 2),
            v.astype("float16"), (v > 0) | (v < -1)]
    for g, w, t in zip(got, want, outs):
        np.testing.assert_allclose(g, w, rtol=1e-6)
        assert g.dtype == np.dtype(t.dtype) and tuple(d for d in t.shape if d is not None) == g.shape[1:] \
            or t.shape[0] is not None


def test_symbolic_errors_are_clear():
    x = tk.Input((4,))
    with pytest.raises(TypeError, match="argument 'x_min' cannot be a symbolic"):
        tk.ops.clip(x, x, 1.0)
    with pytest.raises(ValueError, match="cannot broadcast"):
        tk.ops.add(x, tk.Input((3,)))
    with pytest.raises(TypeError, match="no values"):
        np.asarray(x)
    with pytest.raises(TypeError, match="ops.lstm_step does not accept symbolic"):
        tk.ops.lstm_step(x, x, "tanh", "sigmoid")
    with pytest.raises(TypeError, match="ints, slices"):
        x[[0, 1]]
    assert tk.ops.shape(x) == (None, 4) and tk.ops.convert_to_tensor(x) is x


# -- specs against running the op ----------------------------------------------
def _t(*shape, dtype="float32"):
    return np.random.default_rng(0).normal(size=shape).astype(dtype)


CALLS = [  # (op, args, kwargs): the first tensor argument is made symbolic (batch axis unknown)
    ("negative", [_t(2, 3)], {}), ("exp", [_t(2, 3)], {}), ("isnan", [_t(2, 3)], {}),
    ("gelu", [_t(2, 3)], {"approximate": False}), ("leaky_relu", [_t(2, 3)], {"negative_slope": 0.1}),
    ("softmax", [_t(2, 3)], {"axis": 0}), ("log_softmax", [_t(2, 3)], {}), ("clip", [_t(2, 3), -0.5, 0.5], {}),
    ("cast", [_t(2, 3), "int32"], {}), ("round", [_t(2, 3)], {"decimals": 1}), ("square", [_t(2, 3)], {}),
    ("add", [_t(2, 3), _t(3)], {}), ("less", [_t(2, 3), 0.0], {}), ("divide", [_t(2, 3, dtype="int32"), 2], {}),
    ("power", [_t(2, 1, 3), _t(4, 1)], {}), ("where", [_t(2, 3) > 0, _t(2, 3), 0.0], {}),
    ("sum", [_t(2, 3, 4)], {"axis": (1, 2)}), ("mean", [_t(2, 3)], {"axis": -1, "keepdims": True}),
    ("argmax", [_t(2, 3)], {"axis": 1}), ("any", [_t(2, 3) > 0], {}), ("std", [_t(2, 3, 4)], {"axis": 1}),
    ("logsumexp", [_t(2, 3)], {"axis": 1}), ("count_nonzero", [_t(2, 3)], {"axis": 1}),
    ("moments", [_t(2, 3, 4)], {"axes": (1,)}), ("reshape", [_t(2, 3, 4), (-1, 12)], {}),
    ("transpose", [_t(2, 3, 4)], {}), ("swapaxes", [_t(2, 3, 4), 1, 2], {}),
    ("moveaxis", [_t(2, 3, 4), 0, -1], {}), ("expand_dims", [_t(2, 3), -1], {}),
    ("squeeze", [_t(2, 1, 3)], {"axis": 1}), ("broadcast_to", [_t(1, 3), (2, 3)], {}),
    ("ravel", [_t(2, 3)], {}), ("concatenate", [[_t(2, 3), _t(2, 2)]], {"axis": 1}),
    ("stack", [[_t(2, 3), _t(2, 3)]], {"axis": 1}), ("split", [_t(2, 6), 3], {"axis": 1}),
    ("pad", [_t(2, 3), ((0, 0), (1, 2))], {}), ("repeat", [_t(2, 3), 2], {"axis": 1}),
    ("tile", [_t(2, 3), (1, 2)], {}), ("flip", [_t(2, 3)], {"axis": 1}), ("tril", [_t(2, 3, 3)], {}),
    ("get_item", [_t(2, 3, 4), (slice(None), None, 1, slice(1, None, 2))], {}),
    ("get_item", [_t(2, 3, 4), (Ellipsis, -1)], {}), ("take", [_t(2, 5), np.array([[0, 4]])], {"axis": 1}),
    ("take_along_axis", [_t(2, 5), np.array([[0, 4]])], {"axis": 1}),
    ("one_hot", [np.array([[1, 2]]), 4], {}), ("matmul", [_t(2, 3, 4), _t(4, 5)], {}),
    ("matmul", [_t(2, 4), _t(4)], {}), ("dot", [_t(2, 4), _t(4, 5)], {}),
    ("conv", [_t(2, 7, 7, 3), _t(3, 3, 3, 4)], {"strides": 2, "padding": "same"}),
    ("depthwise_conv", [_t(2, 7, 3), _t(3, 3, 2)], {}),
    ("separable_conv", [_t(2, 6, 6, 3), _t(3, 3, 3, 2), _t(1, 1, 6, 4)], {}),
    ("conv_transpose", [_t(2, 4, 4, 3), _t(3, 3, 2, 3)], {"strides": 2}),
    ("max_pool", [_t(2, 5, 5, 3), 2], {"padding": "same"}),
    ("average_pool", [_t(2, 3, 6, 6), 2], {"data_format": "channels_first"}),
    ("categorical_crossentropy", [_t(2, 3), _t(2, 3)], {"from_logits": True}),
    ("binary_crossentropy", [_t(2, 3), _t(2, 3)], {"from_logits": True}),
    ("sparse_categorical_crossentropy", [np.array([1, 0]), _t(2, 3)], {"from_logits": True}),
    ("zeros_like", [_t(2, 3)], {}), ("full_like", [_t(2, 3), 7.0], {}), ("stop_gradient", [_t(2, 3)], {}),
]


def _symbolic_first(args):
    """Replace the first array (or the arrays of a first list) by KerasTensors."""
    def sym(a):
        return tk.KerasTensor((None,) + a.shape[1:], a.dtype.name)
    first = args[0]
    return [[sym(a) for a in first] if isinstance(first, list) else sym(first)] + list(args[1:])


@pytest.mark.parametrize("op,args,kwargs", CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_spec_matches_running_the_op(op, args, kwargs):
    fn = getattr(tk.ops, op)
    real = fn(*args, **kwargs)
    with operation.tracing():
        sym = fn(*_symbolic_first(args), **kwargs)
    real, sym = (list(real), list(sym)) if isinstance(real, (list, tuple)) else ([real], [sym])
    for r, s in zip(real, sym):
        assert len(s.shape) == len(r.shape) and all(a in (None, b) for a, b in zip(s.shape, r.shape)), \
            (s.shape, r.shape)
        assert None not in s.shape[1:] or op in ("transpose", "moveaxis"), s.shape
        assert s.dtype == r.dtype or s.dtype == "float32" and r.dtype == "float64"


_NOT_OPS = ("apply", "composite", "tensors", "as_shape", "normalize_axis", "is_tensor", "convert_to_numpy",
            "convert_to_tensor", "declare_composite", "index_key", "symbolic", "record")


def _public_ops():
    """(name, function) of every public op: ``tk.ops`` and ``tk.ops.image`` (whose ops live only there)."""
    return [(name, getattr(module, name)) for module in (tk.ops, tk.ops.image) for name in dir(module)
            if not name.startswith("_") and inspect.isfunction(getattr(module, name)) and name not in _NOT_OPS]


def test_every_public_op_takes_symbolic_tensors_or_says_it_does_not():
    x = tk.Input((3,))
    for name, fn in _public_ops():
        if name not in SPECS and name not in ("shape", "jvp"):  # (jvp: a JVP node, test_ops_jvp_elastic.py)
            params = inspect.signature(fn).parameters.values()
            required = [p for p in params if p.default is p.empty and p.kind is not p.VAR_KEYWORD]
            with pytest.raises(TypeError, match=f"ops.{name} does not accept symbolic"):
                fn(*[x] * max(len(required), 1))
    assert tk.ops.shape(x) == (None, 3) and tk.ops.convert_to_tensor(x) is x


def _recorded_name(fn, call):
    """The op name ``call`` (an ast ``record(name, ...)``) gives: a literal,
    or the ``name`` a factory-made op's function closes over."""
    arg = call.args[0]
    if isinstance(arg, ast.Constant):
        return arg.value
    free = fn.__code__.co_freevars
    return fn.__closure__[free.index(arg.id)].cell_contents if arg.id in free else None


def test_every_public_op_begins_with_the_symbolic_check():
    """The one public function of each op starts ``if symbolic(locals()):
    return record(<its public name>, locals())``: no wrapper on the way to
    ``apply``, and the node takes the name the op is called by (and spec'd under)."""
    ops, wrong = _public_ops(), []
    assert len(ops) > 300
    for name, fn in ops:  # (Keras exports silu also as swish: one function, nodes named silu)
        alias_of = fn.__name__ if dict(ops).get(fn.__name__) is fn else name
        body = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0].body
        first = body[1] if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else body[0]
        ok = (not hasattr(fn, "__wrapped__") and isinstance(first, ast.If)
              and "symbolic(locals())" in ast.unparse(first.test) and isinstance(first.body[0], ast.Return))
        call = first.body[0].value if ok else None
        if not (ok and isinstance(call, ast.Call) and ast.unparse(call.func) == "record"
                and ast.unparse(call.args[1]) == "locals()" and _recorded_name(fn, call) in (name, alias_of)):
            wrong.append(name)
    assert wrong == [], ("these ops do not begin with `if symbolic(locals()): return record(<their name>, "
                         f"locals())`: {wrong}")


def test_symbolic_check_sees_aliases_var_args_and_kwargs():
    """An op's other Keras name records a node of that name; a symbolic tensor
    inside ``*args`` (even in a list) or ``**kwargs`` is seen."""
    x, i = tk.Input((3,)), tk.Input((3,), dtype="int32")
    model = tk.Model([x, i], [tk.ops.conjugate(x), tk.ops.bitwise_not(i), tk.ops.left_shift(i, 1)])
    assert [e["name"] for e in _op_entries(model.get_config())] == ["conjugate", "bitwise_not", "left_shift"]
    v, n = np.array([[1.0, -2.0, 0.5]], "float32"), np.array([[1, 2, 3]], "int32")
    got = model.predict([v, n], verbose=0)
    np.testing.assert_array_equal(got[0], v) and np.testing.assert_array_equal(got[1], ~n)
    np.testing.assert_array_equal(got[2], n << 1)
    for call, message in [(lambda: tk.ops.switch(0, [lambda a: a], [x]), "ops.switch does not accept symbolic"),
                          (lambda: tk.ops.meshgrid([x, x]), "ops.meshgrid does not accept symbolic"),
                          (lambda: tk.ops.rearrange(np.ones((2, 3)), "a b -> b a", a=x),
                           "ops.rearrange: argument 'axes_lengths' cannot be a symbolic")]:
        with pytest.raises(TypeError, match=message):
            call()


# -- hostile files -------------------------------------------------------------
def _op_config():
    return _fresh_tk(residual_mlp).get_config()


_HOSTILE_KERAS_FORM = [
    (lambda e: e.update(class_name="Apply", registered_name="Apply"), "Keras Operation 'Apply'.*has no tinykeras op"),
    (lambda e: e["config"].update(code="print(1)"), r"has no argument 'code'"),
    (lambda e: e.update(extra=1), "a Keras Operation entry has keys"),
    (lambda e: e.update(name="../x"), "layer name"),
    (lambda e: e["inbound_nodes"][0]["args"].append(1), "does not fit ops.relu"),
]
_HOSTILE_TINYKERAS_FORM = [
    (lambda e: e.update(op="apply"), "unknown op 'apply'"),
    (lambda e: e.update(op="__import__"), "unknown op"),
    (lambda e: e.update(params={"code": "print(1)"}), "has no parameter"),
    (lambda e: e.update(extra=1), "an op entry is"),
    (lambda e: e.update(name="../x"), "layer name"),
]


@pytest.mark.parametrize("native,edit,message", [(False,) + c for c in _HOSTILE_KERAS_FORM] +
                         [(True,) + c for c in _HOSTILE_TINYKERAS_FORM])
def test_hostile_op_entries_are_refused(native, edit, message):
    config = _op_entries_config(native)
    edit(_op_entries(config)[0])
    with pytest.raises(FileFormatError, match=message):
        tk.Model.from_config(config)


def _op_entries_config(native):
    config = _fresh_tk(residual_mlp).get_config()
    if native:
        config["layers"] = [_native(e) if e in _op_entries(config) else e for e in config["layers"]]
    return config


def test_hostile_slice_and_constant_are_refused():
    config = _fresh_tk(movement).get_config()
    entry = [e for e in config["layers"] if e.get("class_name") == "GetItem"][0]
    entry["inbound_nodes"][0]["args"][1][1]["config"]["start"] = "os.system"
    with pytest.raises(FileFormatError, match="integer or null"):
        tk.Model.from_config(config)
    x = tk.Input((3,))
    config = tk.Model(x, x + tk.ops.ones((3,))).get_config()
    const = _op_entries(config)[0]["inbound_nodes"][0]["args"][1]
    const["config"]["dtype"] = "object"
    with pytest.raises(FileFormatError, match="dtype"):
        tk.Model.from_config(config)


def test_loading_infers_shapes_without_running_ops(monkeypatch):
    config = _fresh_tk(two_inputs).get_config()
    from tinykeras.core import registry
    calls = []
    for name in ("matmul", "add", "multiply", "transpose", "sum"):
        kernel = registry.ACTIVE[name]
        monkeypatch.setitem(registry.ACTIVE, name, lambda *a, _k=kernel, _n=name, **p: calls.append(_n) or _k(*a, **p))
    model = tk.Model.from_config(config)
    assert calls == [] and model.output_shape == (None, 2)
