"""Concrete inputs for every op, drawn from its ``OpDef.sample`` spec.

An op's ``sample`` says what kind of inputs it takes; :func:`sample_cases`
turns that into a short list of ``(inputs, params)`` cases, ``inputs`` a
list of NumPy arrays (float32 unless the kind needs ints or bools) and
``params`` the op's keyword parameters.  Each kind covers broadcasting,
size-1 and size-0 dimensions and 0-d arrays where the op allows them.

The kinds (a string, or a ``(kind, modifier)`` tuple):

* ``"unary"``, ``"binary"`` with modifiers ``"positive"``, ``"nonzero"``,
  ``"distinct"`` (no ties, away from kinks), ``"offgrid"`` (away from the
  jumps of floor/round/mod), ``"compare"`` (small integers, so ties happen),
  ``"bool"``, ``"ints"`` (int32 in [1, 16)), and domains: ``"unit"`` (in (-0.9, 0.9)), ``"halfpi"`` (in
  (-1.2, 1.2)), ``"above1"`` (in (1.2, 3));
* ``"reduce"`` (``axis``/``keepdims``; modifiers as above), ``"argreduce"``;
* movement: ``"reshape"``, ``"transpose"``, ``"broadcast_to"``, ``"pad"``,
  ``"concatenate"``, ``"getitem"``, ``"index_add"``, ``"cast"``;
* ``"matmul"``, ``"where"``, ``"softmax"`` (``axis``), ``"sparse_xent"``
  (logits and int32 labels), ``"creation"`` (asarray, to_numpy, full),
  ``"complex"`` (complex64 inputs for one-input ops, two float32 parts of
  one shape for two-input ones);
* or a callable ``sample(rng) -> [(inputs, params), ...]`` for anything else.

>>> import numpy as np
>>> from tinykeras.core import registry
>>> cases = sample_cases(registry.OPS["add"], np.random.default_rng(0))
>>> [tuple(x.shape for x in inputs) for inputs, _ in cases][:3]
[((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3))]
"""
import numpy as np

_DOMAINS = {"unit": (-0.9, 0.9), "halfpi": (-1.2, 1.2), "above1": (1.2, 3.0)}
_UNARY_SHAPES = [(), (1,), (3,), (2, 3), (0, 3), (1, 4)]
_BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,)),
                  ((3,), ()), ((0, 3), (3,)), ((1,), (4, 1)), ((2, 1, 3), (4, 1))]


def sample_cases(opdef, rng):
    """Concrete ``(inputs, params)`` cases for ``opdef`` (see module docstring).

    ``rng`` is a ``numpy.random.Generator``.  Raises ValueError for an op
    without a sample spec or with an unknown kind.

    >>> from tinykeras.core import registry
    >>> cases = sample_cases(registry.OPS["sum"], np.random.default_rng(0))
    >>> cases[0][1]
    {'axis': None, 'keepdims': False}
    """
    spec = opdef.sample
    if spec is None:
        raise ValueError(f"op {opdef.name!r} has no sample spec (OpDef.sample)")
    if callable(spec):
        cases = list(spec(rng))
    else:
        kind, mod = (spec, None) if isinstance(spec, str) else tuple(spec)
        maker = _KINDS.get(kind)
        if maker is None:
            raise ValueError(f"op {opdef.name!r}: unknown sample kind {kind!r}; known kinds: "
                             f"{', '.join(sorted(_KINDS))} (or give a callable)")
        cases = maker(opdef, rng, mod)
    return [([np.asarray(x) for x in inputs], dict(params)) for inputs, params in cases]


def values(rng, shape, mod=None, dtype=np.float32):
    """Random values of ``shape`` suited to a modifier (see module docstring).

    >>> bool(values(np.random.default_rng(0), (3,), "positive").min() >= 0.5)
    True
    """
    n = int(np.prod(shape, dtype=np.int64))
    if mod == "bool":
        return rng.random(shape) < 0.5
    if mod == "ints":
        return rng.integers(1, 16, size=shape).astype(np.int32)
    if mod == "compare":
        return rng.integers(-1, 2, size=shape).astype(dtype)
    if mod in _DOMAINS:
        x = rng.uniform(*_DOMAINS[mod], size=shape)
    elif mod == "positive":
        x = rng.uniform(0.5, 2.0, size=shape)
    elif mod == "nonzero":
        x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    elif mod == "distinct":  # no ties within the array, neighbours 0.3 apart
        x = (rng.permutation(n) * 0.3 - 0.15 * n + 0.05).reshape(shape)
    elif mod == "offgrid":  # fractional part in [0.2, 0.4]: far from jumps and halves
        x = rng.integers(-3, 3, size=shape) + rng.uniform(0.2, 0.4, size=shape)
    else:  # away from 0, where relu/abs/sign have kinks
        x = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return np.asarray(x, dtype=dtype)


