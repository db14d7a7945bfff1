"""Check a backend's kernels against the NumPy reference kernels.

A plugin author's test-suite needs one line::

    from tinykeras.testing import check_backend_conformance

    def test_my_backend_agrees_with_numpy():
        check_backend_conformance("mybackend")

Every kernel the backend registers runs on the cases that its op's
``sample`` spec gives (see :mod:`tinykeras.testing.samples`), plus, when
Hypothesis is installed, on randomly drawn shapes for the elementwise and
reduction ops.  The first disagreement raises AssertionError naming the op,
the input shapes and dtypes, the parameters and what differs.

>>> check_backend_conformance("numpy", ops=["add", "softmax"]) > 0
True
"""
import contextlib
import warnings

import numpy as np

from ..core import registry
from .samples import binary_pair, sample_cases, values

_HYPOTHESIS_KINDS = ("unary", "binary", "where", "reduce")


def check_backend_conformance(backend, ops=None, rtol=1e-5, atol=1e-6, seed=0, max_examples=20):
    """Run every kernel of ``backend`` (or only those named in ``ops``) on
    sampled inputs and compare with ``KERNELS["numpy"]``.

    Shapes and dtypes must match exactly, bool and int values exactly, float
    values within ``rtol``/``atol`` (NaN equal to NaN).  ``max_examples``
    Hypothesis-drawn shape sets are added per elementwise or reduction op
    (0, or Hypothesis not installed: only the fixed cases).  A case on which
    the NumPy kernel itself raises is not a valid case and is skipped.
    Returns the number of cases checked.

    >>> check_backend_conformance("numpy", ops=["sum"], max_examples=0) > 10
    True
    """
    if backend not in registry.KERNELS:
        raise ValueError(f"unknown backend {backend!r}; registered: {', '.join(sorted(registry.KERNELS))}")
    table = registry.KERNELS[backend]
    names = sorted(table) if ops is None else list(ops)
    missing = [op for op in names if op not in table]
    if missing:
        raise ValueError(f"backend {backend!r} has no kernel for {', '.join(missing)}")
    rng, checked = np.random.default_rng(seed), 0
    for op in names:
        opdef = registry.OPS[op]
        for inputs, params in sample_cases(opdef, rng):
            checked += check_case(backend, op, inputs, params, rtol, atol)
        if max_examples:
            checked += _hypothesis_cases(backend, opdef, rtol, atol, max_examples)
    return checked


def check_case(backend, op, inputs, params, rtol=1e-5, atol=1e-6):
    """Compare ``backend``'s kernel for ``op`` with NumPy's on one case.

    Returns 1 if the case was checked, 0 if the NumPy reference rejects it.

    >>> check_case("numpy", "add", [np.ones(2), np.ones(())], {})
    1
    """
    try:  # fresh copies for each side: some kernels update their inputs in place
        expected = np.asarray(_reference(op, [x.copy() for x in inputs], params))
    except Exception:
        return 0  # not a valid case for this op
    where = _describe(backend, op, inputs, params)
    try:
        got = _run(backend, op, [x.copy() for x in inputs], params)
    except Exception as exc:
        raise AssertionError(f"{where}: the kernel raised {type(exc).__name__}: {exc}") from exc
    if got.shape != expected.shape:
        raise AssertionError(f"{where}: output shape {got.shape}, NumPy gives {expected.shape}")
    if got.dtype != expected.dtype:
        raise AssertionError(f"{where}: output dtype {got.dtype}, NumPy gives {expected.dtype}")
    if expected.dtype.kind in "fc":
        close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = got == expected
    if not np.all(close):
        idx = np.unravel_index(int(np.argmin(close.reshape(-1))), close.shape)
        raise AssertionError(f"{where}: {int((~close).sum())} of {close.size} values differ; at index "
                             f"{tuple(int(i) for i in idx)} the kernel gives {got[idx]!r}, NumPy {expected[idx]!r}")
    return 1


