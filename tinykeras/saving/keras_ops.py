"""Op nodes (``x * 2``, ``ops.mean(h, axis=-1)`` between layers) in Keras 3's form, both ways.

Keras 3 writes each call of ``keras.ops`` on symbolic tensors as an
``Operation`` entry of the functional config: the class of the op (module
``keras.src.ops.numpy``, ``nn``, ``image``, ``linalg``, ``math`` or ``core``), its constructor
arguments as ``config`` and its ``call`` arguments in ``inbound_nodes``::

    {"module": "keras.src.ops.numpy", "class_name": "Mean", "registered_name": "Mean",
     "name": "mean", "config": {"name": "mean", "axis": -1, "keepdims": true},
     "inbound_nodes": [{"args": [<tensor>], "kwargs": {}}]}

A tinykeras op node (:class:`~tinykeras.layers.operation.OpCall`) is the
same call split differently: tensor inputs, and keyword ``params``.  Reading
binds Keras's call arguments and config to the ``tk.ops`` function's
signature (the class name is looked up in :data:`KERAS_CLASSES`, else,
snake-cased, in the op table ``tinykeras.ops.specs.SPECS``; ``module`` is
never imported).  Keras's ``Einsum`` holds ``subscripts`` in its config where
``tk.ops.einsum`` takes it as its first input (:data:`CONFIG_INPUTS`).  Writing uses
:data:`KERAS_CLASSES`, the Keras class of each op; an op Keras 3 has no class
for (``mish``, ``scatter_add``) keeps tinykeras's ``{"op", "params"}`` form,
which tinykeras reads and Keras cannot.

>>> import tinykeras as tk
>>> x = tk.Input((4,))
>>> op = tk.ops.full_like(x, 3.0)._keras_history[0]
>>> entry, [call_args] = to_keras_entry(op, [node.args for node in op._inbound_nodes])
>>> entry["module"], entry["class_name"], entry["config"], call_args[1:]
('keras.src.ops.numpy', 'FullLike', {'name': 'full_like', 'dtype': None}, [3.0])
"""
import inspect

from ..layers.operation import OpCall, _camel
from ..ops import specs
from ..ops.namespaces import op_function
from . import layer_config
from .errors import FileFormatError, excerpt

