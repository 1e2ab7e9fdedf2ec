"""Max, average and adaptive pooling, and nearest-neighbour interpolation."""
import numpy as np

from ...ops import conv as _c
from ...ops import pooling as _p
from ...tensor import Tensor
from .conv import _ntuple, _shape_str

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "interpolate", "upsample"]


def _as_batched(name, x, nd):
    """(N, C, *spatial) view of x, accepting unbatched (C, *spatial) as PyTorch does."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
    dims = "H, W" if nd == 2 else "L"
    if x.ndim not in (nd + 1, nd + 2) or 0 in x.shape[1:]:
        raise RuntimeError(f"{name}: expected input of shape (N, C, {dims}) or (C, {dims}) "
                           f"with non-zero sizes, got {_shape_str(x)}")
    x = x.unsqueeze(0) if x.ndim == nd + 1 else x
    return x.unsqueeze(2) if nd == 1 else x


def _finish(out, input, nd):
    """Undo the height-1 / batch-1 views added by _as_batched."""
    if nd == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if input.ndim == nd + 1 else out


def _pool_args(name, x, kernel_size, stride, padding, dilation, nd, ceil_mode):
    k = _ntuple(kernel_size, nd, "kernel_size", name)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _ntuple(stride, nd, "stride", name)
    p = _ntuple(padding, nd, "padding", name)
    d = _ntuple(dilation, nd, "dilation", name)
    if min(k + s + d) <= 0:
        raise ValueError(f"{name}: kernel_size {k}, stride {s} and dilation {d} must be positive")
    for kk, pp, dd in zip(k, p, d):
        if pp < 0 or 2 * pp > dd * (kk - 1) + 1:
            raise ValueError(f"{name}: padding should be at most half of the effective kernel "
                             f"size, got padding={p}, kernel_size={k}, dilation={d}")
    if nd == 1:
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    outs = [_p.pool_out_size(n, kk, ss, pp, dd, ceil_mode)
            for n, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d)]
    if min(outs) < 1:
        raise RuntimeError(f"{name}: input {_shape_str(x)} is too small for kernel_size {k}, "
                           f"stride {s}, padding {p}, dilation {d}: output size {tuple(outs)}")
    return k, s, p, d


def _max_pool(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    x = _as_batched(name, input, nd)
    k, s, p, d = _pool_args(name, x, kernel_size, stride, padding, dilation, nd, ceil_mode)
    if not return_indices:
        return _finish(_p.MaxPool2d.apply(x, k, s, p, d, bool(ceil_mode), False), input, nd)
    out, idx = _p.MaxPool2d.apply(x, k, s, p, d, bool(ceil_mode), True)
    return _finish(out, input, nd), _finish(idx, input, nd)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kh x kw windows of (N, C, H, W) or (C, H, W); stride defaults to the
    kernel. With return_indices, also the flat index into H*W of each maximum."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of (N, C, L) or (C, L)."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool(name, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x = _as_batched(name, input, nd)
    k, s, p, _d = _pool_args(name, x, kernel_size, stride, padding, 1, nd, ceil_mode)
    if divisor_override is not None and int(divisor_override) == 0:
        raise ValueError(f"{name}: divisor_override must be non-zero")
    out = _p.AvgPool2d.apply(x, k, s, p, bool(ceil_mode), bool(count_include_pad),
                             divisor_override)
    return _finish(out, input, nd)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kh x kw windows; count_include_pad counts zero padding in the mean."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of (N, C, L) or (C, L)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def _adaptive_size(name, output_size, in_size, nd):
    """output_size (int, tuple with None entries meaning 'keep the input size')."""
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise ValueError(f"{name}: output_size must have {nd} entries, got {output_size}")
    out = tuple(n if o is None else int(o) for o, n in zip(output_size, in_size))
    if min(out) < 1:
        raise ValueError(f"{name}: output_size must be positive, got {output_size}")
    return out


def _adaptive(name, nd, op, input, output_size):
    x = _as_batched(name, input, nd)
    size = _adaptive_size(name, output_size, input.shape[-nd:], nd)
    return op.apply(x, (1,) + size if nd == 1 else size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (windows [floor(i*H/o), ceil((i+1)*H/o)))."""
    return _finish(_adaptive("adaptive_avg_pool2d", 2, _p.AdaptiveAvgPool2d, input,
                             output_size), input, 2)


def adaptive_avg_pool1d(input, output_size):
    return _finish(_adaptive("adaptive_avg_pool1d", 1, _p.AdaptiveAvgPool2d, input,
                             output_size), input, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size; optionally with flat indices into H*W."""
    out, idx = _adaptive("adaptive_max_pool2d", 2, _p.AdaptiveMaxPool2d, input, output_size)
    out = _finish(out, input, 2)
    return (out, _finish(idx, input, 2)) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    out, idx = _adaptive("adaptive_max_pool1d", 1, _p.AdaptiveMaxPool2d, input, output_size)
    out = _finish(out, input, 1)
    return (out, _finish(idx, input, 1)) if return_indices else out


def _nearest_index(n_in, n_out, scale, exact):
    """Source index of each output position, computed in float32 as PyTorch does."""
    if n_in == n_out:
        return np.arange(n_out)
    step = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    pos = np.arange(n_out, dtype=np.float32)
    src = np.floor((pos + np.float32(0.5)) * step if exact else pos * step).astype(np.int64)
    return np.minimum(src, n_in - 1)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of (N, C, *spatial); modes 'nearest' and 'nearest-exact'."""
    if mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented; "
                                  "shenjing supports 'nearest' and 'nearest-exact'")
    nd = input.ndim - 2
    if nd < 1:
        raise ValueError(f"interpolate: expected input of shape (N, C, *spatial), "
                         f"got {_shape_str(input)}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    in_size = input.shape[2:]
    if size is not None:
        out_size, scales = _ntuple(size, nd, "size", "interpolate"), (None,) * nd
    else:
        scales = tuple(float(s) for s in (scale_factor if isinstance(scale_factor, (tuple, list))
                                          else (scale_factor,) * nd))
        if len(scales) != nd:
            raise ValueError(f"interpolate: scale_factor needs {nd} entries, got {scale_factor}")
        out_size = tuple(int(np.floor(n * s)) for n, s in zip(in_size, scales))
        if recompute_scale_factor:
            scales = (None,) * nd
    if min(out_size) < 1:
        raise ValueError(f"interpolate: output size {out_size} must be positive")
    index = tuple((2 + i, _nearest_index(n, o, s, mode == "nearest-exact"))
                  for i, (n, o, s) in enumerate(zip(in_size, out_size, scales)))
    return _c.AxisGather.apply(input, index)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)
