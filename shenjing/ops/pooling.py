"""Pooling over 2-D windows (1-D pools run on height 1), with analytic backward.

Windows are read as strided views of the padded input, one per kernel offset
(p, q): view[n, c, i, j] = xp[n, c, i*sh + p*dh, j*sw + q*dw]. Max and average
pooling loop over the kh*kw offsets doing whole-array elementwise work, so there
is no copy of the (kh*kw)-times larger window tensor and no Python loop over pixels.
"""
import numpy as np

from ..autograd.function import Function
from .conv import crop2d, pad2d


def pool_out_size(n, k, s, p, d, ceil_mode):
    """Output length of a pooling window sweep, with PyTorch's ceil_mode rule (the last
    window must start inside the input or the left padding)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _geometry(shape, kernel, stride, padding, dilation, ceil_mode):
    """Output size and (top, bottom, left, right) padding that fits every window."""
    outs, pads = [], []
    for n, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation):
        o = pool_out_size(n, k, s, p, d, ceil_mode)
        extra = max((o - 1) * s + d * (k - 1) + 1 - (n + 2 * p), 0)
        outs.append(o)
        pads += [p, p + extra]
    return outs, tuple(pads)


def _offset_view(xp, p, q, kernel_geom):
    (sh, sw), (dh, dw), (ho, wo) = kernel_geom
    return xp[:, :, p * dh:p * dh + sh * (ho - 1) + 1:sh, q * dw:q * dw + sw * (wo - 1) + 1:sw]


def _first_max_masks(xp, best, kernel, geom):
    """Yield (k, mask) per window offset k = p*kw + q: where that offset holds the
    first element equal to the window max (so exactly one offset wins per window)."""
    kh, kw = kernel
    found = np.zeros(best.shape, bool)
    nan = np.isnan(best) if best.dtype.kind == "f" else None
    nan = nan if nan is not None and nan.any() else None
    for k in range(kh * kw):
        v = _offset_view(xp, k // kw, k % kw, geom)
        hit = v == best
        if nan is not None:
            hit |= nan & np.isnan(v)
        if k:
            hit &= ~found
        if k < kh * kw - 1:
            found |= hit
        yield k, hit


class MaxPool2d(Function):
    """The max of each window (and, with ``with_indices``, its flat index into H*W);
    the gradient goes to one element: the first maximum in window order, as PyTorch."""

    def forward(self, x, kernel, stride, padding, dilation, ceil_mode, with_indices):
        (ho, wo), pads = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
        low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = pad2d(x, pads, low)
        geom = (stride, dilation, (ho, wo))
        kh, kw = kernel
        best = _offset_view(xp, 0, 0, geom).copy()
        for k in range(1, kh * kw):  # np.maximum propagates NaN, as PyTorch
            np.maximum(best, _offset_view(xp, k // kw, k % kw, geom), out=best)
        self.xp, self.best, self.kernel, self.geom, self.pads = xp, best, kernel, geom, pads
        if not with_indices:
            return best
        # window offset k -> input row/column, then flat index row*W + col
        arg = np.zeros(best.shape, np.int64)
        for k, hit in _first_max_masks(xp, best, kernel, geom):
            arg += hit * k
        rows = (np.arange(ho) * stride[0] - padding[0])[:, None] + (arg // kw) * dilation[0]
        cols = (np.arange(wo) * stride[1] - padding[1])[None, :] + (arg % kw) * dilation[1]
        return best, rows * x.shape[3] + cols

    def differentiable_outputs(self, n):
        return (True, False)

    def backward(self, g, _gi=None):
        kw = self.kernel[1]
        (sh, sw), (dh, dw), _ = self.geom
        disjoint = sh >= dh * (self.kernel[0] - 1) + 1 and sw >= dw * (kw - 1) + 1
        gx = np.zeros(self.xp.shape, g.dtype)
        for k, hit in _first_max_masks(self.xp, self.best, self.kernel, self.geom):
            view = _offset_view(gx, k // kw, k % kw, self.geom)
            if disjoint:  # windows do not overlap: each input element is written once
                np.multiply(g, hit, out=view)
            else:
                view += g * hit
        return crop2d(gx, self.pads)


def scatter_to_input(g, idx, in_shape):
    """Add each g[n, c, ...] onto input element idx[n, c, ...] (flat index into H*W)."""
    n, c = in_shape[:2]
    hw = int(np.prod(in_shape[2:]))
    flat = idx.reshape(n * c, -1) + (np.arange(n * c) * hw)[:, None]
    out = np.bincount(flat.ravel(), g.ravel(), minlength=n * c * hw)
    return out.astype(g.dtype, copy=False).reshape(in_shape)


def _divisor_1d(n, o, k, s, p, include_pad):
    """Per-output window size along one axis, as PyTorch counts it."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