_FAMILIES = {  # Keras 3.15's op classes, by module (tests/test_keras_op_nodes.py checks them against Keras)
    "numpy": "abs absolute add all amax amin angle any append arccos arccosh arcsin arcsinh arctan arctan2 arctanh "
             "argmax argmin argsort array_split average bitwise_and bitwise_invert bitwise_left_shift bitwise_not "
             "bitwise_or bitwise_right_shift bitwise_xor broadcast_to cbrt ceil clip concatenate conj conjugate "
             "copy corrcoef correlate cos cosh count_nonzero cross cumprod cumsum deg2rad diag diagflat diagonal "
             "diff divide divide_no_nan dot dsplit dstack einsum equal exp exp2 expand_dims expm1 fabs flip fliplr "
             "flipud floor floor_divide fmax fmin fmod full_like gcd get_item greater greater_equal heaviside "
             "hsplit hstack hypot i0 imag inner isclose isfinite isinf isnan isneginf isposinf isreal kron lcm "
             "ldexp left_shift less less_equal log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not "
             "logical_or logical_xor matmul max maximum mean median min minimum mod moveaxis multiply nan_to_num "
             "nanargmax nanargmin nancumprod nancumsum nanmax nanmean nanmedian nanmin nanpercentile nanprod "
             "nanquantile nanstd nansum nanvar negative nextafter not_equal ones_like outer pad percentile power "
             "prod ptp quantile rad2deg ravel real reciprocal repeat reshape right_shift roll rot90 round sign "
             "signbit sin sinc sinh slogdet sort split sqrt square squeeze stack std subtract sum swapaxes take "
             "take_along_axis tan tanh tensordot tile trace transpose tril triu true_divide trunc vander var vdot "
             "vsplit vstack where zeros_like",
    "nn": "adaptive_average_pool adaptive_max_pool average_pool binary_crossentropy categorical_crossentropy "
          "celu conv conv_transpose depth_to_space depthwise_conv dot_product_attention elu fold gelu glu "
          "hard_shrink hard_sigmoid hard_silu hard_tanh layer_normalization leaky_relu log_sigmoid "
          "log_softmax max_pool moments multi_hot normalize one_hot polar psnr relu relu6 "
          "rms_normalization selu separable_conv sigmoid silu soft_shrink softmax softplus softsign "
          "space_to_depth sparse_categorical_crossentropy sparse_plus sparse_sigmoid sparsemax squareplus "
          "tanh_shrink threshold unfold",
    "image": "affine_transform crop_images elastic_transform extract_patches gaussian_blur hsv_to_rgb "
             "map_coordinates pad_images perspective_transform resize rgb_to_grayscale rgb_to_hsv "
             "scale_and_translate sobel_edges ssim",
    "linalg": "cholesky cholesky_inverse det eig eigh inv lstsq lu_factor norm pinv qr solve solve_triangular "
              "svd",
    "math": "cdist erf erfc erfinv extract_sequences in_top_k logdet logsumexp rfft rsqrt top_k "
            "view_as_complex view_as_real",
    "core": "cast convert_to_tensor saturate_cast stop_gradient unstack",
}
_CLASS_NAMES = {  # Keras class names other than the op's name in CamelCase
    "cdist": "CDist", "hsv_to_rgb": "HSVToRGB", "layer_normalization": "LayerNorm", "psnr": "PSNR",
    "rfft": "RFFT", "rgb_to_grayscale": "RGBToGrayscale", "rgb_to_hsv": "RGBToHSV",
    "rms_normalization": "RMSNorm", "ssim": "SSIM", "svd": "SVD"}
# op name -> (Keras module, Keras class name)
KERAS_CLASSES = {op: (f"keras.src.ops.{family}", _CLASS_NAMES.get(op, _camel(op)))
                 for family, ops_ in _FAMILIES.items() for op in ops_.split()}
_BY_CLASS = {class_name: op for op, (_, class_name) in KERAS_CLASSES.items()}
# aliases are written as the op they alias (Keras's extract_patches_3d is an ExtractPatches of 3-D size)
KERAS_CLASSES.update(swish=KERAS_CLASSES["silu"], hard_swish=KERAS_CLASSES["hard_silu"],
                     extract_patches_3d=KERAS_CLASSES["extract_patches"])
# parameters of tk.ops functions that Keras's Operation takes in call(), after the tensor inputs, in order
CALL_PARAMS = {"average": ("weights",), "dot_product_attention": ("bias", "mask", "scale"),
               "full_like": ("fill_value",), "isclose": ("rtol", "atol"), "pad": ("constant_values",),
               "percentile": ("q",), "quantile": ("q",), "nanpercentile": ("q",), "nanquantile": ("q",),
               "layer_normalization": ("gamma", "beta"), "rms_normalization": ("scale",)}
# leading inputs of tk.ops functions that Keras's Operation holds in its config (einsum's subscripts)
CONFIG_INPUTS = {"einsum": ("subscripts",)}
# parameters whose value Keras's class reads otherwise: op -> {parameter: its value for Keras's class}
KERAS_VALUES = {"extract_patches_3d": {"size": lambda size: (size,) * 3 if isinstance(size, int) else size}}
ENTRY_KEYS = {"module", "class_name", "config", "registered_name", "name", "inbound_nodes"}


