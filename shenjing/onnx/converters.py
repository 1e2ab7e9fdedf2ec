"""ONNX converters for the elementwise, activation, shape, reduction and indexing ops.

Each converter gets (ctx, args, kwargs, outputs) of one recorded op application
(args as given to ``Function.apply``: Tensors, numbers, tuples) and returns the ONNX
name of each output. Layer ops (linear, conv, pooling, normalization, recurrent,
embedding) are in ``converters_nn.py``.
"""
import math

import numpy as np

from .export import ExportError, register

INT64_MAX = np.iinfo(np.int64).max


def _dtype(outs, i=0):
    return outs[i]._data.dtype


def _cast_to(ctx, x, dtype):
    """Name of x as ``dtype`` (a Cast node for traced values of another dtype)."""
    if ctx.is_dynamic(x) and x._data.dtype != dtype:
        to = ctx.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        return ctx.node("Cast", [ctx.name(x)], to=to)
    return ctx.name(x, dtype)


# ------------------------------------------------------------- elementwise
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Maximum": "Max",
           "MatMul": "MatMul"}


@register(*_BINARY)
def binary(ctx, args, kw, outs):
    dt = _dtype(outs)
    return ctx.node(_BINARY[ctx.op], [_cast_to(ctx, a, dt) for a in args[:2]])


@register("Pow")
def pow_(ctx, args, kw, outs):
    dt = _dtype(outs)
    return ctx.node("Pow", [_cast_to(ctx, args[0], dt), _cast_to(ctx, args[1], dt)])


_UNARY = {"Neg": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Abs": "Abs",
          "Sin": "Sin", "Cos": "Cos", "ReLU": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh",
          "Clone": "Identity"}


@register(*_UNARY)
def unary(ctx, args, kw, outs):
    return ctx.node(_UNARY[ctx.op], [ctx.name(args[0])])


@register("Log1p")
def log1p(ctx, args, kw, outs):
    x = ctx.name(args[0])
    return ctx.node("Log", [ctx.node("Add", [x, ctx.name(1.0, _dtype(outs))])])


@register("LeakyReLU")
def leaky_relu(ctx, args, kw, outs):
    return ctx.node("LeakyRelu", [ctx.name(args[0])], alpha=float(args[1]))


@register("ELU")
def elu(ctx, args, kw, outs):
    return ctx.node("Elu", [ctx.name(args[0])], alpha=float(args[1]))


@register("SiLU")
def silu(ctx, args, kw, outs):
    x = ctx.name(args[0])
    return ctx.node("Mul", [x, ctx.node("Sigmoid", [x])])


@register("Softplus")
def softplus(ctx, args, kw, outs):
    x, beta = ctx.name(args[0]), float(args[1])
    if beta == 1.0:
        return ctx.node("Softplus", [x])
    b = ctx.name(beta, _dtype(outs))
    return ctx.node("Div", [ctx.node("Softplus", [ctx.node("Mul", [x, b])]), b])


@register("GELU")
def gelu(ctx, args, kw, outs):
    x, dt = ctx.name(args[0]), _dtype(outs)
    approximate = args[1] if len(args) > 1 else kw.get("approximate", "none")
    if ctx.opset >= 20:
        return ctx.node("Gelu", [x], approximate=approximate)
    c = lambda v: ctx.name(v, dt)  # noqa: E731
    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = ctx.node("Mul", [ctx.node("Pow", [x, c(3.0)]), c(0.044715)])
        inner = ctx.node("Mul", [ctx.node("Add", [x, cube]), c(math.sqrt(2 / math.pi))])
        t = ctx.node("Tanh", [inner])
    else:                      # 0.5 x (1 + erf(x / sqrt 2))
        t = ctx.node("Erf", [ctx.node("Div", [x, c(math.sqrt(2.0))])])
    return ctx.node("Mul", [ctx.node("Mul", [x, c(0.5)]), ctx.node("Add", [t, c(1.0)])])


@register("Softmax", "LogSoftmax")
def softmax(ctx, args, kw, outs):
    dim = args[1] if len(args) > 1 else kw.get("dim", -1)
    return ctx.node(ctx.op, [ctx.name(args[0])], axis=int(dim))


