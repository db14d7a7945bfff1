"""Nested structures: Keras 3's ``keras.tree``.

A *structure* is a leaf or a list, tuple, namedtuple, deque or dict of
structures.  ``fit`` takes ``x`` as an array, a list of arrays or a dict of
arrays; a model can return several outputs; these helpers walk all of
them the same way.  As in Keras, dicts are walked in sorted key order
(an ``OrderedDict`` in its own order), and ``None`` is a leaf.

>>> import tinykeras as tk
>>> tk.tree.flatten({"b": [1, 2], "a": 3})
[3, 1, 2]
>>> tk.tree.map_structure(lambda v: v * 10, {"b": [1, 2], "a": 3})
{'b': [10, 20], 'a': 30}
"""
import collections

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]


class MAP_TO_NONE:
    """Special value for use with :func:`traverse`: replace a sub-tree by ``None``."""


_NODES = (list, tuple, dict, collections.deque)


def is_nested(structure):
    """True for a list, tuple, namedtuple, deque or dict.

    >>> is_nested(42), is_nested({"foo": 42})
    (False, True)
    """
    return isinstance(structure, _NODES)


def _keys(node):
    """The children's keys, in walking order."""
    if isinstance(node, dict):
        if isinstance(node, collections.OrderedDict):
            return list(node)
        return sorted(node)
    return range(len(node))


def _children(node):
    if isinstance(node, collections.deque):
        node = list(node)
    return [node[k] for k in _keys(node)]


def _rebuild(node, values):
    """A node like ``node`` whose children (in walking order) are ``values``."""
    if isinstance(node, dict):
        by_key = dict(zip(_keys(node), values))
        if isinstance(node, collections.defaultdict):
            return collections.defaultdict(node.default_factory, {k: by_key[k] for k in node})
        return type(node)((k, by_key[k]) for k in node)  # the original key order
    if isinstance(node, tuple) and hasattr(type(node), "_fields"):
        return type(node)(*values)
    if isinstance(node, collections.deque):
        return collections.deque(values, maxlen=node.maxlen)
    return type(node)(values) if isinstance(node, (list, tuple)) else list(values)


def _same_node(a, b):
    """``a`` and ``b`` are nodes of one kind with the same keys."""
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b)
    return type(a) is type(b) and len(a) == len(b)


def _mismatch(a, b):
    return ValueError("The two structures don't have the same nested structure.\n"
                      f"First structure: {a!r}\nSecond structure: {b!r}")


def flatten(structure):
    """The leaves of ``structure``, in order.

    >>> flatten([[1, 2, 3], [4, [5], [[6]]]])
    [1, 2, 3, 4, 5, 6]
    >>> flatten(None), flatten({100: "world!", 6: "Hello"})
    ([None], ['Hello', 'world!'])
    """
    if not isinstance(structure, _NODES):
        return [structure]
    children = structure if type(structure) in (list, tuple) else _children(structure)
    return [leaf for child in children for leaf in flatten(child)]


def flatten_with_path(structure):
    """``(path, leaf)`` pairs; a path is the tuple of indices and keys to the leaf.

    >>> flatten_with_path([{"foo": 42}])
    [((0, 'foo'), 42)]
    """
    if not is_nested(structure):
        return [((), structure)]
    return [((k,) + path, leaf) for k, child in zip(_keys(structure), _children(structure))
            for path, leaf in flatten_with_path(child)]


