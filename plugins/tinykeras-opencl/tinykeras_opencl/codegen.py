"""OpenCL C source generation: one template for every elementwise op.

Every elementwise kernel (unary, binary, ``where``, ``cast``, the fused
``relu``/``sigmoid``, and every copy that transposes, broadcasts, pads,
slices or concatenates) is *the same kernel* with a different expression.
``CODE_FOR_OP`` maps an op name to that expression, written in the inputs
``a``, ``b``, ``c`` and the compute type ``CT``::

    >>> CODE_FOR_OP["add"]
    'a + b'
    >>> CODE_FOR_OP["abs"]          # (floating-point form, integer form)
    ('fabs(a)', '(a < 0 ? -a : a)')

:func:`map_source` wraps an expression in a kernel in which work-item ``i``
turns its output index into an offset for every operand, using each
operand's element strides.  A broadcast dimension has stride 0, so
broadcasting and transposing cost nothing extra.  Before a launch,
:func:`collapse` merges dimensions that every operand walks contiguously,
so the common cases (same shapes; a bias added to every row) become rank 1
or 2 and need little index arithmetic.

Index arithmetic uses ``IDX``: 32-bit ``int`` when everything fits (fast on
GPUs), else 64-bit ``long``.
"""
import numpy as np

CODE_FOR_OP = {
    # unary
    "negative": "-a", "exp": "exp(a)", "log": "log(a)", "log1p": "log1p(a)",
    "expm1": "expm1(a)", "sqrt": "sqrt(a)", "sin": "sin(a)", "cos": "cos(a)",
    "tanh": "tanh(a)", "erf": "erf(a)", "logical_not": "!a",
    "abs": ("fabs(a)", "(a < 0 ? -a : a)"),
    "sign": ("(isnan(a) ? a : (CT)((a > 0) - (a < 0)))", "(CT)((a > 0) - (a < 0))"),
    "floor": ("floor(a)", "a"), "ceil": ("ceil(a)", "a"),
    "round": ("rint(a)", "a"),  # rint rounds half to even, as NumPy does
    # binary
    "add": "a + b", "subtract": "a - b", "multiply": "a * b", "divide": "a / b",
    "power": ("pow(a, b)", "tk_ipow(a, b)"),
    "maximum": ("(a > b || isnan(a)) ? a : b", "(a > b ? a : b)"),  # NaN wins, as in NumPy
    "minimum": ("(a < b || isnan(a)) ? a : b", "(a < b ? a : b)"),
    "floor_divide": ("tk_floordiv(a, b)", "tk_idiv(a, b)"),
    "mod": ("tk_mod(a, b)", "tk_imod(a, b)"),
    "equal": "a == b", "not_equal": "a != b", "less": "a < b", "less_equal": "a <= b",
    "greater": "a > b", "greater_equal": "a >= b",
    "logical_and": "(a != 0) && (b != 0)", "logical_or": "(a != 0) || (b != 0)",
    # ternary, copies, fused activations
    "where": "(c != 0) ? a : b", "cast": "a", "copy": "a",
    "relu": ("(a > 0 || isnan(a)) ? a : (CT)0", "(a > 0 ? a : (CT)0)"),
    "sigmoid": "a >= 0 ? (CT)1 / ((CT)1 + exp(-a)) : exp(a) / ((CT)1 + exp(a))",
}

# Helpers that NumPy semantics need (Python-style floor division and modulo,
# integer powers); the compiler drops the ones a kernel does not call.
FLOAT_HELPERS = """
inline CT tk_mod(CT a, CT b) {            /* numpy.mod: the sign follows b */
    CT m = fmod(a, b);
    if (b == 0) return m;
    if (m != 0) { if ((b < 0) != (m < 0)) m += b; } else m = copysign((CT)0, b);
    return m;
}
inline CT tk_floordiv(CT a, CT b) {       /* numpy.floor_divide (npy_divmod) */
    if (b == 0) return a / b;
    CT m = fmod(a, b), d = (a - m) / b;
    if (m != 0 && ((b < 0) != (m < 0))) d -= 1;
    if (d == 0) return copysign((CT)0, a / b);
    CT f = floor(d);
    return (d - f > (CT)0.5) ? f + 1 : f;
}
"""
SIGNED_HELPERS = """
inline CT tk_idiv(CT a, CT b) {           /* floor division; x // 0 == 0 as in NumPy */
    if (b == 0) return 0;
    if (b == -1) return (CT)(0 - a);      /* avoids the MIN / -1 trap */
    CT q = a / b;
    return ((a % b != 0) && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline CT tk_imod(CT a, CT b) {
    if (b == 0 || b == -1) return 0;
    CT r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
"""
UNSIGNED_HELPERS = """
inline CT tk_idiv(CT a, CT b) { return b == 0 ? 0 : a / b; }
inline CT tk_imod(CT a, CT b) { return b == 0 ? 0 : a % b; }
"""
IPOW_HELPER = """
inline CT tk_ipow(CT a, CT b) {           /* square-and-multiply */
    CT r = 1;
    for (; b > 0; b >>= 1) { if (b & 1) r *= a; a *= a; }
    return r;
}
"""
FLOATS = ("half", "float", "double")


def arith_type(ctype):
    """The type kernels compute in: ``half`` is only loaded and stored, as float."""
    return "float" if ctype == "half" else ctype


def expression(op, ctype):
    """The C expression for ``op`` in compute type ``ctype`` (picks the int form)."""
    code = CODE_FOR_OP[op]
    if isinstance(code, tuple):
        return code[0] if ctype in FLOATS else code[1]
    return code


