"""Load PyTorch weights (a torchvision-style ``state_dict`` saved as
safetensors) into a tinykeras model of the same architecture.

Saving on the PyTorch side: ``safetensors.torch.save_file(model.state_dict(),
"m.safetensors")``.  Loading here needs neither torch nor safetensors:
``report = load_torch_weights(model, "m.safetensors")``.

**Matching.**  Each tinykeras layer with weights takes the torch module whose
prefix is its path with ``.`` (or ``_``) for separators: a layer named
``fc`` takes ``fc.weight``/``fc.bias``; ``features.0`` or ``features_0``
takes ``features.0.*``; a layer ``conv`` inside a nested model ``encoder``
takes ``encoder.conv.*``.  ``mapping={"my_dense": "classifier.1"}`` names
other pairs.  Every tensor that matched nothing and every layer left
without weights is listed in the returned :class:`TorchLoadReport`; with
``strict=True`` (the default) any of them raises a ValueError.

**Layouts** (torch -> Keras):

==================  ==============================  =========================================
torch module        torch tensors                   tinykeras weights
==================  ==============================  =========================================
Linear              weight ``(out, in)``, bias      Dense kernel ``weight.T (in, out)``, bias
Conv1d/2d/3d        weight ``(out, in/g, *k)``      kernel ``(*k, in/g, out)``: moveaxis
Conv2d, groups=in   weight ``(in*m, 1, kh, kw)``    DepthwiseConv2D kernel ``(kh, kw, in, m)``
BatchNorm1d/2d      weight, bias, running_mean,     gamma, beta, moving_mean, moving_variance
                    running_var, num_batches_trac.  (the counter is ignored)
LayerNorm           weight, bias                    gamma, beta
Embedding           weight ``(n, d)``               embeddings ``(n, d)`` (unchanged)
LSTM (1 layer)      weight_ih_l0 ``(4H, in)``,      kernel ``(in, 4H)``, recurrent_kernel
                    weight_hh_l0, bias_ih_l0,       ``(H, 4H)``, bias = bias_ih + bias_hh;
                    bias_hh_l0; gates i, f, g, o    gates i, f, c, o: the same order
GRU (1 layer)       gates r, z, n                   gates z, r, h: blocks reordered;
                                                    ``reset_after=True`` bias ``(2, 3H)``
==================  ==============================  =========================================

**Conventions to match by hand** (the report's ``notes`` reminds you):
torch's BatchNorm uses ``eps=1e-5`` (Keras: 1e-3) and ``momentum=0.1``
(Keras ``momentum=0.9`` is the same update), so build
``BatchNormalization(epsilon=1e-5, momentum=0.9)``; LayerNorm's eps is
1e-5 too.  torch stores the *unbiased* running variance, Keras the biased
one; at inference both compute ``(x - mean) / sqrt(var + eps)``, so
predictions match.  torch flattens ``(C, H, W)`` and Keras ``(H, W, C)``:
for a Linear after a Flatten of a conv map, pass
``flatten_chw={"fc": (C, H, W)}`` to reorder its input rows.

>>> import numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="fc")])
>>> state = {"fc.weight": np.arange(6, dtype="float32").reshape(2, 3), "fc.bias": np.zeros(2, "float32")}
>>> report = load_torch_weights(model, state)
>>> model.get_layer("fc").kernel.numpy().tolist(), report.unmatched_torch_keys
([[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], [])
"""
import os
from dataclasses import dataclass, field

import numpy as np

IGNORED_SUFFIXES = ("num_batches_tracked",)


@dataclass
class TorchLoadReport:
    """``loaded`` ``(torch key, tinykeras path)`` pairs; ``unmatched_torch_keys``
    (tensors no layer took); ``unmatched_layers`` (layers with weights that
    found no tensors); ``ignored`` (e.g. ``num_batches_tracked``); ``notes``."""
    loaded: list = field(default_factory=list)
    unmatched_torch_keys: list = field(default_factory=list)
    unmatched_layers: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self):
        return not (self.unmatched_torch_keys or self.unmatched_layers)

    def __str__(self):
        lines = [f"{len(self.loaded)} tensors loaded"]
        if self.unmatched_torch_keys:
            lines.append(f"torch tensors matched by no layer: {self.unmatched_torch_keys}")
        if self.unmatched_layers:
            lines.append(f"layers that got no weights: {self.unmatched_layers}")
        return "; ".join(lines + self.notes)


