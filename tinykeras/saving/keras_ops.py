"""Op nodes (``x * 2``, ``ops.mean(h, axis=-1)`` between layers) in Keras 3's form, both ways.

Keras 3 writes each call of ``keras.ops`` on symbolic tensors as an
``Operation`` entry of the functional config: the class of the op (module
``keras.src.ops.numpy``, ``nn``, ``math`` or ``core``), its constructor
arguments as ``config`` and its ``call`` arguments in ``inbound_nodes``::

    {"module": "keras.src.ops.numpy", "class_name": "Mean", "registered_name": "Mean",
     "name": "mean", "config": {"name": "mean", "axis": -1, "keepdims": true},
     "inbound_nodes": [{"args": [<tensor>], "kwargs": {}}]}

A tinykeras op node (:class:`~tinykeras.layers.operation.OpCall`) is the
same call split differently: tensor inputs, and keyword ``params``.  Reading
binds Keras's call arguments and config to the ``tk.ops`` function's
signature (the class name is looked up, snake-cased, in the op table
``tinykeras.ops.specs.SPECS``; ``module`` is never imported).  Writing uses
:data:`KERAS_CLASSES`, the Keras class of each op; an op Keras 3 has no class
for (``mish``, ``scatter_add``) keeps tinykeras's ``{"op", "params"}`` form,
which tinykeras reads and Keras cannot.

>>> import tinykeras as tk
>>> x = tk.Input((4,))
>>> op = tk.ops.full_like(x, 3.0)._keras_history[0]
>>> entry, extra_args = to_keras_entry(op)
>>> entry["module"], entry["class_name"], entry["config"], extra_args
('keras.src.ops.numpy', 'FullLike', {'name': 'full_like', 'dtype': None}, [3.0])
"""
import inspect

from ..layers.operation import OpCall, _camel
from ..ops import specs
from ..ops.namespaces import op_function
from . import layer_config
from .errors import FileFormatError, excerpt

_FAMILIES = {
    "numpy": "abs absolute add all amax amin any argmax argmin broadcast_to ceil clip concatenate cos "
             "count_nonzero divide dot equal exp expand_dims expm1 flip floor floor_divide full_like "
             "get_item greater greater_equal isfinite isnan less less_equal log log1p logical_and "
             "logical_not logical_or matmul max maximum mean min minimum mod moveaxis multiply negative "
             "not_equal ones_like pad power prod ravel reciprocal repeat reshape round sign sin split sqrt "
             "square squeeze stack std subtract sum swapaxes take take_along_axis tanh tile transpose "
             "tril triu true_divide var where zeros_like",
    "nn": "average_pool binary_crossentropy categorical_crossentropy conv conv_transpose depthwise_conv "
          "elu gelu hard_sigmoid hard_silu leaky_relu log_sigmoid log_softmax max_pool moments one_hot "
          "relu relu6 selu separable_conv sigmoid silu softmax softplus softsign "
          "sparse_categorical_crossentropy",
    "math": "erf logsumexp",
    "core": "cast convert_to_tensor stop_gradient",
}
# op name -> (Keras module, Keras class name); aliases are written as the op they alias
KERAS_CLASSES = {op: (f"keras.src.ops.{family}", _camel(op))
                 for family, ops_ in _FAMILIES.items() for op in ops_.split()}
KERAS_CLASSES.update(swish=KERAS_CLASSES["silu"], hard_swish=KERAS_CLASSES["hard_silu"])
# parameters of tk.ops functions that Keras's Operation takes in call(), after the tensor inputs
CALL_PARAMS = {"full_like": ("fill_value",), "pad": ("constant_values",)}
ENTRY_KEYS = {"module", "class_name", "config", "registered_name", "name", "inbound_nodes"}