def helpers(ctype):
    if ctype == "tk_bool":  # no arithmetic helpers needed
        return ""
    if ctype in FLOATS:
        return FLOAT_HELPERS
    return (UNSIGNED_HELPERS if ctype.startswith("u") else SIGNED_HELPERS) + IPOW_HELPER


def load(ctype, pointer, at):
    """C expression reading element ``at`` (``half`` needs vload_half: no fp16 extension)."""
    return f"vload_half({at}, {pointer})" if ctype == "half" else f"{pointer}[{at}]"


def store(ctype, pointer, at, expr):
    """C statement writing ``expr`` to element ``at``.

    Bools hold exactly 0 or 1; ``half`` is rounded to nearest even by vstore_half;
    everything else is a plain C conversion.
    """
    if ctype == "half":
        return f"vstore_half((float)({expr}), {at}, {pointer});"
    if ctype == "tk_bool":
        return f"{pointer}[{at}] = (tk_bool)(({expr}) != 0);"
    return f"{pointer}[{at}] = ({ctype})({expr});"


def index_type(*sizes):
    """``"int"`` when every offset fits in 31 bits, else ``"long"``."""
    return "int" if max(sizes, default=0) < 2**31 else "long"


def collapse(shape, *strides):
    """Merge adjacent dims that every operand walks contiguously; drop size-1 dims.

    Returns ``(shape, [strides per operand])``.  Two dims ``(n0, n1)`` merge
    when, for every operand, ``stride0 == stride1 * n1``:

    >>> collapse((2, 3, 4), (12, 4, 1), (0, 0, 1))  # a (4,) bias broadcast over (2, 3, 4)
    ((6, 4), [(4, 1), (0, 1)])
    """
    dims = []
    for k, n in enumerate(shape):
        if n == 1:
            continue
        st = [s[k] for s in strides]
        if dims and all(p == c * n for p, c in zip(dims[-1][1], st)):
            dims[-1] = (dims[-1][0] * n, st)
        else:
            dims.append((n, st))
    if not dims:
        dims = [(1, [0] * len(strides))]
    return tuple(n for n, _ in dims), [tuple(d[1][j] for d in dims) for j in range(len(strides))]


def shape_params(prefix, ndim):
    """Kernel parameters ``const IDX {prefix}1..`` for dims 1.. (dim 0 needs no size)."""
    return [f"const IDX {prefix}{d}" for d in range(1, ndim)]


def operand_params(name, ndim):
    return [f"const IDX {name}_off"] + [f"const IDX {name}_st{d}" for d in range(ndim)]


def unravel(index, shape_prefix, ndim, operands):
    """C code adding the coordinates of ``index`` times each operand's strides to its offset.

    Operand ``x`` has its offset in variable ``x_at`` and its strides in ``x_st0..``:

    >>> print(unravel("i", "s", 2, ["x"]))
    { IDX rem = i;
      { const IDX k = rem % s1; rem /= s1; x_at += k * x_st1; }
      x_at += rem * x_st0; }
    """
    lines = [f"{{ IDX rem = {index};"]
    for d in range(ndim - 1, 0, -1):
        adds = " ".join(f"{op}_at += k * {op}_st{d};" for op in operands)
        lines.append(f"  {{ const IDX k = rem % {shape_prefix}{d}; rem /= {shape_prefix}{d}; {adds} }}")
    lines.append("  " + " ".join(f"{op}_at += rem * {op}_st0;" for op in operands) + " }")
    return "\n".join(lines)


def map_source(op, out_ct, in_cts, compute_ct, ndim, idx, names="abc", family=()):
    """Source of kernel ``map_<op>``: ``out[i] = op(inputs...)`` over an ``ndim``-rank grid.

    ``family`` names more ops with the same operand types: their kernels
    ``map_<other>`` go into the same source, so that one compilation serves
    them all (see :func:`elementwise.family`).

    >>> src = map_source("add", "float", ["float", "float"], "float", 1, "int", family=["multiply"])
    >>> "out_p[out_at] = (float)(a + b);" in src, "__kernel void map_multiply(" in src
    (True, True)
    """
    names, compute_ct = list(names[:len(in_cts)]), arith_type(compute_ct)
    params = [f"__global {out_ct} *out_p"] + operand_params("out", ndim)
    for name, ct in zip(names, in_cts):
        params += [f"__global const {ct} *{name}_p"] + operand_params(name, ndim)
    params += ["const IDX n"] + shape_params("s", ndim)
    offsets = ", ".join(f"{x}_at = {x}_off" for x in ["out"] + names)
    loads = "".join(f"\n    const CT {x} = (CT){load(ct, x + '_p', x + '_at')};"
                    for x, ct in zip(names, in_cts))
    kernels = "".join(f"""
__kernel void map_{name}({", ".join(params)})
{{
    const IDX i = (IDX)get_global_id(0);
    if (i >= n) return;
    IDX {offsets};
    {unravel("i", "s", ndim, ["out"] + names)}{loads}
    {store(out_ct, "out_p", "out_at", expression(name, compute_ct))}
}}
""" for name in dict.fromkeys([op, *family]))
    return f"""typedef {idx} IDX;
typedef {compute_ct} CT;
{helpers(compute_ct)}{kernels}"""


def map_scalar_dtypes(n_inputs, ndim, idx):
    """``set_scalar_arg_dtypes`` list matching :func:`map_source`'s parameters."""
    i = np.int32 if idx == "int" else np.int64
    operand = [None] + [i] * (ndim + 1)
    return operand * (n_inputs + 1) + [i] * ndim