def read_state_dict(source):
    """``{key: numpy array}`` from a ``.safetensors`` path or a dict of
    arrays / torch tensors."""
    if isinstance(source, (str, os.PathLike)):
        from ..saving import safetensors_io
        header = safetensors_io.read_header(os.fspath(source))
        return safetensors_io.read_tensors(os.fspath(source), header)
    out = {}
    for key, value in dict(source).items():
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        out[str(key)] = np.asarray(value)
    return out


def layer_paths(model):
    """``[(path, layer)]`` of the layers with weights; nested models are walked into."""
    from ..models import Model
    out = []

    def visit(container, prefix):
        for layer in container.layers:
            if isinstance(layer, Model):
                visit(layer, f"{prefix}{layer.name}.")
            elif layer.weights:
                out.append((prefix + layer.name, layer))
    visit(model, "")
    return out


def _torch_prefix(path, modules, mapping):
    if path in mapping:
        return mapping[path]
    for candidate in (path, path.replace("_", ".")):
        if candidate in modules:
            return candidate
    return None


def load_torch_weights(model, source, mapping=None, strict=True, flatten_chw=None):
    """Copy a torch state dict (``source``: safetensors path or dict) into
    ``model``; returns a :class:`TorchLoadReport` (see the module docstring)."""
    state = read_state_dict(source)
    mapping, flatten_chw = dict(mapping or {}), dict(flatten_chw or {})
    report = TorchLoadReport()
    modules = {}
    for key in state:
        prefix, _, leaf = key.rpartition(".")
        if leaf in IGNORED_SUFFIXES:
            report.ignored.append(key)
        else:
            modules.setdefault(prefix, {})[leaf] = key
    used, assignments, problems = set(), [], []
    for path, layer in layer_paths(model):
        prefix = _torch_prefix(path, modules, mapping)
        if prefix is None or prefix not in modules:
            report.unmatched_layers.append(path)
            continue
        tensors = {leaf: state[key] for leaf, key in modules[prefix].items()}
        try:
            arrays, leaves = convert_layer(layer, tensors, flatten_chw.get(path))
        except ValueError as e:
            problems.append(f"{path} <- {prefix}: {e}")
            continue
        used.update(modules[prefix][leaf] for leaf in leaves)
        assignments.append((layer, arrays))
        report.loaded += [(modules[prefix][leaf], f"{path}/{leaf}") for leaf in leaves]
        _note_conventions(layer, path, report)
    report.unmatched_torch_keys = [k for k in state if k not in used and k not in report.ignored]
    if problems or (strict and not report.ok):
        raise ValueError(f"torch weights do not fit model {model.name!r}: "
                         + "; ".join(problems + [str(report)]))
    for layer, arrays in assignments:
        for variable, array in zip(layer.weights, arrays):
            variable.assign(array.astype(variable.dtype, copy=False))
    return report


def _note_conventions(layer, path, report):
    from ..layers import BatchNormalization, LayerNormalization
    if isinstance(layer, (BatchNormalization, LayerNormalization)) and abs(layer.epsilon - 1e-5) > 1e-12:
        report.notes.append(f"{path}: epsilon={layer.epsilon}, torch's default eps is 1e-5")


def _take(tensors, leaves, what):
    missing = [leaf for leaf in leaves if leaf not in tensors]
    if missing:
        raise ValueError(f"a torch {what} needs {missing}, found {sorted(tensors)}")
    return [tensors[leaf] for leaf in leaves]