def map_structure(func, *structures, none_is_leaf=True):
    """Call ``func`` on the leaves of equally nested structures.

    With ``none_is_leaf=False`` a ``None`` stays ``None``, ``func`` is not
    called on it.

    >>> map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
    [11, (22, 33)]
    """
    if not structures:
        raise ValueError("map_structure: expected at least one structure, received none")

    def walk(*items):
        first = items[0]
        if is_nested(first):
            for other in items[1:]:
                if not (is_nested(other) and _same_node(first, other)):
                    raise _mismatch(first, other)
            keys = _keys(first)
            return _rebuild(first, [walk(*(s[k] for s in items)) for k in keys])
        if first is None and not none_is_leaf:
            if any(s is not None for s in items):
                raise ValueError(f"Structure mismatch: some arguments are None, others are not. "
                                 f"Received arguments: {items}.")
            return None
        for other in items[1:]:
            if is_nested(other):
                raise _mismatch(first, other)
        return func(*items)
    return walk(*structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """``map_structure`` down to the leaves of ``shallow_structure`` only.

    >>> map_structure_up_to([None, None], len, [[1, 1], [2, 2]])
    [2, 2]
    >>> map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]])
    ['[1, 1]', ['2', '2']]
    """
    if not structures:
        raise ValueError("map_structure_up_to: expected at least one structure, received none")
    if not is_nested(shallow_structure):
        return func(*structures)
    for s in structures:
        if not (is_nested(s) and _same_node(shallow_structure, s)):
            raise _mismatch(shallow_structure, s)
    return _rebuild(shallow_structure, [map_structure_up_to(sub, func, *(s[k] for s in structures))
                                        for k, sub in zip(_keys(shallow_structure),
                                                          _children(shallow_structure))])


def assert_same_structure(a, b, check_types=None):
    """Raise ValueError unless ``a`` and ``b`` nest the same way (leaves may differ).

    ``check_types`` is accepted and, as in Keras 3, has no effect.

    >>> assert_same_structure([(0, 1)], [(2, 3)])
    """
    map_structure(lambda *_: None, a, b)


def assert_same_paths(a, b):
    """Raise ValueError unless ``a`` and ``b`` have the same paths (list, tuple
    and namedtuple count as the same).

    >>> assert_same_paths([0, 1], (2, 3))
    """
    a_paths = {p for p, _ in flatten_with_path(a)}
    b_paths = {p for p, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        raise ValueError("`a` and `b` don't have the same paths.\n"
                         f"Paths in `a` missing in `b`:\n{a_paths - b_paths}\n"
                         f"Paths in `b` missing in `a`:\n{b_paths - a_paths}")


def pack_sequence_as(structure, flat_sequence):
    """``flat_sequence`` in the nesting of ``structure`` (the inverse of :func:`flatten`).

    >>> pack_sequence_as((("a", "b"), ("c", "d", "e"), "f"), [1, 2, 3, 4, 5, 6])
    ((1, 2), (3, 4, 5), 6)
    """
    flat = list(flat_sequence)
    count = len(flatten(structure))
    if len(flat) != count:
        raise ValueError(f"pack_sequence_as: the structure has {count} leaves, the flat sequence "
                         f"has {len(flat)} items")
    leaves = iter(flat)
    return map_structure(lambda _: next(leaves), structure)


def traverse(func, structure, top_down=True):
    """Call ``func`` on every sub-tree, depth first.

    Top-down, a non-None result replaces the sub-tree and stops the walk
    into it; bottom-up, a non-None result replaces the (already walked)
    sub-tree.  Return ``MAP_TO_NONE`` to put ``None`` in its place.

    >>> seen = []
    >>> traverse(seen.append, [(1, 2), [3]])
    [(1, 2), [3]]
    >>> seen
    [[(1, 2), [3]], (1, 2), 1, 2, [3], 3]
    """
    def walk_children(node):
        if not is_nested(node):
            return node
        return _rebuild(node, [traverse(func, child, top_down) for child in _children(node)])

    if top_down:
        result = func(structure)
        if result is None:
            return walk_children(structure)
    else:
        structure = walk_children(structure)
        result = func(structure)
        if result is None:
            return structure
    return None if result is MAP_TO_NONE else result


def lists_to_tuples(structure):
    """The structure with every list made a tuple.

    >>> lists_to_tuples([1, [2, {"a": [3]}]])
    (1, (2, {'a': (3,)}))
    """
    return traverse(lambda n: tuple(n) if isinstance(n, list) else None, structure, top_down=False)


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(
        d is None or (isinstance(d, int) or type(d).__name__.startswith(("int", "uint")))
        for d in x)


def map_shape_structure(func, structure):
    """``map_structure`` that stops at shapes (tuples or lists of ints and Nones).

    >>> map_shape_structure(lambda s: s[1:], {"a": (None, 4), "b": [(None, 2, 3)]})
    {'a': (4,), 'b': [(2, 3)]}
    """
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, c) for c in _children(structure)])