def _reference(op, inputs, params):
    kernel = registry.KERNELS["numpy"].get(op)
    if kernel is not None:
        return kernel(*inputs, **params)
    opdef = registry.OPS[op]  # an op only the tested backend implements: use its composite
    if opdef.composite is None or registry.current_backend() != "numpy":
        raise NotImplementedError(f"no NumPy reference for op {op!r}")
    from ..core.tensor import Tensor
    return opdef.composite(*[Tensor(x) for x in inputs], **params).numpy()


def _run(backend, op, inputs, params):
    table = registry.KERNELS[backend]
    to_device, to_numpy, kernel = table["asarray"], table["to_numpy"], table[op]
    if op == "asarray":
        return np.asarray(to_numpy(kernel(inputs[0])))
    if op == "to_numpy":
        return np.asarray(kernel(to_device(inputs[0])))
    return np.asarray(to_numpy(kernel(*[to_device(x) for x in inputs], **params)))


def _describe(backend, op, inputs, params):
    shapes = ", ".join(f"{x.shape} {x.dtype}" for x in inputs) or "none"
    return (f"backend {backend!r} disagrees with 'numpy' on op {op!r} (inputs: {shapes}; "
            f"params: {params!r})")


def _hypothesis_cases(backend, opdef, rtol, atol, max_examples):
    """Hypothesis-drawn shapes for elementwise ops and reductions."""
    spec = opdef.sample
    if callable(spec) or spec is None:
        return 0
    kind, mod = (spec, None) if isinstance(spec, str) else tuple(spec)
    if kind not in _HYPOTHESIS_KINDS:
        return 0
    try:
        from hypothesis import HealthCheck, given, settings, strategies as st
        from hypothesis.extra import numpy as hnp
    except ImportError:
        return 0
    n = {"unary": 1, "reduce": 1, "binary": 2, "where": 3}[kind]
    shapes = hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=3, min_side=0, max_side=4)
    count = [0]

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(shapes=shapes, seed=st.integers(0, 2**32 - 1), data=st.data())
    def run(shapes, seed, data):
        rng, params = np.random.default_rng(seed), {}
        shapes = shapes.input_shapes
        if kind == "binary":
            inputs = binary_pair(rng, shapes[0], shapes[1], mod)
        elif kind == "where":
            inputs = [values(rng, shapes[0], "bool"), values(rng, shapes[1]), values(rng, shapes[2])]
        else:
            inputs = [values(rng, shapes[0], mod)]
        if kind == "reduce":
            ndim = len(shapes[0])
            axes = data.draw(st.none() | st.sets(st.integers(0, max(ndim - 1, 0)), max_size=ndim)
                             .map(lambda s: tuple(sorted(s))), label="axis")
            params = {"axis": axes, "keepdims": data.draw(st.booleans(), label="keepdims")}
        count[0] += check_case(backend, opdef.name, inputs, params, rtol, atol)

    run()
    return count[0]


@contextlib.contextmanager
def isolated_registry():
    """Undo every plugin registration, unregistration, failure record and
    backend switch made inside the block (the tables are rebuilt on exit).

    >>> from tinykeras.core import registry
    >>> with isolated_registry():
    ...     registry.unregister(name="numpy")
    ...     "add" in registry.ACTIVE
    False
    >>> "add" in registry.ACTIVE
    True
    """
    pm = registry.pm
    before = dict(pm.list_name_plugin())
    failed, dists, backend = dict(registry.FAILED), dict(pm.dists), registry.current_backend()
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, plugin in list(pm.list_name_plugin()):
                if before.get(name) is not plugin:
                    pm.unregister(plugin, name=name)
            for name, plugin in before.items():
                if pm.get_plugin(name) is None:
                    pm.register(plugin, name=name)
            registry.FAILED.clear()
            registry.FAILED.update(failed)
            pm.dists.clear()
            pm.dists.update(dists)
            registry.rebuild()
            if backend in registry.KERNELS:
                registry.set_backend(backend)
