"""The ONNX op table (``tinykeras.export.OPS``): each mapping run in ONNX
Runtime against the ``tk.ops`` function itself."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.export import OPS, OPSET
from tinykeras.export.graph import GraphBuilder, Value
from tinykeras.export.ops_table import ACTIVATIONS

from onnx_check import TOL, data, onnx, session


def _run_op(name, inputs, params):
    """The op's ONNX mapping on ``inputs`` (arrays, or lists of arrays), run in ONNX Runtime."""
    g, feeds, infos = GraphBuilder(), {}, []

    def value(x):
        name_ = f"x{len(feeds)}"
        feeds[name_] = x
        infos.append(onnx.helper.make_tensor_value_info(name_, onnx.helper.np_dtype_to_tensor_dtype(x.dtype),
                                                        x.shape))
        return Value(name_, x.shape, x.dtype)

    args = [[value(t) for t in x] if isinstance(x, list) else value(x) for x in inputs]
    outs = OPS[name](g, *args, **params)
    outs = outs if isinstance(outs, list) else [outs]
    h = onnx.helper
    results = [f"y{i}" for i in range(len(outs))]
    graph = h.make_graph(g.nodes + [h.make_node("Identity", [o], [r]) for o, r in zip(outs, results)], "op",
                         infos, [h.make_tensor_value_info(r, 0, None) for r in results], g.initializers)
    graph = h.make_model(graph, opset_imports=[h.make_opsetid("", OPSET)])
    graph = onnx.shape_inference.infer_shapes(graph)
    return session(graph).run(None, feeds)