def _unary(op, rng, mod):
    return [([values(rng, s, mod)], {}) for s in _UNARY_SHAPES]


def _binary(op, rng, mod):
    return [(binary_pair(rng, sa, sb, mod), {}) for sa, sb in _BINARY_SHAPES]


def binary_pair(rng, sa, sb, mod=None):
    """Two arrays of shapes ``sa`` and ``sb`` for a binary op with modifier ``mod``.

    >>> a, b = binary_pair(np.random.default_rng(0), (2, 1), (3,), "distinct")
    >>> bool(np.abs(a - b).min() >= 0.25)
    True
    """
    if mod == "distinct":  # a on the grid k/2 + 1/4, b on k/2: never closer than 0.25
        return [(rng.integers(-4, 4, size=sa) * 0.5 + 0.25).astype(np.float32),
                (rng.integers(-4, 4, size=sb) * 0.5).astype(np.float32)]
    if mod == "offgrid":  # a / b has a fractional part in [0.2, 0.4]
        b, q = values(rng, sb, "nonzero"), values(rng, sa, "offgrid").astype(np.float64)
        if np.broadcast_shapes(sa, sb) != tuple(sa) or not b.size:  # one divisor for every a
            c = b.flat[0] if b.size else 1.0
            return [(q * c).astype(np.float32), np.full(sb, c, dtype=np.float32)]
        return [(q * b).astype(np.float32), b]
    if mod == "positive":  # a ** b with a > 0 and a moderate exponent
        return [values(rng, sa, "positive"), values(rng, sb)]
    if mod == "nonzero":  # a / b
        return [values(rng, sa), values(rng, sb, "nonzero")]
    return [values(rng, sa, mod), values(rng, sb, mod)]


def _where(op, rng, mod):
    shapes = [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((1, 3), (2, 1), (2, 3)),
              ((), (2,), (2,)), ((0, 2), (2,), (0, 2))]
    return [([values(rng, c, "bool"), values(rng, x), values(rng, y)], {}) for c, x, y in shapes]


def _reduce(op, rng, mod):
    cases = []
    for shape, axes in [((2, 3), [None, (0,), (1,), (0, 1)]), ((4,), [None, (0,)]),
                        ((), [None]), ((2, 1, 3), [(1,), (0, 2)]), ((0, 3), [(1,)])]:
        for axis in axes:
            for keepdims in (False, True):
                cases.append(([values(rng, shape, mod)], {"axis": axis, "keepdims": keepdims}))
    return cases


def _argreduce(op, rng, mod):
    cases = []
    for shape, axes in [((2, 3), [None, 0, 1]), ((5,), [None, 0]), ((1, 4), [0, 1])]:
        for axis in axes:
            for keepdims in (False, True):
                cases.append(([values(rng, shape, mod or "distinct")], {"axis": axis, "keepdims": keepdims}))
    return cases


def _reshape(op, rng, mod):
    pairs = [((2, 3), (3, 2)), ((6,), (1, 2, 3)), ((), (1,)), ((1,), ()), ((0, 3), (3, 0)), ((2, 2), (4,))]
    return [([values(rng, a)], {"shape": b}) for a, b in pairs]


def _transpose(op, rng, mod):
    pairs = [((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)), ((), ()), ((0, 2), (1, 0)), ((1, 3, 1), (0, 2, 1))]
    return [([values(rng, a)], {"axes": axes}) for a, axes in pairs]


def _broadcast_to(op, rng, mod):
    pairs = [((3,), (2, 3)), ((1, 3), (4, 3)), ((), (2, 2)), ((2, 1), (2, 0)), ((2, 1, 1), (2, 3, 2))]
    return [([values(rng, a)], {"shape": b}) for a, b in pairs]


def _pad(op, rng, mod):
    cases = [((2, 3), ((1, 2), (0, 1)), 0.0), ((4,), ((2, 0),), 1.5), ((0, 2), ((1, 1), (1, 0)), 0.0),
             ((1, 1), ((0, 0), (3, 1)), -2.0)]
    return [([values(rng, s)], {"pad_width": pw, "value": v}) for s, pw, v in cases]


