"""The path from a Keras call to its kernel is short, and
``docs/architecture.md`` lists it truly.

Each test runs a real call with one kernel of ``registry.ACTIVE`` wrapped
by a spy that records the Python stack, and compares the frames (file
under ``tinykeras/``, function name) with the hop lists of the document.
"""
import ast
import inspect
import os
import re
import textwrap
import traceback

import numpy as np
import pytest

import tinykeras as keras
from tinykeras.core import registry

ROOT = os.path.dirname(keras.__file__)
DOC = os.path.join(ROOT, "..", "docs", "architecture.md")


def _stack(op, call):
    """The tinykeras frames (file, function) at the first call of ``op``'s kernel."""
    kernel, seen = registry.ACTIVE[op], []

    def spy(*args, **kwargs):
        if not seen:
            seen.append(traceback.extract_stack()[:-1])
        return kernel(*args, **kwargs)
    registry.ACTIVE[op] = spy
    try:
        call()
    finally:
        registry.ACTIVE[op] = kernel
    assert seen, f"the call never reached the {op!r} kernel"
    return _ours(seen[0])


def _ours(stack):
    """The tinykeras frames of a recorded ``stack``, as (file, function)."""
    return [(os.path.relpath(f.filename, ROOT).replace(os.sep, "/"), f.name)
            for f in stack if os.path.abspath(f.filename).startswith(ROOT + os.sep)]


def _documented(name):
    """The hop list ``<!-- path: name -->`` of docs/architecture.md, as (file, function)."""
    text = open(DOC, encoding="utf-8").read()
    block = text.split(f"<!-- path: {name} -->", 1)[1].split("<!--", 1)[0]
    return re.findall(r"^\d+\. `([^`]+)` `([^`]+)`", block, flags=re.M)


def _from(frames, first):
    starts = [i for i, frame in enumerate(frames) if frame == first]
    assert starts, f"{first} is not on the stack {frames}"
    return frames[starts[-1]:]


def _model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_fit_reaches_the_matmul_kernel_in_8_hops_as_documented():
    model, x, y = _model(), np.ones((4, 4), "float32"), np.array([0, 1, 1, 0])
    frames = _from(_stack("matmul", lambda: model.fit(x, y, epochs=1, verbose=0)),
                   ("models/trainer.py", "fit"))
    assert frames == _documented("fit")
    assert len(frames) <= 8  # hops: each frame calls the next, the last calls the kernel


def test_backward_reaches_the_matmul_gradient_kernel_in_5_hops_as_documented():
    w = keras.Variable(np.ones((3, 2), "float32"))
    loss = (keras.Tensor(np.ones((4, 3), "float32")) @ w).sum()
    frames = _from(_stack("matmul", loss.backward), ("core/tensor.py", "backward"))
    assert frames == _documented("backward")
    assert frames[2] == ("core/primitives.py", registry.OPS["matmul"].rule.__name__)
    assert len(frames) <= 6


def test_relu_reaches_its_kernel_through_one_ops_function():
    frames = _from(_stack("relu", lambda: keras.activations.relu(keras.Tensor([-1.0, 2.0]))),
                   ("activations.py", "relu"))
    assert frames == _documented("relu")


def test_the_loss_reaches_its_fused_kernel_through_one_ops_function():
    y, logits = np.array([1, 0]), keras.Tensor([[0.5, 1.0, 0.0], [1.0, 0.0, 2.0]], requires_grad=True)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    frames = _from(_stack("sparse_softmax_crossentropy", lambda: loss(y, logits)),
                   ("losses/loss.py", "__call__"))
    assert frames == _documented("loss")


def _loss_functions():
    """{name: function} of every built-in loss function (those declaring their labels)."""
    from tinykeras.losses import functions, overlap
    return {name: fn for module in (functions, overlap) for name, fn in vars(module).items()
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and hasattr(fn, "label_kind")}


LOSSES = _loss_functions()
_EXTRA = {"categorical_generalized_cross_entropy": {"q": 0.5}}


def _kernel_stacks(call):
    """The tinykeras frames (file, function) of every kernel call ``call`` makes."""
    stacks, saved = [], dict(registry.ACTIVE)
    for op in [op for op in registry.ACTIVE if op not in ("asarray", "to_numpy", "full")]:
        kernel = registry.ACTIVE[op]

        def spy(*args, _kernel=kernel, **kwargs):
            stacks.append(traceback.extract_stack()[:-1])
            return _kernel(*args, **kwargs)
        registry.ACTIVE[op] = spy
    try:
        call()
    finally:
        registry.ACTIVE.update(saved)
    assert stacks
    return [_ours(stack) for stack in stacks]


