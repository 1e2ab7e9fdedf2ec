"""ONNX converters for layer ops: linear, convolution, pooling, normalization, embedding
and the recurrent layers (whose gate order differs between PyTorch and ONNX)."""
import numpy as np

from .export import ExportError, register


def _arg(args, kw, i, name, default=None):
    return args[i] if len(args) > i else kw.get(name, default)


@register("Linear")
def linear(ctx, args, kw, outs):
    x, w, b = args[0], args[1], _arg(args, kw, 2, "b")
    if x.ndim == 2:  # y = x W^T + b as one Gemm
        inputs = [ctx.name(x), ctx.name(w)] + ([ctx.name(b)] if b is not None else [])
        return ctx.node("Gemm", inputs, transB=1)
    y = ctx.node("MatMul", [ctx.name(x), ctx.node("Transpose", [ctx.name(w)], perm=[1, 0])])
    return y if b is None else ctx.node("Add", [y, ctx.name(b)])


@register("Conv2d")
def conv2d(ctx, args, kw, outs):
    x, w, b, stride, pads, dilation, groups = args[:7]
    t, btm, left, right = (int(p) for p in pads)
    inputs = [ctx.name(x), ctx.name(w)] + ([ctx.name(b)] if b is not None else [])
    return ctx.node("Conv", inputs, kernel_shape=list(w.shape[2:]), strides=list(stride),
                    pads=[t, left, btm, right], dilations=list(dilation), group=int(groups))


@register("ConvTranspose2d")
def conv_transpose2d(ctx, args, kw, outs):
    x, w, b, stride, pads, out_pad, dilation, groups = args[:8]
    t, btm, left, right = (int(p) for p in pads)
    inputs = [ctx.name(x), ctx.name(w)] + ([ctx.name(b)] if b is not None else [])
    return ctx.node("ConvTranspose", inputs, kernel_shape=list(w.shape[2:]),
                    strides=list(stride), pads=[t, left, btm, right],
                    output_padding=list(out_pad), dilations=list(dilation), group=int(groups))


@register("MaxPool2d")
def max_pool2d(ctx, args, kw, outs):
    x, kernel, stride, padding, dilation, ceil_mode = args[:6]
    y = ctx.node("MaxPool", [ctx.name(x)], kernel_shape=list(kernel), strides=list(stride),
                 pads=list(padding) * 2, dilations=list(dilation), ceil_mode=int(ceil_mode))
    return [y, None]  # the indices output has no equivalent here


@register("AvgPool2d")
def avg_pool2d(ctx, args, kw, outs):
    x, kernel, stride, padding, ceil_mode, count_include_pad = args[:6]
    if _arg(args, kw, 6, "divisor_override") is not None:
        raise ExportError("AvgPool2d: divisor_override has no ONNX form")
    return ctx.node("AveragePool", [ctx.name(x)], kernel_shape=list(kernel),
                    strides=list(stride), pads=list(padding) * 2, ceil_mode=int(ceil_mode),
                    count_include_pad=int(count_include_pad))