def to_keras_entry(op):
    """``(entry, extra call arguments)`` of the :class:`OpCall` ``op`` in
    Keras's form, or ``(tinykeras's entry, [])`` for an op Keras has no class for."""
    params = layer_config.to_json(op.params, f"op {op.name!r} params")
    if op.op not in KERAS_CLASSES:
        return {"op": op.op, "params": params}, []
    module, class_name = KERAS_CLASSES[op.op]
    in_call = CALL_PARAMS.get(op.op, ())
    config = {"name": getattr(op, "config_name", op.name)}
    for p in list(inspect.signature(op_function(op.op)).parameters.values())[specs.SPECS[op.op][0]:]:
        if p.name not in in_call and (p.name in params or p.default is not p.empty):  # as Keras: defaults too
            config[p.name] = params[p.name] if p.name in params else p.default
    config = layer_config.to_json(config, f"op {op.name!r} config")
    entry = {"module": module, "class_name": class_name, "config": config, "registered_name": class_name}
    return entry, [params[k] for k in in_call if k in params]


def op_name(class_name, module, where):
    """The ``tk.ops`` name of the Keras Operation class ``class_name``."""
    names = {_camel(op): op for op in specs.SPECS}
    if class_name not in names:
        raise FileFormatError(f"{where}: Keras Operation {excerpt(class_name)} (module {excerpt(module)}) "
                              "has no tinykeras op; tinykeras reads calls of the keras.ops functions "
                              f"listed in tinykeras/ops/specs.py ({len(specs.SPECS)} ops)")
    return names[class_name]


def from_keras_entry(spec, nodes, where):
    """An :class:`OpCall` and its calls' tensor inputs from a Keras
    ``Operation`` entry whose ``inbound_nodes`` are already decoded into
    ``nodes`` (``(args, kwargs, refs)`` each, as ``graph_config`` decodes them)."""
    from .graph_config import _Ref
    extra = set(spec) - ENTRY_KEYS
    config = spec.get("config")
    if extra or not isinstance(config, dict) or not isinstance(spec.get("class_name"), str):
        raise FileFormatError(f"{where}: a Keras Operation entry has keys {sorted(ENTRY_KEYS)} and a "
                              f"'config' object, got keys {sorted(map(str, spec))}")
    op = op_name(spec["class_name"], spec.get("module"), where)
    name = spec.get("name", config.get("name"))
    layer_config._check_top_key("name", name, where)
    if spec.get("registered_name") not in (None, spec["class_name"]):
        raise FileFormatError(f"{where}: registered_name {excerpt(spec.get('registered_name'))} disagrees "
                              f"with class_name {excerpt(spec['class_name'])}")
    if "name" in config:
        layer_config._check_top_key("name", config["name"], where)
    where = f"{where} ({spec['class_name']} {name!r})"
    layer_config.check_values(config, where)
    signature = inspect.signature(op_function(op))
    n_inputs = specs.SPECS[op][0]
    inputs_names = list(signature.parameters)[:n_inputs]
    constructor = {k: v for k, v in config.items() if k != "name"}
    for key in set(constructor) - set(signature.parameters):
        if constructor[key] not in (None, False):  # Keras-only arguments at their defaults are dropped
            raise FileFormatError(f"{where}: tinykeras's ops.{op} has no argument {key!r} (the file sets "
                                  f"it to {excerpt(constructor[key])})")
        del constructor[key]
    params, calls = None, []
    for args, kwargs, refs in nodes:
        try:
            bound = signature.bind(*args, **kwargs, **constructor).arguments
        except TypeError as exc:
            raise FileFormatError(f"{where}: its call does not fit ops.{op}{signature}: {exc}") from None
        mine = {k: v for k, v in bound.items() if k not in inputs_names}
        if any(_has_ref(v, _Ref) for v in mine.values()):
            raise FileFormatError(f"{where}: only {inputs_names} of ops.{op} may be symbolic tensors")
        if params is not None and mine != params:
            raise FileFormatError(f"{where}: its calls differ in parameters ({params} and {mine})")
        params = mine
        calls.append(([bound[k] for k in inputs_names if k in bound], {}, refs))
    call = OpCall(op, params or {}, name)
    call.config_name = config.get("name", name)  # Keras's may differ from the entry's; written back as read
    return call, calls


def _has_ref(value, ref_type):
    if isinstance(value, ref_type):
        return True
    if isinstance(value, dict):
        return any(_has_ref(v, ref_type) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_ref(v, ref_type) for v in value)
    return False