class AvgPool2d(Function):
    """Mean over each window; ``divisor`` (Ho, Wo) is the element count or an override."""

    def forward(self, x, kernel, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
        (ho, wo), pads = _geometry(x.shape, kernel, stride, padding, (1, 1), ceil_mode)
        xp = pad2d(x, pads)
        geom = (stride, (1, 1), (ho, wo))
        kh, kw = kernel
        total = _offset_view(xp, 0, 0, geom).copy()
        for k in range(1, kh * kw):
            total += _offset_view(xp, k // kw, k % kw, geom)
        if divisor_override:
            div = np.full((ho, wo), float(divisor_override))
        else:
            dh = _divisor_1d(x.shape[2], ho, kh, stride[0], padding[0], count_include_pad)
            dw = _divisor_1d(x.shape[3], wo, kw, stride[1], padding[1], count_include_pad)
            div = np.outer(dh, dw).astype(np.float64)
        self.div = div.astype(x.dtype)
        self.geom, self.pads, self.xp_shape, self.kernel = geom, pads, xp.shape, kernel
        return total / self.div

    def backward(self, g):
        g = g / self.div
        gx = np.zeros(self.xp_shape, g.dtype)
        kh, kw = self.kernel
        for k in range(kh * kw):
            _offset_view(gx, k // kw, k % kw, self.geom)[...] += g
        return crop2d(gx, self.pads)


def adaptive_bounds(n, o):
    """Window [start, end) of each of the o outputs over an axis of length n."""
    j = np.arange(o)
    return (j * n) // o, -((-(j + 1) * n) // o)


def _avg_matrix(n, o, dtype):
    """(o, n) matrix whose rows average each adaptive window."""
    start, end = adaptive_bounds(n, o)
    cols = np.arange(n)
    m = (cols >= start[:, None]) & (cols < end[:, None])
    return (m / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """out = Ah @ x @ Aw^T with row-averaging matrices Ah (Ho, H), Aw (Wo, W)."""

    def forward(self, x, out_size):
        self.ah = _avg_matrix(x.shape[2], out_size[0], x.dtype)
        self.aw = _avg_matrix(x.shape[3], out_size[1], x.dtype)
        return np.matmul(np.matmul(self.ah, x), self.aw.T)

    def backward(self, g):
        return np.matmul(np.matmul(self.ah.T, g), self.aw)


class AdaptiveMaxPool2d(Function):
    """(out, indices) over adaptive windows; a loop over the Ho*Wo windows."""

    def forward(self, x, out_size):
        n, c, h, w = x.shape
        hs, he = adaptive_bounds(h, out_size[0])
        ws, we = adaptive_bounds(w, out_size[1])
        out = np.empty((n, c) + tuple(out_size), x.dtype)
        idx = np.empty((n, c) + tuple(out_size), np.int64)
        for i in range(out_size[0]):
            for j in range(out_size[1]):
                win = x[:, :, hs[i]:he[i], ws[j]:we[j]].reshape(n, c, -1)
                a = win.argmax(axis=2)
                width = we[j] - ws[j]
                out[:, :, i, j] = np.take_along_axis(win, a[..., None], 2)[..., 0]
                idx[:, :, i, j] = (hs[i] + a // width) * w + ws[j] + a % width
        self.idx, self.in_shape = idx, x.shape
        return out, idx

    def differentiable_outputs(self, n):
        return (True, False)

    def backward(self, g, _gi=None):
        return scatter_to_input(g, self.idx, self.in_shape)