def _concatenate(op, rng, mod):
    groups = [([(2, 3), (1, 3), (0, 3)], 0), ([(2, 1), (2, 2)], 1), ([(3,)], 0), ([(2,), (2,), (2,)], 0),
              ([(2, 0, 2), (2, 3, 2)], 1)]
    return [([values(rng, s) for s in shapes], {"axis": axis}) for shapes, axis in groups]


def _getitem_keys():
    """(shape, key) pairs in normalized form (see ``tinykeras.core.tensor._index_key``)."""
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    mask = np.array([[True, False, True], [False, False, True], [True, True, False], [False] * 3])
    return [((4, 3), (1,)), ((4, 3), (-1,)), ((4, 3), (slice(1, 3),)),
            ((4, 3), (slice(None, None, -1), 0)), ((4, 3), (None, Ellipsis, 2)),
            ((4, 3), (i64(0, 2, 0, 3),)),                 # duplicate rows accumulate
            ((4, 3), (i64(0, 1, 1), i64(2, 2, 2))),      # duplicate elements
            ((4, 3), tuple(i64(*ix) for ix in np.nonzero(mask))),  # a boolean mask
            ((4, 3), (slice(0, 0),)), ((4, 3), (slice(None), i64(2, 0))),
            ((5,), (slice(None, None, 2),)), ((), ()), ((2, 3, 2), (Ellipsis, 1))]


def _getitem(op, rng, mod):
    return [([values(rng, shape)], {"key": key}) for shape, key in _getitem_keys()]


def _index_add(op, rng, mod):
    cases = []
    for shape, key in _getitem_keys():
        out_shape = np.zeros(shape)[key].shape
        cases.append(([values(rng, out_shape)], {"key": key, "shape": shape}))
    return cases


def _cast(op, rng, mod):
    return [([values(rng, (2, 3))], {"dtype": "float64"}),
            ([values(rng, (2, 3), dtype=np.float64)], {"dtype": "float32"}),
            ([values(rng, (3,), "offgrid")], {"dtype": "int32"}),
            ([rng.integers(-3, 3, size=(2, 2)).astype(np.int32)], {"dtype": "float32"}),
            ([values(rng, (0, 2))], {"dtype": "float64"}),
            ([values(rng, (3,), "bool")], {"dtype": "float32"})]


def _matmul(op, rng, mod):
    pairs = [((2, 3), (3, 4)), ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3, 4)),
             ((1, 2, 3), (4, 3, 2)), ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((1, 1), (1, 1))]
    return [([values(rng, a), values(rng, b)], {}) for a, b in pairs]


def _softmax(op, rng, mod):
    cases = [((3,), 0), ((2, 3), 0), ((2, 3), 1), ((2, 1, 3), 1), ((0, 3), 1), ((2, 4), 1)]
    return [([values(rng, s)], {"axis": axis}) for s, axis in cases]


def _sparse_xent(op, rng, mod):
    cases = []
    for batch, classes in [((4,), 3), ((2, 3), 5), ((1,), 1), ((0,), 4)]:
        logits = values(rng, batch + (classes,))
        labels = rng.integers(0, classes, size=batch).astype(np.int32)
        cases.append(([logits, labels], {}))
    return cases


def _creation(op, rng, mod):
    if op.n_inputs == 0:
        return [([], {"shape": (2, 3), "value": 1.5, "dtype": "float32"}),
                ([], {"shape": (0, 2), "value": 0, "dtype": "int32"}),
                ([], {"shape": (), "value": True, "dtype": "bool"})]
    return [([values(rng, (2, 3))], {}), ([np.arange(4, dtype=np.int32)], {}),
            ([values(rng, (0,))], {}), ([values(rng, (), "bool")], {})]


def _complex(op, rng, mod):
    if op.n_inputs == 2:
        return [([values(rng, s), values(rng, s)], {}) for s in _UNARY_SHAPES]
    return [([(values(rng, s) + 1j * values(rng, s)).astype(np.complex64)], {}) for s in _UNARY_SHAPES]


_KINDS = {"unary": _unary, "binary": _binary, "where": _where, "reduce": _reduce,
          "argreduce": _argreduce, "reshape": _reshape, "transpose": _transpose,
          "broadcast_to": _broadcast_to, "pad": _pad, "concatenate": _concatenate,
          "getitem": _getitem, "index_add": _index_add, "cast": _cast, "matmul": _matmul,
          "softmax": _softmax, "sparse_xent": _sparse_xent, "creation": _creation,
          "complex": _complex}
