"""Process-wide naming state: unique names, ``get_uid``, ``name_scope``, ``clear_session``.

As in Keras 3, one counter per prefix names every layer, optimizer and
loss (``dense``, ``dense_1``...) and answers ``get_uid``;
``clear_session()`` starts the counting again.  ``name_scope`` prefixes
the ``path`` of the variables created inside it.

>>> clear_session()
>>> uniquify("dense"), uniquify("dense"), get_uid("dense")
('dense', 'dense_1', 3)
>>> with name_scope("encoder"):
...     with name_scope("block"):
...         current_path()
'encoder/block'
"""
import collections
import gc
import re
import threading

NAME_UIDS = collections.defaultdict(int)  # prefix -> how many names were given
_SCOPES = threading.local()  # .stack: the open name_scopes of this thread


def uniquify(name):
    """``name`` the first time, then ``name_1``, ``name_2``... (Keras's ``uniquify``)."""
    unique = f"{name}_{NAME_UIDS[name]}" if name in NAME_UIDS else name
    NAME_UIDS[name] += 1
    return unique


def snake_case(name):
    """``"GlorotUniform"`` -> ``"glorot_uniform"``, as Keras's ``to_snake_case``.

    >>> snake_case("SparseCategoricalCrossentropy"), snake_case("AUC"), snake_case("L1L2")
    ('sparse_categorical_crossentropy', 'auc', 'l1l2')
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name if name[:1] != "_" else "private" + name


def auto_name(class_name):
    """A fresh name like Keras's ``auto_name``: ``adam``, then ``adam_1``, ...
    (layers, losses, metrics and optimizers all take theirs from here).

    >>> NAME_UIDS.clear(); auto_name("MyThing"), auto_name("MyThing")
    ('my_thing', 'my_thing_1')
    """
    return uniquify(snake_case(class_name))


def get_uid(prefix=""):
    """A counter per ``prefix``: 1, 2, 3... (``keras.backend.get_uid``).

    It shares its counts with automatic names: after ``Dense()`` named
    ``dense``, ``get_uid("dense")`` is 2.

    >>> clear_session(); get_uid("x"), get_uid("x"), get_uid("y")
    (1, 2, 1)
    """
    NAME_UIDS[prefix] += 1
    return NAME_UIDS[prefix]


def clear_session(free_memory=True):
    """Resets the state tinykeras keeps: name counters and open name scopes.

    After it, new layers are named from scratch (``dense``, not
    ``dense_10``).  ``free_memory`` also runs Python's garbage collector.

    >>> import tinykeras as keras
    >>> _ = [keras.layers.Dense(1) for _ in range(3)]
    >>> keras.backend.clear_session()
    >>> keras.layers.Dense(1).name
    'dense'
    """
    NAME_UIDS.clear()
    _SCOPES.stack = []
    if free_memory:
        gc.collect()


def _stack():
    if not hasattr(_SCOPES, "stack"):
        _SCOPES.stack = []
    return _SCOPES.stack


class name_scope:
    """A context manager that prefixes the paths of new variables (``keras.name_scope``).

    Args:
        name: the scope's name (a string without ``/``).
        caller: the object opening the scope; with ``deduplicate``, the same
            caller re-entering a scope of the same name does not nest it.
        deduplicate: see ``caller``.
        override_parent: a path that replaces the enclosing scopes.

    >>> import tinykeras as keras
    >>> with keras.name_scope("outer"):
    ...     v = keras.Variable([1.0], name="w")
    >>> v.path
    'outer/w'
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name}")
        self.name, self.caller, self.deduplicate = name, caller, deduplicate
        self.override_parent = override_parent
        if override_parent is None and deduplicate and getattr(caller, "_parent_path", None) is not None:
            self.override_parent = caller._parent_path
        self._pop_on_exit = False

    def __enter__(self):
        stack = _stack()
        if self.deduplicate and stack and self.caller is not None:
            if stack[-1].caller is self.caller and stack[-1].name == self.name:
                return self
        stack.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc_info):
        if self._pop_on_exit and _stack():
            _stack().pop()


def current_path():
    """The ``/``-joined names of the open scopes (``""`` outside any)."""
    parts = []
    for scope in _stack():
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(parts)


def scoped(name):
    """``name`` inside the current scope's path: ``"outer/w"``, or ``"w"``."""
    path = current_path()
    return f"{path}/{name}" if path else name
