"""The plugin contract: every hook a tinykeras plugin may implement.

A plugin is any object or module with functions marked ``@hookimpl`` whose
names match the hooks below.  Plugins are found through the entry-point
group ``tinykeras`` (or registered by hand with ``tk.registry.register``).
The NumPy reference backend in ``tinykeras/numpy_plugin/numpy_backend.py`` is
registered exactly like an external plugin, with ``trylast=True`` so that
every other plugin can override it.

When are hooks called?  Each hook runs once per plugin, when the kernel
table is (re)built: at import time for the built-in and entry-point
plugins, and again whenever a plugin is registered or unregistered.  In
each rebuild the four hooks run in this order: ops, backends, kernels,
serializables (so a kernel may be given for an op that another plugin
declares).  Per-op dispatch never calls pluggy: ``a + b`` looks its kernel
up in a dict.

Which backends does a plugin support?  Those it gives kernels for:
``register("opencl", "snake", fn)`` makes op ``snake`` run natively on
``opencl``.  Only a plugin that *provides* a backend (a new kind of array)
implements ``tinykeras_register_backends``.  On a backend with no kernel
for an op, the op's composite runs (an op without one raises
NotImplementedError there).  Kernels for a backend that may not be
installed belong behind an import guard (``try: import tinykeras_opencl``).

Precedence.  Hook implementations run in pluggy's order: ``tryfirst``
plugins first, then ordinary plugins (the most recently registered first),
then ``trylast`` ones (the NumPy reference).  For each ``(backend, op)`` the
first kernel registered wins; later ones are recorded as *shadowed* and
shown by ``python -m tinykeras plugins``.  Two plugins giving the same kernel
at the same priority is a conflict: the first still wins and a
``RuntimeWarning`` names both plugins.

Example, a complete plugin that replaces the NumPy ``relu`` kernel (the
``tinykeras-example`` distribution in ``plugins/`` is a fuller one, with an
op, its kernels and a layer; ``docs/plugins.md`` walks through it)::

    import numpy as np
    from tinykeras import hookimpl

    @hookimpl(tryfirst=True)
    def tinykeras_register_kernels(register):
        register("numpy", "relu", lambda x: np.maximum(x, 0))

Errors.  A plugin that raises while importing or while running a hook, that
registers a kernel for an op nobody declared, gives a kernel that is not
callable or whose signature cannot take the op's inputs and parameters, or
declares an op name that is already declared, is skipped as a whole: a
``RuntimeWarning`` names it and the reason, and the table is rebuilt without
it.  ``python -m tinykeras plugins`` lists such failures.
"""
import pluggy

hookspec = pluggy.HookspecMarker("tinykeras")
hookimpl = pluggy.HookimplMarker("tinykeras")


@hookspec
def tinykeras_register_backends(register):
    """Declare backends (array libraries or devices) this plugin provides.

    Call ``register(name, describe=None)`` once per backend.  ``describe``
    is an optional zero-argument callable returning a one-line description
    (for example the OpenCL device); it is called lazily, only when the
    backend is listed or selected, so importing a plugin never touches a device.

    A backend's arrays must have ``.shape`` (tuple of ints) and ``.dtype``
    (a NumPy dtype).  It must supply a kernel for every *primitive* op (see
    ``tinykeras.core.registry.primitives()``); ``tk.backend.set_backend``
    refuses a backend with missing primitives and lists them.
    """


@hookspec
def tinykeras_register_ops(register):
    """Declare new ops: ``register(OpDef(...))``.

    An ``OpDef`` (:class:`tinykeras.core.registry.OpDef`) gives the op's
    name, how many tensor inputs it takes, its parameters, an optional
    composite implementation written with existing ops (used when a
    backend has no kernel for it), an
    optional backward rule ``rule(g, out, *inputs, **params) -> grads``,
    and a ``sample`` function the test-suite uses to draw inputs.  Ops are
    then callable as ``tinykeras.core.apply(name, tensors, params)``; a
    plugin usually wraps that in a function of its own.  Declaring a name
    that already exists (a core op, another plugin's, or twice) is an error.
    """


@hookspec
def tinykeras_register_kernels(register):
    """Give kernels: ``register(backend, op, fn)``.

    ``fn`` receives backend arrays (never Tensors) in the op's input order,
    then the op's parameters as keyword arguments, and returns a backend
    array.  Kernel signatures, in NumPy semantics:

    * creation: ``asarray(np_array)``, ``to_numpy(x)``, ``full(shape, value, dtype)``
    * unary: ``f(x)`` for negative, exp, log, log1p, expm1, sqrt, abs, sign,
      sin, cos, tanh, erf, floor, ceil, round, logical_not
    * binary: ``f(x, y)`` for add, subtract, multiply, divide, power,
      maximum, minimum, floor_divide, mod, equal, not_equal, less,
      less_equal, greater, greater_equal, logical_and, logical_or.  Both
      inputs have the same dtype (the core casts first); shapes broadcast.
      Comparisons and logical ops return bool.
    * ``where(cond, x, y)``
    * reductions ``sum/max/min/prod(x, axis, keepdims)`` with ``axis`` a
      tuple of non-negative ints or None; ``argmax/argmin(x, axis, keepdims)``
      with an int or None axis, returning int32
    * movement: ``reshape(x, shape)``, ``transpose(x, axes)``,
      ``broadcast_to(x, shape)``, ``pad(x, pad_width, value)`` (pad_width a
      tuple of (before, after) pairs), ``concatenate(*xs, axis)``,
      ``getitem(x, key)`` (key a tuple of ints, slices, None, Ellipsis and
      int64 NumPy index arrays), ``index_add(values, key, shape)`` (a zero
      array of ``shape`` with ``values`` added at ``x[key]``, duplicates
      accumulating: the gradient of getitem), ``cast(x, dtype)``,
      ``matmul(x, y)`` (NumPy's, batch dimensions broadcast)

    A kernel for a *composite* op (softmax, conv, an optimizer update, ...)
    replaces the composite on that backend; see ``tk.ops`` for each
    composite's parameters.
    """


@hookspec
def tinykeras_register_serializables(register):
    """Make classes loadable from model files: ``register(cls, package)``.

    Registered layers, losses, metrics, initializers and the like are
    saved as ``"package>ClassName"`` and looked up by that name (never by
    module path) when a file is loaded.  ``package`` defaults to the
    plugin's name.  Import the classes inside the hook, so that a plugin
    module stays cheap to import.
    """