@register("AdaptiveAvgPool2d", "AdaptiveMaxPool2d")
def adaptive_pool2d(ctx, args, kw, outs):
    x, (oh, ow) = args[0], args[1]
    h, w = x.shape[2:]
    is_max = ctx.op == "AdaptiveMaxPool2d"
    if (oh, ow) == (1, 1):
        y = ctx.node("GlobalMaxPool" if is_max else "GlobalAveragePool", [ctx.name(x)])
    elif h % oh == 0 and w % ow == 0:  # equal windows: an ordinary pool
        k = [h // oh, w // ow]
        y = ctx.node("MaxPool" if is_max else "AveragePool", [ctx.name(x)], kernel_shape=k,
                     strides=k)
    else:
        raise ExportError(f"{ctx.op}: output {oh}x{ow} does not divide the input {h}x{w}; "
                          "ONNX has no adaptive pooling")
    return [y, None] if is_max else y


@register("BatchNorm")
def batch_norm(ctx, args, kw, outs):
    x, w, b, mean, var, training, momentum, eps = args[:8]
    if mean is None or var is None:
        raise ExportError("BatchNorm without running statistics can't be exported in eval mode")
    c, dt = x.shape[1], outs[0]._data.dtype
    scale = ctx.name(w) if w is not None else ctx.const(np.ones(c, dt))
    bias = ctx.name(b) if b is not None else ctx.const(np.zeros(c, dt))
    return ctx.node("BatchNormalization", [ctx.name(x), scale, bias, ctx.name(mean, dt),
                                           ctx.name(var, dt)], epsilon=float(eps))


@register("Normalize")
def normalize(ctx, args, kw, outs):
    """(x - mean) / sqrt(var + eps) over trailing axes = LayerNormalization, scale 1."""
    x, axes, eps = args[:3]
    axes = sorted(int(a) % x.ndim for a in (axes if isinstance(axes, (tuple, list)) else [axes]))
    if axes != list(range(axes[0], x.ndim)):
        raise ExportError(f"Normalize over axes {axes} (not the trailing ones) has no ONNX form")
    if ctx.opset < 17:
        raise ExportError("layer/group normalization needs opset_version >= 17")
    shape, dt = x.shape[axes[0]:], outs[0]._data.dtype
    return ctx.node("LayerNormalization", [ctx.name(x), ctx.const(np.ones(shape, dt)),
                                           ctx.const(np.zeros(shape, dt))],
                    axis=axes[0], epsilon=float(eps))


@register("EmbeddingLookup")
def embedding(ctx, args, kw, outs):
    weight, indices = args[0], args[1]
    return ctx.node("Gather", [ctx.name(weight), ctx.name(indices, np.int64)], axis=0)


# -------------------------------------------------------------- recurrent
# PyTorch stacks gate blocks as LSTM (i, f, g, o), GRU (r, z, n); ONNX as LSTM (i, o, f, c),
# GRU (z, r, h): the same blocks, reordered.
_GATE_ORDER = {"LSTMLayer": [0, 3, 1, 2], "GRULayer": [1, 0, 2], "RNNLayer": [0]}


def _reorder(arr, order):
    blocks = np.split(np.asarray(arr), len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def _param_name(ctx, t, suffix=""):
    return ctx.param_names.get(id(t._data), "rnn") + suffix


@register("LSTMLayer", "GRULayer", "RNNLayer")
def recurrent(ctx, args, kw, outs):
    """One layer-direction over a time-major (T, B, I) sequence -> ONNX LSTM/GRU/RNN."""
    lstm = ctx.op == "LSTMLayer"
    x, h0 = args[0], args[1]
    c0 = args[2] if lstm else None
    w_ih, w_hh, b_ih, b_hh = args[3:7] if lstm else args[2:6]
    if _arg(args, kw, 7 if lstm else 6, "batch_sizes") is not None:
        raise ExportError(f"{ctx.op}: packed (variable-length) sequences can't be exported")
    reverse = bool(_arg(args, kw, 8 if lstm else 7, "reverse", False))
    order, hidden = _GATE_ORDER[ctx.op], w_hh.shape[-1]
    W = ctx.const(_reorder(ctx.array(w_ih), order)[None], _param_name(ctx, w_ih))
    R = ctx.const(_reorder(ctx.array(w_hh), order)[None], _param_name(ctx, w_hh))
    inputs = [ctx.name(x), W, R]
    if b_ih is not None:
        bias = np.concatenate([_reorder(ctx.array(b_ih), order), _reorder(ctx.array(b_hh), order)])
        inputs.append(ctx.const(bias[None], _param_name(ctx, b_ih, "+bias_hh")))
    else:
        inputs.append("")
    inputs.append("")  # sequence_lens: all full length
    for state in ([h0, c0] if lstm else [h0]):
        inputs.append(_initial_state(ctx, state))
    attrs = {"hidden_size": int(hidden), "direction": "reverse" if reverse else "forward"}
    if ctx.op == "GRULayer":
        attrs["linear_before_reset"] = 1  # PyTorch applies r after the hidden projection
    if ctx.op == "RNNLayer":
        nl = _arg(args, kw, 8, "nonlinearity", "tanh")
        attrs["activations"] = ["Relu" if nl == "relu" else "Tanh"]
    onnx_op = {"LSTMLayer": "LSTM", "GRULayer": "GRU", "RNNLayer": "RNN"}[ctx.op]
    ys = ctx.node(onnx_op, inputs, n_out=3 if lstm else 2, **attrs)
    # Y (T, 1, B, H) -> (T, B, H); Y_h, Y_c (1, B, H) -> (B, H)
    out = [ctx.node("Squeeze", [ys[0], ctx.ints([1])])]
    out += [ctx.node("Squeeze", [y, ctx.ints([0])]) for y in ys[1:]]
    return out


def _initial_state(ctx, state):
    """'' (ONNX's default zeros) for a constant zero state, else the state as (1, B, H)."""
    if not ctx.is_dynamic(state) and not np.any(ctx.array(state)):
        return ""
    return ctx.node("Unsqueeze", [ctx.name(state), ctx.ints([0])])
