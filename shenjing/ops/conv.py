"""Convolutions as matrix products: im2col, one matmul per group, col2im for backward.

Notation: input x (N, C, H, W), weight w (O, C/G, kh, kw), G groups, stride s,
dilation d. A window view of the padded input,

    win[n, c, p, q, i, j] = xp[n, c, i*sh + p*dh, j*sw + q*dw],

copied once into columns turns the convolution into a matrix product: with one
group, out = w.reshape(O, C*kh*kw) @ cols with cols (C*kh*kw, N*Ho*Wo); with G
groups, a batch of products per sample and group. Backward is the transpose: the
weight gradient is g @ cols^T, the input gradient w^T @ g folded back onto the
input by adding the slice of each of the kh*kw kernel offsets (col2im).
Depthwise convolutions skip the columns and multiply-add the kh*kw shifted views.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function


def out_size(n, k, s, pad_total, d):
    """Number of window positions along one axis."""
    return (n + pad_total - d * (k - 1) - 1) // s + 1


def windows(xp, kh, kw, sh, sw, dh, dw, ho, wo):
    """Read-only (N, C, kh, kw, Ho, Wo) strided view of xp (no copy)."""
    n, c = xp.shape[:2]
    s0, s1, s2, s3 = xp.strides
    return as_strided(xp, (n, c, kh, kw, ho, wo),
                      (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw), writeable=False)


def im2col(xp, kh, kw, sh, sw, dh, dw, ho, wo):
    """Contiguous columns (N, C*kh*kw, Ho*Wo) of the padded input xp."""
    n, c = xp.shape[:2]
    return windows(xp, kh, kw, sh, sw, dh, dw, ho, wo).reshape(n, c * kh * kw, ho * wo)


def col2im(cols, shape, kh, kw, sh, sw, dh, dw, ho, wo):
    """Adjoint of im2col: sum columns (N, C*kh*kw, Ho*Wo) back into an array of ``shape``."""
    n, c = shape[:2]
    cols = cols.reshape(n, c, kh, kw, ho, wo)
    out = np.zeros(shape, cols.dtype)
    for p in range(kh):
        r = slice(p * dh, p * dh + sh * (ho - 1) + 1, sh)
        for q in range(kw):
            out[:, :, r, q * dw:q * dw + sw * (wo - 1) + 1:sw] += cols[:, :, p, q]
    return out


def pad2d(x, pads, value=0.0):
    """Pad the last two axes by pads = (top, bottom, left, right)."""
    if not any(pads):
        return x
    t, b, l, r = pads
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=value)


def crop2d(x, pads):
    t, b, l, r = pads
    h, w = x.shape[2:]
    return x[:, :, t:h - b, l:w - r]


class Conv2d(Function):
    """out = conv(x, w) + b with zero padding ``pads`` = (top, bottom, left, right)."""

    def forward(self, x, w, b, stride, pads, dilation, groups):
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        (sh, sw), (dh, dw) = stride, dilation
        ho = out_size(h, kh, sh, pads[0] + pads[1], dh)
        wo = out_size(wd, kw, sw, pads[2] + pads[3], dw)
        xp = pad2d(x, pads)
        self.geom = (xp.shape, pads, kh, kw, sh, sw, dh, dw, ho, wo, groups)
        if cg == 1 and o == groups:  # depthwise: kh*kw multiply-adds beat tiny GEMMs
            self.xp, self.w4 = xp, w
            return _depthwise(xp, w, b, self.geom)
        if groups == 1:
            return self._dense_forward(xp, w, b)
        cols = im2col(xp, kh, kw, sh, sw, dh, dw, ho, wo)
        g = groups
        wm = w.reshape(g, o // g, cg * kh * kw)
        out = np.matmul(wm, cols.reshape(n, g, cg * kh * kw, ho * wo))  # (N, G, O/G, L)
        out = out.reshape(n, o, ho, wo)
        if b is not None:
            out += b.reshape(1, o, 1, 1)
        self.w = wm
        self.cols = cols if self.needs_input_grad[1] else None
        return out

    def backward(self, gout):
        xp_shape, pads, kh, kw, sh, sw, dh, dw, ho, wo, g = self.geom
        if hasattr(self, "xp"):
            gx, gw = _depthwise_backward(gout, self.xp, self.w4, self.geom,
                                         self.needs_input_grad)
            return gx, gw, (gout.sum(axis=(0, 2, 3)) if self.needs_input_grad[2] else None)
        if g == 1:
            return self._dense_backward(gout)
        n, o = gout.shape[:2]
        g3 = gout.reshape(n, g, o // g, ho * wo)
        gx = gw = gb = None
        if self.needs_input_grad[0]:
            gcols = np.matmul(self.w.transpose(0, 2, 1), g3)  # (N, G, Kg, L)
            gx = crop2d(col2im(gcols, xp_shape, kh, kw, sh, sw, dh, dw, ho, wo), pads)
        if self.needs_input_grad[1]:
            cols = self.cols.reshape(n, g, -1, ho * wo)
            gw = _sum_matmul_nt(g3, cols).reshape(o, -1, kh, kw)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            gb = gout.sum(axis=(0, 2, 3))
        return gx, gw, gb


    # groups == 1: one GEMM each for the output and both gradients, over the joint
    # (N, Ho*Wo) axis; few large BLAS calls parallelise far better than N small ones.
    def _dense_forward(self, xp, w, b):
        _, _, kh, kw, sh, sw, dh, dw, ho, wo, _ = self.geom
        n, c = xp.shape[:2]
        o = w.shape[0]
        # cols (C*kh*kw, N*Ho*Wo): rows of the window view are contiguous runs of Wo
        win = windows(xp, kh, kw, sh, sw, dh, dw, ho, wo).transpose(1, 2, 3, 0, 4, 5)
        cols = win.reshape(c * kh * kw, n * ho * wo)
        wm = w.reshape(o, -1)
        out = wm @ cols  # (O, N*L)
        if b is not None:
            out += b.reshape(o, 1)
        self.w, self.cols = wm, (cols if self.needs_input_grad[1] else None)
        return np.ascontiguousarray(out.reshape(o, n, ho, wo).transpose(1, 0, 2, 3))

    def _dense_backward(self, gout):
        xp_shape, pads, kh, kw, sh, sw, dh, dw, ho, wo, _ = self.geom
        n, o = gout.shape[:2]
        g2 = np.ascontiguousarray(gout.transpose(1, 0, 2, 3)).reshape(o, n * ho * wo)
        need = self.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gcols = (self.w.T @ g2).reshape(-1, kh, kw, n, ho, wo).transpose(3, 0, 1, 2, 4, 5)
            gx = crop2d(col2im(gcols, xp_shape, kh, kw, sh, sw, dh, dw, ho, wo), pads)
        if need[1]:
            gw = (g2 @ self.cols.T).reshape(o, -1, kh, kw)
        if len(need) > 2 and need[2]:
            gb = g2.sum(axis=1)
        return gx, gw, gb


def _tap(a, p, q, geom):
    """View of padded array a read by kernel offset (p, q): [n, c, i, j] at
    (i*sh + p*dh, j*sw + q*dw)."""
    _, _, _, _, sh, sw, dh, dw, ho, wo, _ = geom
    return a[:, :, p * dh:p * dh + sh * (ho - 1) + 1:sh, q * dw:q * dw + sw * (wo - 1) + 1:sw]


def _depthwise(xp, w, b, geom):
    """out[n, c] = sum_{p,q} w[c, 0, p, q] * xp[n, c, i*sh + p*dh, j*sw + q*dw] + b[c]."""
    kh, kw, ho, wo = geom[2], geom[3], geom[8], geom[9]
    n, c = xp.shape[:2]
    out = np.zeros((n, c, ho, wo), xp.dtype) if b is None else \
        np.broadcast_to(b.reshape(1, c, 1, 1), (n, c, ho, wo)).copy()
    tmp = np.empty_like(out)  # reused: fresh temporaries cost page faults
    for p in range(kh):
        for q in range(kw):
            out += np.multiply(_tap(xp, p, q, geom), w[:, 0, p, q].reshape(1, c, 1, 1), out=tmp)
    return out


def _depthwise_backward(g, xp, w, geom, need):
    kh, kw, c = geom[2], geom[3], xp.shape[1]
    gxp = np.zeros(xp.shape, g.dtype) if need[0] else None
    gw = np.empty(w.shape, g.dtype) if need[1] else None
    tmp = np.empty_like(g) if need[0] else None
    for p in range(kh):
        for q in range(kw):
            if need[0]:
                _tap(gxp, p, q, geom)[...] += np.multiply(g, w[:, 0, p, q].reshape(1, c, 1, 1),
                                                          out=tmp)
            if need[1]:
                gw[:, 0, p, q] = np.einsum("nchw,nchw->c", g, _tap(xp, p, q, geom))
    return (crop2d(gxp, geom[1]) if need[0] else None), gw


def _sum_matmul_nt(a, b):
    """sum_n a[n] @ b[n]^T for a (N, G, P, L), b (N, G, Q, L) -> (G, P, Q).

    A batch of GEMMs then a sum over N measured faster than one GEMM over the joint
    (N, L) axis, which needs transposed copies of both operands."""
    return np.matmul(a, b.transpose(0, 1, 3, 2)).sum(axis=0)


class ConvTranspose2d(Function):
    """Transposed convolution: the input-gradient of Conv2d, used as a forward map.

    x (N, Cin, H, W), w (Cin, Cout/G, kh, kw); the full output has size
    (H-1)*s + d*(k-1) + 1 + output_padding before ``pads`` are cropped away.
    """

    def forward(self, x, w, b, stride, pads, out_pad, dilation, groups):
        n, cin, h, wd = x.shape
        _, cog, kh, kw = w.shape
        (sh, sw), (dh, dw), g = stride, dilation, groups
        hf = (h - 1) * sh + dh * (kh - 1) + 1 + out_pad[0]
        wf = (wd - 1) * sw + dw * (kw - 1) + 1 + out_pad[1]
        wm = w.reshape(g, cin // g, cog * kh * kw)
        x4 = x.reshape(n, g, cin // g, h * wd)
        cols = np.matmul(wm.transpose(0, 2, 1), x4)  # (N, G, Cout/G*kh*kw, H*W)
        out = crop2d(col2im(cols, (n, cog * g, hf, wf), kh, kw, sh, sw, dh, dw, h, wd), pads)
        if b is not None:
            out = out + b.reshape(1, -1, 1, 1)
        self.geom = (pads, kh, kw, sh, sw, dh, dw, h, wd, g)
        self.w, self.x4 = wm, (x4 if self.needs_input_grad[1] else None)
        return np.ascontiguousarray(out)

    def backward(self, gout):
        pads, kh, kw, sh, sw, dh, dw, h, wd, g = self.geom
        n, cout = gout.shape[:2]
        cols = im2col(pad2d(gout, pads), kh, kw, sh, sw, dh, dw, h, wd)
        cols = cols.reshape(n, g, -1, h * wd)  # (N, G, Cout/G*kh*kw, L)
        gx = gw = gb = None
        if self.needs_input_grad[0]:
            gx = np.matmul(self.w, cols).reshape(n, -1, h, wd)
        if self.needs_input_grad[1]:
            gw = _sum_matmul_nt(self.x4, cols).reshape(-1, cout // g, kh, kw)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            gb = gout.sum(axis=(0, 2, 3))
        return gx, gw, gb


class Unfold(Function):
    """im2col as an op: (N, C, H, W) -> (N, C*kh*kw, L), as torch.nn.functional.unfold."""

    def forward(self, x, kernel, dilation, pads, stride):
        (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
        ho = out_size(x.shape[2], kh, sh, pads[0] + pads[1], dh)
        wo = out_size(x.shape[3], kw, sw, pads[2] + pads[3], dw)
        xp = pad2d(x, pads)
        self.geom = (xp.shape, pads, kh, kw, sh, sw, dh, dw, ho, wo)
        return im2col(xp, kh, kw, sh, sw, dh, dw, ho, wo)

    def backward(self, g):
        shape, pads, *rest = self.geom
        return crop2d(col2im(g, shape, *rest), pads)


class Fold(Function):
    """col2im as an op: (N, C*kh*kw, L) -> (N, C, H, W), summing overlapping windows."""

    def forward(self, cols, size, kernel, dilation, pads, stride, ho, wo):
        (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
        n, k = cols.shape[:2]
        shape = (n, k // (kh * kw), size[0] + pads[0] + pads[1], size[1] + pads[2] + pads[3])
        self.geom = (pads, kh, kw, sh, sw, dh, dw, ho, wo)
        return np.ascontiguousarray(
            crop2d(col2im(cols, shape, kh, kw, sh, sw, dh, dw, ho, wo), pads))

    def backward(self, g):
        pads, *rest = self.geom
        return im2col(pad2d(g, pads), *rest)


class AxisGather(Function):
    """out = a indexed by ``idx`` along each listed axis (padding by copying, nearest
    upsampling); backward adds each output gradient back onto its source element."""

    def forward(self, a, index):
        self.index, self.shape = index, a.shape
        for ax, idx in index:
            a = np.take(a, idx, axis=ax)
        return a

    def backward(self, g):
        for ax, idx in reversed(self.index):
            shape = list(g.shape)
            shape[ax] = self.shape[ax]
            out = np.zeros(shape, g.dtype)
            np.add.at(out, (slice(None),) * ax + (idx,), g)
            g = out
        return g