@register("Clamp")
def clamp(ctx, args, kw, outs):
    dt = _dtype(outs)
    lo = args[1] if len(args) > 1 else kw.get("lo")
    hi = args[2] if len(args) > 2 else kw.get("hi")
    bound = lambda v: "" if v is None else _cast_to(ctx, v, dt)  # noqa: E731
    return ctx.node("Clip", [ctx.name(args[0]), bound(lo), bound(hi)])


@register("Cast")
def cast(ctx, args, kw, outs):
    to = ctx.onnx.helper.np_dtype_to_tensor_dtype(_dtype(outs))
    return ctx.node("Cast", [ctx.name(args[0])], to=to)


@register("Where")
def where(ctx, args, kw, outs):
    dt = _dtype(outs)
    return ctx.node("Where", [ctx.name(args[0], np.bool_), _cast_to(ctx, args[1], dt),
                              _cast_to(ctx, args[2], dt)])


# ------------------------------------------------------------------ shape
@register("Reshape")
def reshape(ctx, args, kw, outs):
    x, out_shape = args[0], list(outs[0].shape)
    # keep a leading batch axis symbolic (0 = "copy this dim from the input")
    if out_shape and x.ndim and x.shape[0] == out_shape[0] and out_shape[0] != 0:
        out_shape[0] = 0
    return ctx.node("Reshape", [ctx.name(x), ctx.ints(out_shape)])


@register("Permute")
def permute(ctx, args, kw, outs):
    return ctx.node("Transpose", [ctx.name(args[0])], perm=[int(a) for a in args[1]])


@register("Expand")
def expand(ctx, args, kw, outs):
    x, target = args[0], list(outs[0].shape)
    lead = len(target) - x.ndim
    # dims already of the right size become 1 so that they follow the input
    shape = [1 if i >= lead and x.shape[i - lead] == d else d for i, d in enumerate(target)]
    return ctx.node("Expand", [ctx.name(x), ctx.ints(shape)])


@register("Cat")
def cat(ctx, args, kw, outs):
    dim = kw.get("dim", 0) % outs[0].ndim
    return ctx.node("Concat", [_cast_to(ctx, a, _dtype(outs)) for a in args], axis=dim)


@register("Stack")
def stack(ctx, args, kw, outs):
    dim = kw.get("dim", 0) % outs[0].ndim
    parts = [ctx.node("Unsqueeze", [_cast_to(ctx, a, _dtype(outs)), ctx.ints([dim])])
             for a in args]
    return ctx.node("Concat", parts, axis=dim)


@register("Repeat")
def repeat(ctx, args, kw, outs):
    x, reps = args[0], [int(r) for r in args[1]]
    name = ctx.name(x)
    if len(reps) > x.ndim:
        name = ctx.node("Unsqueeze", [name, ctx.ints(range(len(reps) - x.ndim))])
    return ctx.node("Tile", [name, ctx.ints(reps)])


@register("Flip")
def flip(ctx, args, kw, outs):
    axes = [int(a) for a in args[1]]
    n = len(axes)
    return ctx.node("Slice", [ctx.name(args[0]), ctx.ints([-1] * n), ctx.ints([-INT64_MAX] * n),
                              ctx.ints(axes), ctx.ints([-1] * n)])


@register("Pad")
def pad(ctx, args, kw, outs):
    x, widths, value = args[0], args[1], args[2] if len(args) > 2 else kw.get("value", 0)
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    return ctx.node("Pad", [ctx.name(x), ctx.ints(pads), ctx.name(value, _dtype(outs))],
                    mode="constant")


@register("_CumSum")
def cumsum(ctx, args, kw, outs):
    dim = args[1] if len(args) > 1 else kw["dim"]
    return ctx.node("CumSum", [_cast_to(ctx, args[0], _dtype(outs)),
                               ctx.const(np.asarray(int(dim), np.int64))])


# ------------------------------------------------------------- reductions
def _axes(axes, ndim):
    if axes is None:
        return list(range(ndim))
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    return [int(a) % ndim for a in axes]


def reduce(ctx, op, x_name, axes, keepdim):
    """ReduceX over ``axes``; axes moved from an attribute to an input in opset 18
    (ReduceSum in opset 13)."""
    if op == "ReduceSum" or ctx.opset >= 18:
        return ctx.node(op, [x_name, ctx.ints(axes)], keepdims=int(bool(keepdim)))
    return ctx.node(op, [x_name], axes=axes, keepdims=int(bool(keepdim)))


