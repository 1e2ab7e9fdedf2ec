"""Convolutions, im2col/col2im (unfold/fold) and padding, as in torch.nn.functional."""
import numpy as np

from ...ops import conv as _c
from ...ops import shape as _shape
from ...tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold", "pad"]


def _ntuple(v, n, what, name):
    """An int or a length-n sequence of ints -> tuple of n ints."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(e) for e in v)
    if len(v) != n:
        raise ValueError(f"{name}: {what} must be an int or a tuple of {n} ints, got {v}")
    return v


def _positive(t, what, name):
    """Kernel sizes, strides and dilations of 0 (or less) have no meaning: refuse them."""
    if any(e <= 0 for e in t):
        raise ValueError(f"{name}: {what} must be positive, got {t}")
    return t


def _shape_str(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def _check_input(name, x, weight, groups, nd, transposed=False, bias=None):
    """Validate (N, C, *spatial) or unbatched (C, *spatial) input, the weight's rank and
    the bias's length; returns (x, unbatched)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
    if weight.ndim != nd + 2:
        layout = "(C_in, C_out/groups" if transposed else "(C_out, C_in/groups"
        raise RuntimeError(f"{name}: expected a {nd + 2}-D weight {layout}, *kernel), "
                           f"got shape {_shape_str(weight)}")
    _positive(tuple(weight.shape[2:]), "kernel size", name)
    cout = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and tuple(bias.shape) != (cout,):
        raise RuntimeError(f"{name}: expected a bias of shape ({cout},) (one per output "
                           f"channel), got {tuple(bias.shape)}")
    cin = weight.shape[0] if transposed else weight.shape[1] * groups
    dims = ", ".join("HW"[i] if nd == 2 else "L" for i in range(nd))
    if x.ndim not in (nd + 1, nd + 2) or x.shape[-nd - 1] != cin:
        raise RuntimeError(
            f"{name}: expected input of shape (N, {cin}, {dims}) or ({cin}, {dims}), "
            f"got {_shape_str(x)}")
    if x.dtype != weight.dtype:
        raise RuntimeError(f"{name}: input dtype {x.dtype} and weight dtype {weight.dtype} "
                           "must be the same")
    return (x.unsqueeze(0), True) if x.ndim == nd + 1 else (x, False)