_A, _B = data(2, 3, 4, seed=1), np.abs(data(2, 3, 4, seed=2)) + 0.5
_I = np.array([[-7, -2, 0, 3, 8], [5, -5, 6, -6, 1]], "int32")
_NAN = np.array([[1.0, np.nan, np.inf, -np.inf, 0.0]], "float32")
_M = np.arange(16, dtype="float32").reshape(4, 4)
_T = (_B > 1).astype("float32")
_L = np.array([[1, 0, 3], [2, 2, 0]], "int32")
# op name -> [(inputs, params), ...] for ops that are not activations
OP_CASES = {
    "add": [((_A, _B), {})], "subtract": [((_A, _B), {})], "multiply": [((_A, _B), {})],
    "divide": [((_A, _B), {})], "true_divide": [((_A, _B), {})], "power": [((_B, _A), {})],
    "maximum": [((_A, _B), {})], "minimum": [((_A, _B), {})], "matmul": [((_A, _B.transpose(0, 2, 1)), {})],
    "negative": [((_A,), {})], "abs": [((_A,), {})], "absolute": [((_A,), {})], "exp": [((_A,), {})],
    "log": [((_B,), {})], "sqrt": [((_B,), {})], "sin": [((_A,), {})], "cos": [((_A,), {})],
    "floor": [((_A * 3,), {})], "ceil": [((_A * 3,), {})],
    "round": [((np.array([0.5, 1.5, -2.5, 0.4], "float32"),), {}), ((_A * 3,), {"decimals": 2})],
    "sign": [((_A,), {})], "erf": [((_A,), {})], "square": [((_A,), {})], "expm1": [((_A,), {})],
    "log1p": [((_B,), {})], "reciprocal": [((_B,), {})], "clip": [((_A,), {"x_min": -0.5, "x_max": 0.5})],
    "equal": [((_A, _A * (_B > 1)), {})], "not_equal": [((_A, _A * (_B > 1)), {})],
    "greater": [((_A, _B), {})], "greater_equal": [((_A, _A), {})], "less": [((_A, _B), {})],
    "less_equal": [((_A, _A), {})], "logical_and": [((_A > 0, _B > 1), {})],
    "logical_or": [((_A > 0, _B > 1), {})], "logical_not": [((_A > 0,), {})],
    "where": [((_A > 0, _A, _B), {})], "stop_gradient": [((_A,), {})],
    "floor_divide": [((_I, np.full_like(_I, 3)), {}), ((_A * 5, _B), {})],
    "mod": [((_I, np.full_like(_I, -3)), {}), ((_A * 5, _B), {}), ((_A * 5, -_B), {})],
    "sum": [((_A,), {"axis": 1})], "mean": [((_A,), {"axis": (1, 2), "keepdims": True})],
    "max": [((_A,), {})], "amax": [((_A,), {"axis": -1})], "min": [((_A,), {"axis": 0})],
    "amin": [((_A,), {"axis": 2})], "prod": [((_B,), {"axis": 1, "keepdims": True})],
    "logsumexp": [((_A,), {"axis": 1})], "var": [((_A,), {"axis": 1})], "std": [((_A,), {"keepdims": True})],
    "argmax": [((_A,), {"axis": 1}), ((_A,), {})], "argmin": [((_A,), {"axis": -1, "keepdims": True})],
    "any": [((_A > 1,), {"axis": 1}), ((_A,), {})], "all": [((_A > -1,), {"axis": (0, 2)})],
    "count_nonzero": [((_A * (_B > 1),), {"axis": 1}), ((_I,), {})],
    "isnan": [((_NAN,), {})], "isfinite": [((_NAN,), {})],
    "reshape": [((_A,), {"newshape": (2, -1)}), ((_A,), {"newshape": 24})], "ravel": [((_A,), {})],
    "transpose": [((_A,), {"axes": (2, 0, 1)}), ((_A,), {})],
    "moveaxis": [((_A,), {"source": 0, "destination": -1}), ((_A,), {"source": [0, 1], "destination": [2, 0]})],
    "swapaxes": [((_A,), {"axis1": 0, "axis2": 2})],
    "concatenate": [(([_A, _B],), {"axis": 1})], "stack": [(([_A, _B, _A],), {"axis": -1})],
    "split": [((_A,), {"indices_or_sections": 2, "axis": 2}), ((_A,), {"indices_or_sections": [1], "axis": 1})],
    "expand_dims": [((_A,), {"axis": 1})], "squeeze": [((_A[:, :1],), {"axis": 1})],
    "cast": [((_A * 3,), {"dtype": "int32"})], "flip": [((_A,), {"axis": 1}), ((_A,), {})],
    "tile": [((_A,), {"repeats": (1, 2, 1)}), ((_A[0],), {"repeats": (2, 1, 2)})],
    "repeat": [((_A,), {"repeats": 2, "axis": 1}), ((_A,), {"repeats": 3})],
    "broadcast_to": [((_A[:, :1],), {"shape": (2, 3, 4)})],
    "pad": [((_A,), {"pad_width": ((0, 0), (1, 2), (2, 0)), "constant_values": 1.5}),
            ((_I,), {"pad_width": [(1, 1)]})],
    "get_item": [((_A,), {"key": (slice(None), 1)}), ((_A,), {"key": (Ellipsis, slice(None, None, -2), None)}),
                 ((_A,), {"key": (-1, slice(1, -1), slice(2, None))}), ((_A,), {"key": [None, 0]}),
                 ((_A,), {"key": (slice(None),)})],
    "take": [((_A, np.array([2, 0], "int64")), {"axis": 1}), ((_A,), {"indices": [[3, 1], [0, 5]]})],
    "take_along_axis": [((_A, np.argsort(_A, axis=2)), {"axis": 2})],
    "one_hot": [((_I % 4,), {"num_classes": 4}), ((np.array([1, -1, 5], "int32"),), {"num_classes": 3,
                                                                                   "axis": 0})],
    "tril": [((_M,), {}), ((_A,), {"k": 1})], "triu": [((_M,), {"k": -1})],
    "zeros_like": [((_A,), {})], "ones_like": [((_I,), {"dtype": "float32"})],
    "full_like": [((_A,), {"fill_value": 2.5})],
    "dot": [((_A[0], _B[0].T), {}), ((_A, _B[0].T), {}), ((_A[0, 0], _B[0, 0]), {}),
            ((_A, np.array(2, "float32")), {})],
    "threshold": [((_A,), {"threshold": 0.2, "default_value": -1.0})],
    "moments": [((_A,), {"axes": (0, 2)}), ((_A,), {"axes": -1, "keepdims": True})],
    "convert_to_tensor": [((_A,), {}), ((_A * 3,), {"dtype": "int32"})],
    "max_pool": [((data(2, 7, 6, 3),), {"pool_size": 3, "strides": 2, "padding": "same"}),
                 ((data(2, 3, 8),), {"pool_size": 2, "data_format": "channels_first"})],
    "average_pool": [((data(2, 7, 6, 3),), {"pool_size": (2, 3), "padding": "same"}),
                     ((data(2, 8, 3),), {"pool_size": 3, "strides": 1})],
    "conv": [((data(2, 7, 7, 3), data(3, 3, 3, 4)), {"strides": 2, "padding": "same"}),
             ((data(2, 3, 9), data(3, 3, 6)), {"data_format": "channels_first", "dilation_rate": 2}),
             ((data(2, 8, 4), data(3, 2, 4)), {})],
    "depthwise_conv": [((data(2, 7, 3), data(3, 3, 2)), {"padding": "same"}),
                       ((data(2, 6, 6, 3), data(3, 3, 3, 2)), {"strides": 2})],
    "separable_conv": [((data(2, 6, 6, 3), data(3, 3, 3, 2), data(1, 1, 6, 4)), {"padding": "same"})],
    "conv_transpose": [((data(2, 4, 4, 3), data(3, 3, 2, 3)), {"strides": 2}),
                       ((data(2, 5, 3), data(3, 2, 3)), {"strides": 2, "padding": "same", "output_padding": 1})],
    "binary_crossentropy": [((_T, 1 / (1 + np.exp(-_A))), {}), ((_T, _A), {"from_logits": True})],
    "categorical_crossentropy": [((_T, _B), {}), ((_T, _A), {"from_logits": True, "axis": 1})],
    "sparse_categorical_crossentropy": [((_L, _B), {}), ((_L, _A), {"from_logits": True}),
                                        ((_L[..., None], _A), {"from_logits": True})],
}
# ops whose mapping takes arguments tk.ops spells differently
_TK_CALLS = {"get_item": lambda x, key: x[tuple(key) if isinstance(key, list) else key]}


