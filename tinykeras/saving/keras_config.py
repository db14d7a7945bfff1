"""Keras 3's JSON for objects, both ways.

tinykeras writes every config as Keras 3 does (``model.to_json()``, the
``config.json`` of a ``.keras`` archive, the architecture of a safetensors
file): each object is ``{"module", "class_name", "config",
"registered_name"}`` and a layer's ``dtype`` is a ``DTypePolicy`` object.
:func:`to_keras` adds what tinykeras's own configs leave out;
:func:`from_keras` turns what Keras writes back into plain values
(``DTypePolicy`` -> its name, ``shared_object_id`` dropped) before the
checks of :mod:`tinykeras.saving.layer_config` run.  ``module`` is only
ever written and checked to be a string, never imported.

>>> config = to_keras({"class_name": "Dense", "config": {"name": "d", "dtype": "float32", "units": 2}})
>>> config["module"], config["config"]["dtype"]["class_name"]
('keras.layers', 'DTypePolicy')
>>> from_keras(config)["config"]["dtype"]
'float32'
"""
from . import object_registration
from .errors import FileFormatError, excerpt
from .safe_json import MAX_DEPTH

POLICIES = ("DTypePolicy", "FloatDTypePolicy")
POLICY_MODULES = (None, "keras", "keras.dtype_policies")
# Config keys Keras 3 writes for features tinykeras does not have, at the
# values that mean "not used": dropped on reading (any other value is kept,
# and the layer refuses it with a clear error).
UNUSED = {"quantization_config": None, "lora_rank": None, "lora_alpha": None, "sparse": False,
          "ragged": False, "optional": False, "activity_regularizer": None}
_MODULES = {"Sequential": "keras", "Functional": "keras.src.models.functional", "Model": "keras",
            "LayerScale": "keras.src.applications.convnext", "StochasticDepth": "keras.src.applications.convnext",
            "FeatureSpace": "keras.utils", "TFDIdentity": "keras.src.layers.preprocessing.feature_space"}


def to_keras(value):
    """``value`` (a serialized layer or model, nested configs included) in
    Keras 3's form; objects that already name a ``module`` are kept."""
    if isinstance(value, list):
        return [to_keras(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: to_keras(v) for k, v in value.items()}
    if isinstance(out.get("class_name"), str) and isinstance(out.get("config"), dict) and "module" not in out \
            and not out["class_name"].startswith("__"):  # __keras_tensor__, __slice__...: as Keras writes them
        out = {"module": _module(out["class_name"], out.get("registered_name")), **out}
        dtype = out["config"].get("dtype")
        if isinstance(dtype, str):
            out["config"] = {**out["config"], "dtype": policy(dtype)}
    return out


def policy(name):
    """Keras's ``DTypePolicy`` object for the dtype ``name``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def _module(class_name, registered_name):
    if isinstance(registered_name, str) and ">" in registered_name:
        obj = object_registration.get_registered_object(registered_name)
        return getattr(obj, "__module__", None) or "custom"
    return _MODULES.get(class_name, "keras.layers")


def is_operation(config):
    """Whether a Keras config entry is an ``Operation`` node (a call of
    ``keras.ops`` on symbolic tensors, ``module`` ``keras.src.ops.*``)."""
    module = config.get("module")
    return isinstance(module, str) and (module == "keras.src.ops" or module.startswith("keras.src.ops."))


def drop_unused(config):
    """A layer's ``config`` without the keys of :data:`UNUSED` at their unused values."""
    return {k: v for k, v in config.items() if k not in UNUSED or v != UNUSED[k]}


def from_keras(value, depth=0):
    """Keras's JSON back to plain configs: a ``DTypePolicy`` object becomes
    its dtype name and ``shared_object_id`` keys go (bounded by depth)."""
    if depth > MAX_DEPTH:
        raise FileFormatError(f"the config is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, list):
        return [from_keras(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") in POLICIES and isinstance(value.get("config"), dict):
        name = value["config"].get("name")
        if not isinstance(name, str) or set(value["config"]) != {"name"}:
            raise FileFormatError(f"a {value['class_name']} needs exactly a string 'name' in its config, "
                                  f"got {sorted(map(str, value['config']))}")
        extra = sorted(map(str, set(value) - {"module", "class_name", "config", "registered_name",
                                              "shared_object_id"}))
        if extra or value.get("module") not in POLICY_MODULES or value.get("registered_name") is not None:
            raise FileFormatError(f"a {value['class_name']} has the keys module ({' or '.join(map(repr, POLICY_MODULES))}), "
                                  f"class_name, config and registered_name (null); got {excerpt(value)}")
        return name
    return {k: from_keras(v, depth + 1) for k, v in value.items() if k != "shared_object_id"}