def _labels(name):
    kind = LOSSES[name].label_kind
    y_true = {"sparse": np.array([[1], [0]]), "ids": np.array([0, 1])}.get(
        kind, np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "float32"))
    y_pred = keras.Tensor(np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]], "float32"))
    return y_true, y_pred


def _declared_functions():
    """Every loss and metric function that declares its labels (``@expects``)."""
    import pkgutil
    import importlib
    found = {}
    for package in ("tinykeras.losses", "tinykeras.metrics"):
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__, package + "."):
            module = importlib.import_module(info.name)
            found.update({f"{info.name}.{n}": fn for n, fn in vars(module).items() if inspect.isfunction(fn)
                          and fn.__module__ == module.__name__ and hasattr(fn, "label_kind")})
    return found


def test_every_loss_function_checks_its_labels_in_its_first_line():
    """``@expects`` adds no wrapper: the function's first statement is the check."""
    declared = _declared_functions()
    assert set(LOSSES.values()) <= set(declared.values()) and len(declared) > len(LOSSES)
    for name, fn in ((fn.__name__, fn) for fn in declared.values()):
        body = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0].body
        first = body[1] if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else body[0]
        assert ast.unparse(first).startswith(f"check({name}, y_true, y_pred"), name
    with pytest.raises(ValueError, match="mean_squared_error: labels of shape"):
        LOSSES["mean_squared_error"]([1.0, 2.0], [[1.0, 2.0]])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_reaches_its_kernels_straight(name):
    """Through its Loss object, each loss goes ``Loss.call`` -> its one function
    in ``losses/functions.py`` -> public ``tk.ops`` functions (or Tensor
    methods) -> ``apply``/``_binary``: no wrapper frame (a label check, a
    symbolic check) on the way, the loss calls public op functions, and
    what calls ``apply`` is a public op, a composite or a Tensor method."""
    composites = {getattr(op.composite, "__name__", None) for op in registry.OPS.values()}
    public = {n for n in dir(keras.ops) if not n.startswith("_")}
    fn = LOSSES[name]
    loss = keras.losses.LossFunctionWrapper(fn, **_EXTRA.get(name, {}))
    stacks = [f for f in _kernel_stacks(lambda: loss(*_labels(name))) if ("losses/loss.py", "call") in f]
    assert stacks, f"{name} ran no kernel"  # (the stacks left out: the reduction after it)
    for frames in stacks:
        path = _from(frames, ("losses/loss.py", "call"))
        assert path[1] == (f"losses/{fn.__module__.rsplit('.', 1)[1]}.py", name), path
        wrappers = [f for f in path if f[0] in ("losses/labels.py", "ops/common.py")
                    and f[1] not in ("convert_to_tensor", "tensors")]
        assert wrappers == [], f"{name}: a wrapper on the way to the kernel: {path}"
        called = [g for f, g in zip(path, path[1:]) if f[0].startswith("losses/") and g[0].startswith("ops/")]
        assert all(g[1] in public for g in called), f"{name}: a loss calls a private op function: {path}"
        caller = path[-2]
        assert not caller[0].startswith("ops/") or caller[1] in public or caller[1] in composites, path
        assert path[-1] in (("core/tensor.py", "apply"), ("core/tensor.py", "_binary")), path


@pytest.mark.parametrize("name", sorted(n for n in LOSSES if LOSSES[n].__module__.endswith(".functions")))
def test_every_loss_reaches_kernels_without_a_renamed_op(name):
    """Every call of ``apply``/``_binary`` under the loss function comes from
    a public op function, a Tensor method or an op's declared composite: no
    private function of ``tinykeras/ops`` stands in for an op."""
    from tinykeras.losses import functions
    composites = {op.composite.__name__ for op in registry.OPS.values()
                  if op.composite is not None and hasattr(op.composite, "__name__")}
    sparse = "sparse" in name
    y_true = np.array([[1], [0]]) if sparse else np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "float32")
    y_pred = keras.Tensor(np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]], "float32"))
    for frames in _kernel_stacks(lambda: getattr(functions, name)(y_true, y_pred)):
        start = max(i for i, f in enumerate(frames) if f == ("losses/functions.py", name))
        path = frames[start:]
        callers = [f for f, g in zip(path, path[1:]) if g in (("core/tensor.py", "apply"),
                                                              ("core/tensor.py", "_binary"))]
        renamed = [f for f in callers if f[0].startswith("ops/") and f[1].startswith("_")
                   and f[1] not in composites]
        assert renamed == [], f"{name}: an op renamed on the way: {path}"
