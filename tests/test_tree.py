"""``tk.tree`` gives what Keras 3's ``keras.tree`` gives (torch backend), on
the structures a model's inputs and outputs take."""
import collections

import pytest

import tinykeras as tk
from keras_compare import real_keras

Point = collections.namedtuple("Point", ["x", "y"])
STRUCTURES = [
    5, None, [1, 2], (1, [2, 3]), {"b": 1, "a": [2, (3, 4)]},
    collections.OrderedDict([("b", 1), ("a", 2)]), Point(1, [2, 3]), [{"z": None, "y": 1}, ()],
]


@pytest.mark.keras
@pytest.mark.parametrize("structure", STRUCTURES, ids=repr)
def test_the_tree_functions_agree_with_keras(structure):
    keras = real_keras()
    for lib in (tk, keras):
        lib.out = (lib.tree.flatten(structure), lib.tree.is_nested(structure),
                   lib.tree.flatten_with_path(structure),
                   lib.tree.map_structure(lambda v: ("leaf", v), structure),
                   lib.tree.pack_sequence_as(structure, list(range(len(lib.tree.flatten(structure))))),
                   lib.tree.lists_to_tuples(structure))
    assert tk.out == keras.out
    assert [type(v) for v in tk.out[3:]] == [type(v) for v in keras.out[3:]]
    del tk.out, keras.out


def test_dicts_flatten_in_sorted_key_order_and_pack_back_in_their_own():
    s = {"b": [1, 2], "a": 3}
    assert tk.tree.flatten(s) == [3, 1, 2]
    packed = tk.tree.pack_sequence_as(s, ["A", "B1", "B2"])
    assert packed == {"b": ["B1", "B2"], "a": "A"} and list(packed) == ["b", "a"]


def test_mismatched_structures_raise():
    with pytest.raises(ValueError, match="same nested structure"):
        tk.tree.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(ValueError, match="same nested structure"):
        tk.tree.map_structure(lambda a, b: a, {"a": 1}, {"b": 1})
    tk.tree.assert_same_paths([1, 2], (3, 4))
    with pytest.raises(ValueError, match="same paths"):
        tk.tree.assert_same_paths([1, 2], [1])
    with pytest.raises(ValueError, match="3 leaves"):
        tk.tree.pack_sequence_as([1, [2, 3]], [1, 2])


def test_traverse_map_structure_up_to_and_shapes():
    seen = []
    assert tk.tree.traverse(seen.append, [(1, 2), [3], {"a": 4}]) == [(1, 2), [3], {"a": 4}]
    assert seen == [[(1, 2), [3], {"a": 4}], (1, 2), 1, 2, [3], 3, {"a": 4}, 4]
    cut = tk.tree.traverse(lambda n: tk.tree.MAP_TO_NONE if n == (1, 2) else None, [(1, 2), 3])
    assert cut == [None, 3]
    assert tk.tree.map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]]) == ["[1, 1]", ["2", "2"]]
    assert tk.tree.map_shape_structure(len, {"a": (None, 4), "b": [(2, 3, 1)]}) == {"a": 2, "b": [3]}
    assert tk.tree.map_structure(lambda v: 1, [None, 2], none_is_leaf=False) == [None, 1]