@register("Sum", "Mean", "LogSumExp", "Prod")
def reductions(ctx, args, kw, outs):
    x = args[0]
    op = {"Sum": "ReduceSum", "Mean": "ReduceMean", "LogSumExp": "ReduceLogSumExp",
          "Prod": "ReduceProd"}[ctx.op]
    keep = args[2] if len(args) > 2 else kw.get("keepdim", False)
    return reduce(ctx, op, _cast_to(ctx, x, _dtype(outs)), _axes(args[1], x.ndim), keep)


@register("AMax")
def amax(ctx, args, kw, outs):
    x, axes, keep, take_min = args[:4]
    return reduce(ctx, "ReduceMin" if take_min else "ReduceMax", ctx.name(x),
                  _axes(axes, x.ndim), keep)


@register("MaxDim")
def max_dim(ctx, args, kw, outs):
    x, dim, keep, take_min = args[:4]
    dim = int(dim) % x.ndim
    name = ctx.name(x)
    values = reduce(ctx, "ReduceMin" if take_min else "ReduceMax", name, [dim], keep)
    index = ctx.node("ArgMin" if take_min else "ArgMax", [name], axis=dim,
                     keepdims=int(bool(keep)))
    return [values, index]


# --------------------------------------------------------------- indexing
def _index_parts(key, ndim):
    """Expand a basic index into one entry per input axis (plus None for new axes)."""
    key = key if isinstance(key, tuple) else (key,)
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    out = []
    for k in key:
        if k is Ellipsis:
            out += [slice(None)] * (ndim - used)
        else:
            out.append(k)
    return out + [slice(None)] * (ndim - sum(1 for k in out if k is not None))


@register("GetItem")
def getitem(ctx, args, kw, outs):
    x, key = args[0], args[1]
    if isinstance(key, np.ndarray) or (isinstance(key, tuple) and any(
            isinstance(k, (np.ndarray, list)) for k in key)):
        return _advanced_getitem(ctx, x, key)
    name, axis, starts, ends, axes, steps = ctx.name(x), 0, [], [], [], []
    picks, new_axes = [], []
    for k in _index_parts(key, x.ndim):
        if k is None:
            new_axes.append(axis + len(new_axes) - len(picks))
            continue
        if isinstance(k, slice):
            if k != slice(None):
                start, stop, step = k.indices(x.shape[axis])
                if step < 0 and stop < 0:
                    stop = -INT64_MAX
                starts, ends, axes, steps = starts + [start], ends + [stop], axes + [axis], \
                    steps + [step]
        elif isinstance(k, (int, np.integer)):
            picks.append(axis)
            starts, ends, axes, steps = starts + [int(k)], ends + [
                int(k) + 1 if int(k) != -1 else INT64_MAX], axes + [axis], steps + [1]
        else:
            raise ExportError(f"GetItem: index {k!r} has no ONNX form here")
        axis += 1
    if axes:
        name = ctx.node("Slice", [name, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes),
                                  ctx.ints(steps)])
    if picks:
        name = ctx.node("Squeeze", [name, ctx.ints(picks)])
    if new_axes:
        name = ctx.node("Unsqueeze", [name, ctx.ints(new_axes)])
    return name


def _advanced_getitem(ctx, x, key):
    """x[idx] or x[:, idx] with one integer array: a Gather along that axis."""
    parts = key if isinstance(key, tuple) else (key,)
    arrays = [i for i, k in enumerate(parts) if not isinstance(k, slice)]
    if len(arrays) != 1 or any(k != slice(None) for k in parts if isinstance(k, slice)):
        raise ExportError("GetItem: only one integer-array index (other axes ':') "
                          "has an ONNX form here")
    index = np.asarray(parts[arrays[0]])
    if index.dtype.kind not in "iu":
        raise ExportError("GetItem: boolean-mask indexing has no static ONNX form")
    return ctx.node("Gather", [ctx.name(x), ctx.const(index.astype(np.int64))],
                    axis=arrays[0])


@register("Gather")
def gather(ctx, args, kw, outs):
    x, dim, index = args[:3]
    return ctx.node("GatherElements", [ctx.name(x), _cast_to(ctx, index, np.int64)],
                    axis=int(dim) % x.ndim)


from . import converters_nn  # noqa: E402,F401  (layer ops register themselves)