def to_keras_entry(op, calls):
    """``(entry, arguments of each call)`` of the :class:`OpCall` ``op`` in
    Keras's form, given the tensor arguments of each of its ``calls``; for an
    op Keras has no class for: tinykeras's entry and the arguments unchanged."""
    params = layer_config.to_json(op.params, f"op {op.name!r} params")
    if op.op not in KERAS_CLASSES:
        return {"op": op.op, "params": params}, [list(args) for args in calls]
    module, class_name = KERAS_CLASSES[op.op]
    signature = list(inspect.signature(op_function(op.op)).parameters.values())
    in_config, in_call = CONFIG_INPUTS.get(op.op, ()), CALL_PARAMS.get(op.op, ())
    heads = [layer_config.to_json(list(args[:len(in_config)]), f"op {op.name!r} inputs") for args in calls]
    if any(head != heads[0] for head in heads):
        raise ValueError(f"op {op.name!r}: Keras's {class_name} holds {list(in_config)} in its config, so "
                         f"every call must pass the same ones; got {heads}")
    config = {"name": getattr(op, "config_name", op.name), **dict(zip(in_config, heads[0] if heads else []))}
    for p in signature[specs.SPECS[op.op][0]:]:
        if p.kind is p.VAR_KEYWORD:  # (layer_normalization's **kwargs: Keras's constructor arguments)
            config.update(params.get(p.name, {}))
        elif p.name not in in_call and (p.name in params or p.default is not p.empty):  # as Keras: defaults too
            value = params[p.name] if p.name in params else p.default
            config[p.name] = KERAS_VALUES.get(op.op, {}).get(p.name, lambda v: v)(value)
    config = layer_config.to_json(config, f"op {op.name!r} config")
    entry = {"module": module, "class_name": class_name, "config": config, "registered_name": class_name}
    defaults = {p.name: p.default for p in signature}
    extra = [op.params.get(k, defaults[k]) for k in in_call]  # all, as Keras passes them (arrays as arrays)
    return entry, [list(args[len(in_config):]) + extra for args in calls]


def op_name(class_name, module, where):
    """The ``tk.ops`` name of the Keras Operation class ``class_name``."""
    names = {_camel(op): op for op in specs.SPECS}
    names.update(_BY_CLASS)
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
    missing = [k for k in CONFIG_INPUTS.get(op, ()) if k not in constructor]
    if missing:
        raise FileFormatError(f"{where}: its config lacks {missing}")
    head = [constructor.pop(k) for k in CONFIG_INPUTS.get(op, ())]  # Keras's config, tinykeras's inputs
    varargs = {p.name for p in signature.parameters.values() if p.kind is p.VAR_POSITIONAL}
    for key in set(constructor) - set(signature.parameters):
        if constructor[key] not in (None, False):  # Keras-only arguments at their defaults are dropped
            raise FileFormatError(f"{where}: tinykeras's ops.{op} has no argument {key!r} (the file sets "
                                  f"it to {excerpt(constructor[key])})")
        del constructor[key]
    in_call = CALL_PARAMS.get(op, ())
    params, calls = None, []
    for args, kwargs, refs in nodes:
        if in_call:  # Keras's call(inputs..., *in_call): those by name (tinykeras's signature may differ)
            if len(args) > n_inputs + len(in_call):
                raise FileFormatError(f"{where}: its call takes {n_inputs} inputs and {list(in_call)}, got "
                                      f"{len(args)} arguments")
            args, kwargs = args[:n_inputs], {**dict(zip(in_call, args[n_inputs:])), **kwargs}
        try:
            bound = signature.bind(*head, *args, **kwargs, **constructor).arguments
        except TypeError as exc:
            raise FileFormatError(f"{where}: its call does not fit ops.{op}{signature}: {exc}") from None
        mine = {k: v for k, v in bound.items() if k not in inputs_names}
        if any(_has_ref(v, _Ref) for v in mine.values()):
            raise FileFormatError(f"{where}: only {inputs_names} of ops.{op} may be symbolic tensors")
        if params is not None and mine != params:
            raise FileFormatError(f"{where}: its calls differ in parameters ({params} and {mine})")
        params = mine
        inputs = [bound[k] for k in inputs_names if k in bound]
        calls.append(([a for k, v in zip(inputs_names, inputs) for a in (v if k in varargs else [v])], {}, refs))
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
