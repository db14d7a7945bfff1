"""The functional API: ``Model(inputs, outputs)`` over any graph of layers.

>>> import tinykeras as tk
>>> a, b = tk.Input((3,), name="a"), tk.Input((3,), name="b")
>>> out = tk.layers.Dense(1)(tk.layers.Concatenate()([a, b]))
>>> model = tk.Model([a, b], out)
>>> [layer.name for layer in model.layers][:2]
['a', 'b']
"""
from ..layers.core.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.symbolic import KerasTensor
from ..tree import flatten, map_structure
from .model import Model


def _walk(outputs):
    """Nodes that produce ``outputs``, each after the nodes it depends on."""
    order, seen = [], set()
    stack = [(t._keras_history[0]._inbound_nodes[t._keras_history[1]], False)
             for t in reversed(flatten(outputs))]
    while stack:
        node, done = stack.pop()
        if done:
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
            continue
        if id(node) in seen:
            continue
        stack.append((node, True))
        stack.extend((parent, False) for parent in reversed(node.parent_nodes) if id(parent) not in seen)
    return order


def _keras_layer_order(inputs, outputs):
    """The model's layers in Keras's order (which fixes the order of
    ``weights``): by depth counted back from the outputs, deepest first, ties
    by when a depth-first walk from the outputs first meets the layer."""
    flat_inputs = flatten(inputs)
    post_order, first_seen, finished = [], {}, set()

    def enter(tensor):  # a frame [node, its parents] to walk, or None
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return None
        if not isinstance(layer, InputLayer) and any(tensor is t for t in flat_inputs):
            finished.add(id(node))
            return None
        first_seen.setdefault(id(layer), len(first_seen))
        return node, iter(node.input_tensors)

    for t in flatten(outputs):  # depth first, with a stack: a deep graph needs no recursion
        stack = [frame for frame in [enter(t)] if frame]
        while stack:
            node, parents = stack[-1]
            parent = next(parents, None)
            if parent is None:
                stack.pop()
                finished.add(id(node))
                post_order.append(node)
            elif (frame := enter(parent)) is not None:
                stack.append(frame)
    in_graph = {id(n) for n in post_order}
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)], node_depth[id(node)] = depth, depth
        layers[id(node.layer)] = node.layer
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in flat_inputs:
        layer = t._keras_history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)], first_seen[id(layer)], layers[id(layer)] = 0, -1, layer
    order = sorted(layers, key=lambda key: (-layer_depth[key], first_seen[key]))
    return [layers[key] for key in order]


class Functional(Model):
    """A model defined by its inputs and outputs (``keras.Model(inputs, outputs)``)."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for t in flatten(inputs) + flatten(outputs):
            if not isinstance(t, KerasTensor) or t._keras_history is None:
                raise ValueError(f"Model {self.name!r}: inputs and outputs must be symbolic tensors "
                                 f"made with keras.Input and layers, got {t!r}")
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._nodes = _walk(outputs)
        reached = {id(n.layer) for n in self._nodes}
        for t in flatten(inputs):
            layer = t._keras_history[0]
            if not isinstance(layer, InputLayer):
                raise ValueError(f"Model {self.name!r}: input {t!r} does not come from keras.Input")
            if id(layer) not in reached:
                self._nodes.insert(0, layer._inbound_nodes[0])
        for node in self._nodes:
            for t in node.input_tensors:
                if t._keras_history is not None and isinstance(t._keras_history[0], InputLayer) and \
                        all(t is not i for i in flatten(inputs)):
                    raise ValueError(f"Model {self.name!r}: the graph needs input {t.name!r}, "
                                     "which is not among the model's inputs")
        self._operations = _keras_layer_order(inputs, outputs)  # layers and op calls
        for layer in self._operations:
            if isinstance(layer, Layer):
                self._track(layer)
        self.built = True

    @property
    def operations(self):
        """Every node's operation (layers and ``tk.ops`` calls), in Keras's order."""
        return list(self._operations)

    @property
    def input(self):
        """The inputs as given to the constructor (a tensor, list or dict), as Keras 3."""
        return self._inputs_struct

    @property
    def output(self):
        """The outputs as given to the constructor, as Keras 3."""
        return self._outputs_struct

    @property
    def inputs(self):
        return flatten(self._inputs_struct)

    @property
    def outputs(self):
        return flatten(self._outputs_struct)

    @property
    def input_names(self):
        return [t.name for t in self.inputs]

    @property
    def output_names(self):
        return [t._keras_history[0].name for t in self.outputs]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _feed(self, data):
        """Match user data (array, list or dict by input name) to the inputs."""
        inputs = self.inputs
        if isinstance(data, dict):
            missing = [t.name for t in inputs if t.name not in data]
            if missing:
                raise ValueError(f"Model {self.name!r}: missing input(s) {missing}; the model "
                                 f"expects {self.input_names}, got keys {sorted(data)}")
            return [data[t.name] for t in inputs]
        values = flatten(data) if isinstance(data, (list, tuple)) else [data]
        if len(values) != len(inputs):
            raise ValueError(f"Model {self.name!r} expects {len(inputs)} input(s) "
                             f"{self.input_names}, but it received {len(values)} input tensors")
        return values

    def call(self, inputs, training=None, mask=None):
        values = {}
        for t, value in zip(self.inputs, self._feed(inputs)):
            layer = t._keras_history[0]
            values[id(t)] = layer._convert_input(value)
            check_input_shape(layer, values[id(t)])
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args, kwargs = map_structure(lambda x: values[id(x)] if isinstance(x, KerasTensor) else x,
                                         (node.args, node.kwargs))
            if training is not None and isinstance(node.layer, Layer):
                # As Keras 3: a training value given to the model overrides the one recorded on the
                # node (``layer(x, training=False)`` when the graph was built); at ``training=None``
                # the node's own value (or the layer's default) holds.
                kwargs = {**kwargs, "training": training}
            outs = node.layer(*args, **kwargs)
            for sym, real in zip(flatten(node.outputs), flatten(outs)):
                values[id(sym)] = real
        return map_structure(lambda t: values[id(t)], self._outputs_struct)

    def compute_output_shape(self, input_shape):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    def get_config(self):
        from ..saving.graph_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.graph_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)


def check_input_shape(layer, value):
    shape = getattr(value, "shape", None)
    expected = layer.batch_shape
    if shape is None:
        return
    if len(shape) != len(expected) or any(e is not None and e != s for e, s in zip(expected, shape)):
        raise ValueError(f'Input "{layer.name}" of the model expects shape '
                         f"{expected}, but received input with shape {tuple(shape)}")