def _conv_pads(name, padding, kernel, dilation, stride, nd):
    """Padding (int, tuple, 'same', 'valid') -> ((before, after) per spatial axis)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', "
                             f"got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{name}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    p = _ntuple(padding, nd, "padding", name)
    if any(e < 0 for e in p):
        raise ValueError(f"{name}: padding must be non-negative, got {p}")
    return tuple((e, e) for e in p)


def _check_fits(name, x, kernel, dilation, pads):
    for n, k, d, (lo, hi) in zip(x.shape[2:], kernel, dilation, pads):
        if n + lo + hi < d * (k - 1) + 1:
            padded = tuple(s + a + b for s, (a, b) in zip(x.shape[2:], pads))
            eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
            raise RuntimeError(f"{name}: kernel size {eff} (dilated) is larger than the "
                               f"padded input size {padded} of input {_shape_str(x)}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, _name="conv2d"):
    """2-D convolution (cross-correlation) of (N, C, H, W) or (C, H, W) input.

    weight (O, C/groups, kh, kw), bias (O,); padding int, tuple, 'same' or 'valid'.
    """
    x, unbatched = _check_input(_name, input, weight, groups, 2, bias=bias)
    kernel = tuple(weight.shape[2:])
    stride = _positive(_ntuple(stride, 2, "stride", _name), "stride", _name)
    dilation = _positive(_ntuple(dilation, 2, "dilation", _name), "dilation", _name)
    pads = _conv_pads(_name, padding, kernel, dilation, stride, 2)
    _check_fits(_name, x, kernel, dilation, pads)
    flat = (pads[0][0], pads[0][1], pads[1][0], pads[1][1])
    out = _c.Conv2d.apply(x, weight, bias, stride, flat, dilation, int(groups))
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, _name="conv1d"):
    """1-D convolution of (N, C, L) or (C, L) input; runs the 2-D kernel on height 1."""
    x, unbatched = _check_input(_name, input, weight, groups, 1, bias=bias)
    stride = _positive(_ntuple(stride, 1, "stride", _name), "stride", _name)
    dilation = _positive(_ntuple(dilation, 1, "dilation", _name), "dilation", _name)
    pads = _conv_pads(_name, padding, tuple(weight.shape[2:]), dilation, stride, 1)
    _check_fits(_name, x, tuple(weight.shape[2:]), dilation, pads)
    out = _c.Conv2d.apply(x.unsqueeze(2), weight.unsqueeze(2), bias, (1,) + stride,
                          (0, 0) + pads[0], (1,) + dilation, int(groups)).squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1, _name="conv_transpose2d"):
    """Transposed 2-D convolution; weight (C_in, C_out/groups, kh, kw)."""
    x, unbatched = _check_input(_name, input, weight, groups, 2, transposed=True, bias=bias)
    stride = _positive(_ntuple(stride, 2, "stride", _name), "stride", _name)
    dilation = _positive(_ntuple(dilation, 2, "dilation", _name), "dilation", _name)
    pad = _ntuple(padding, 2, "padding", _name)
    out_pad = _ntuple(output_padding, 2, "output_padding", _name)
    if min(pad) < 0 or min(out_pad) < 0:
        raise ValueError(f"{_name}: padding {pad} and output_padding {out_pad} must be "
                         f"non-negative")
    if any(op >= max(s, d) for op, s, d in zip(out_pad, stride, dilation)):
        raise ValueError(f"{_name}: output_padding {out_pad} must be smaller than either "
                         f"stride {stride} or dilation {dilation}")
    size = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
            zip(x.shape[2:], stride, pad, dilation, weight.shape[2:], out_pad)]
    if min(size) <= 0:
        raise RuntimeError(f"{_name}: output size {tuple(size)} is too small for input "
                           f"{_shape_str(input)} and padding {pad}")
    out = _c.ConvTranspose2d.apply(x, weight, bias, stride, (pad[0], pad[0], pad[1], pad[1]),
                                   out_pad, dilation, int(groups))
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Transposed 1-D convolution, via the 2-D one on height 1."""
    x, unbatched = _check_input("conv_transpose1d", input, weight, groups, 1, transposed=True,
                                bias=bias)
    one = lambda v, w: (1,) + _ntuple(v, 1, w, "conv_transpose1d")  # noqa: E731
    out = conv_transpose2d(x.unsqueeze(2), weight.unsqueeze(2), bias, one(stride, "stride"),
                           (0,) + _ntuple(padding, 1, "padding", "conv_transpose1d"),
                           (0,) + _ntuple(output_padding, 1, "output_padding",
                                          "conv_transpose1d"),
                           groups, one(dilation, "dilation"), "conv_transpose1d").squeeze(2)
    return out.squeeze(0) if unbatched else out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L) (im2col)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"unfold: expected 3-D or 4-D input, got {_shape_str(input)}")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    k, d, p, s = (_ntuple(v, 2, what, "unfold") for v, what in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"),
        (stride, "stride")))
    _check_fits("unfold", x, k, d, ((p[0], p[0]), (p[1], p[1])))
    out = _c.Unfold.apply(x, k, d, (p[0], p[0], p[1], p[1]), s)
    return out.squeeze(0) if input.ndim == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into an image: (N, C*kh*kw, L) -> (N, C, H, W)."""
    size = _ntuple(output_size, 2, "output_size", "fold")
    k, d, p, s = (_ntuple(v, 2, what, "fold") for v, what in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"),
        (stride, "stride")))
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected 2-D or 3-D input, got {_shape_str(input)}")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    ho, wo = (_c.out_size(n, kk, ss, 2 * pp, dd) for n, kk, ss, pp, dd in zip(size, k, s, p, d))
    if x.shape[1] % (k[0] * k[1]) or x.shape[2] != ho * wo:
        raise RuntimeError(
            f"fold: expected input of shape (N, C*{k[0]}*{k[1]}, {ho * wo}) for output_size "
            f"{size}, kernel_size {k}, got {_shape_str(input)}")
    out = _c.Fold.apply(x, size, k, d, (p[0], p[0], p[1], p[1]), s, ho, wo)
    return out.squeeze(0) if input.ndim == 2 else out


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 axes: pad = (left, right) of the last axis, then the one
    before, ...; mode 'constant', 'reflect', 'replicate' or 'circular'."""
    return _shape.pad(input, pad, mode, 0.0 if value is None else value)


def _pad_index(n, lo, hi, mode):
    """Source index along one axis for each padded position."""
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    i = np.abs(i)  # reflect about the first and last element
    return np.where(i > n - 1, 2 * (n - 1) - i, i)


def _pad_nonconstant(a, pad, mode):
    """'reflect', 'replicate' or 'circular' padding (called by shenjing.ops.pad)."""
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                         f"'circular', got {mode!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > a.ndim - 1:
        raise RuntimeError(f"pad: mode {mode!r} pads at most ndim-1 = {a.ndim - 1} trailing "
                           f"axes with an even-length pad, got pad {pad} for input "
                           f"{_shape_str(a)}")
    index = []
    for i in range(len(pad) // 2):
        ax, lo, hi = a.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]
        n = a.shape[ax]
        limit = n - 1 if mode == "reflect" else n
        if min(lo, hi) < 0 or max(lo, hi) > limit:
            raise RuntimeError(f"pad: {mode} padding ({lo}, {hi}) must be non-negative and "
                               f"at most {limit} for dimension {ax} of size {n}")
        index.append((ax, _pad_index(n, lo, hi, mode)))
    return _c.AxisGather.apply(a, tuple(index))