@pytest.mark.parametrize("name, case", [(n, i) for n in sorted(set(OPS) - set(ACTIVATIONS))
                                        for i in range(len(OP_CASES.get(n, [None])))])
def test_op_matches_tk_ops(name, case):
    assert name in OP_CASES, f"op {name!r} is mapped but has no test case"
    inputs, params = OP_CASES[name][case]
    fn = _TK_CALLS.get(name) or getattr(tk.ops, name, None) or getattr(tk.activations, name)
    tensors = [[tk.ops.convert_to_tensor(t) for t in x] if isinstance(x, list) else tk.ops.convert_to_tensor(x)
               for x in inputs]
    want = fn(*tensors, **params)
    want = [w.numpy() for w in want] if isinstance(want, (list, tuple)) else [want.numpy()]
    got = _run_op(name, inputs, params)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        np.testing.assert_allclose(g, w, **TOL)


# -- op nodes of a functional model ----------------------------------------------
def test_op_nodes_between_layers_match_predict():
    """Operators and tk.ops calls on symbolic tensors export through the same table;
    numbers take the dtype of the tensors they meet (int32 arithmetic stays int32)."""
    from onnx_check import assert_matches_predict
    x, ids = tk.Input((6,)), tk.Input((4,), dtype="int32")
    h = tk.layers.Dense(8)(x)
    mean, var = tk.ops.moments(h, axes=[-1], keepdims=True)
    h = (h - mean) / tk.ops.sqrt(var + 1e-3)
    a, b = tk.ops.split(h, 2, axis=-1)
    i = (ids * 2 + 1) % 7
    halves = tk.ops.where(ids / 2 > 1.5, ids * 0.5, tk.ops.maximum(ids, 1.5))  # float32 from int32 and floats
    table = tk.ops.take(tk.ops.convert_to_tensor(np.linspace(-1, 1, 7, dtype="float32")), i)
    out = tk.ops.concatenate([a * b, h[:, 1:3], tk.ops.expand_dims(h[:, 2], -1), tk.ops.cast(i, "float32"),
                              table, tk.ops.where(h[:, :2] > 0, 1.0, -h[:, :2]), halves], axis=-1)
    model = tk.Model([x, ids], [out, i, tk.ops.argmax(out, axis=-1), (i > 2) & True])
    assert_matches_predict(model, data(3, 6), np.random.default_rng(0).integers(0, 50, (3, 4)).astype("int32"))


def test_op_nodes_with_constant_kernels_and_losses_match_predict():
    from onnx_check import assert_matches_predict
    x = tk.Input((6, 6, 3))
    h = tk.ops.conv(x, data(3, 3, 3, 4, seed=3), padding="same")
    h = tk.ops.depthwise_conv(h, data(3, 3, 4, 2, seed=4), strides=2)
    h = tk.ops.conv_transpose(h, data(2, 2, 3, 8, seed=5), strides=2)
    p = tk.ops.softmax(tk.ops.mean(h, axis=(1, 2)))
    loss = tk.ops.categorical_crossentropy(tk.ops.one_hot(tk.ops.argmax(p, axis=-1), 3), p)
    assert_matches_predict(tk.Model(x, [h, loss]), data(2, 6, 6, 3))


def test_op_node_without_a_mapping_is_named():
    from tinykeras.export import to_onnx
    x = tk.Input((3,))
    model = tk.Model(x, tk.ops.scatter_add((4, 3), tk.ops.convert_to_tensor(np.array([[1], [2]])), x[:2]))
    with pytest.raises(ValueError, match=r"no mapping for op 'scatter_add' \(op node 'scatter_add(_\d+)?'\)"):
        to_onnx(model)