def convert_layer(layer, tensors, flatten_chw=None):
    """The arrays for ``layer.weights`` from one torch module's ``tensors``
    (``{"weight": ..., "bias": ...}``), and the torch names used."""
    from .. import layers as L
    from ..layers.convolutional.variants import BaseConvTranspose, BaseDepthwiseConv
    bias = ["bias"] if len(layer.weights) > 1 and "bias" in tensors else []
    if isinstance(layer, L.Dense):
        (weight,) = _take(tensors, ["weight"], "Linear")
        if flatten_chw is not None:  # reorder the input features from (C, H, W) to (H, W, C)
            c, h, w = flatten_chw
            weight = weight.reshape(-1, c, h, w).transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)
        return _checked(layer, [weight.T] + [tensors[b] for b in bias]), ["weight"] + bias
    if isinstance(layer, BaseDepthwiseConv) and not isinstance(layer, L.SeparableConv2D):
        (weight,) = _take(tensors, ["weight"], "depthwise Conv")
        channels = layer.weights[0].shape[-2]
        kernel = weight.reshape((channels, -1) + weight.shape[2:])          # (in, m, *k)
        kernel = np.moveaxis(kernel, (0, 1), (-2, -1))                        # (*k, in, m)
        return _checked(layer, [kernel] + [tensors[b] for b in bias]), ["weight"] + bias
    if isinstance(layer, BaseConvTranspose):
        raise ValueError("transposed convolutions are not mapped")
    if isinstance(layer, L.Conv1D | L.Conv2D | L.Conv3D):
        (weight,) = _take(tensors, ["weight"], "Conv")
        kernel = np.moveaxis(weight, (0, 1), (-1, -2))                        # (*k, in/g, out)
        return _checked(layer, [kernel] + [tensors[b] for b in bias]), ["weight"] + bias
    if isinstance(layer, L.BatchNormalization):
        leaves = (["weight"] if layer.scale else []) + (["bias"] if layer.center else []) + [
            "running_mean", "running_var"]
        return _checked(layer, _take(tensors, leaves, "BatchNorm")), leaves
    if isinstance(layer, L.LayerNormalization):
        leaves = [n for n in ("weight", "bias") if n in tensors][:len(layer.weights)]
        return _checked(layer, _take(tensors, leaves, "LayerNorm")), leaves
    if isinstance(layer, L.Embedding):
        return _checked(layer, _take(tensors, ["weight"], "Embedding")), ["weight"]
    if isinstance(layer, (L.LSTM, L.GRU)):
        return _recurrent(layer, tensors)
    raise ValueError(f"no torch mapping for a {type(layer).__name__} layer")


def _recurrent(layer, tensors):
    from .. import layers as L
    leaves = ["weight_ih_l0", "weight_hh_l0"]
    w_ih, w_hh = _take(tensors, leaves, type(layer).__name__)
    has_bias = len(layer.weights) == 3
    b_ih, b_hh = _take(tensors, ["bias_ih_l0", "bias_hh_l0"], "LSTM") if has_bias else (None, None)
    extra = sorted(set(tensors) - set(leaves) - {"bias_ih_l0", "bias_hh_l0"})
    if extra:
        raise ValueError(f"only one-layer unidirectional torch RNNs are mapped; also found {extra}")
    if isinstance(layer, L.GRU):  # torch gates (r, z, n) -> Keras (z, r, h)
        def order(a):
            r, z, n = np.split(a, 3, axis=0)
            return np.concatenate([z, r, n], axis=0)
        w_ih, w_hh = order(w_ih), order(w_hh)
        if has_bias:
            b_ih, b_hh = order(b_ih), order(b_hh)
            bias = np.stack([b_ih, b_hh]) if layer.cell.reset_after else None
            if bias is None:
                raise ValueError("torch's GRU is Keras's reset_after=True")
    elif has_bias:
        bias = b_ih + b_hh
    arrays = [w_ih.T, w_hh.T] + ([bias] if has_bias else [])
    return _checked(layer, arrays), leaves + (["bias_ih_l0", "bias_hh_l0"] if has_bias else [])


def _checked(layer, arrays):
    shapes = [tuple(v.shape) for v in layer.weights]
    got = [tuple(a.shape) for a in arrays]
    if shapes != got:
        raise ValueError(f"the layer's weights have shapes {shapes}, the converted torch tensors {got}")
    return [np.ascontiguousarray(a) for a in arrays]
