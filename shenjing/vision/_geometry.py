"""Geometric kernels behind the augmentation transforms, vectorised over a batch, and
the checks of their arguments (torchvision's forms of sizes, paddings and ranges).

Every kernel takes a channels-last batch ``x`` of shape (N, H, W, C) and per-sample
parameters as arrays with a leading axis N, so one call handles a whole batch with
the parameters of each sample drawn independently. Pure NumPy.
"""
import numbers

import numpy as np

PAD_MODES = ("constant", "edge", "reflect", "symmetric")


# ---------------------------------------------------------------- argument checks
def size_pair(size, where, what="size"):
    """An int or a sequence of 1 or 2 ints -> (height, width), all positive."""
    if isinstance(size, numbers.Integral):
        size = (size, size)
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(s, numbers.Integral) for s in size)):
        raise TypeError(f"{where}: {what} should be an int or a sequence of 2 ints "
                        f"(height, width), got {size!r}")
    if min(size) <= 0:
        raise ValueError(f"{where}: {what} should be positive, got {tuple(size)}")
    return int(size[0]), int(size[1])


def padding_ltrb(padding, where):
    """torchvision's padding forms (p, (lr, tb) or (l, t, r, b)) -> (left, top, right, bottom)."""
    p = (padding,) if isinstance(padding, numbers.Integral) else padding
    if not isinstance(p, (tuple, list)) or len(p) not in (1, 2, 4) or \
            not all(isinstance(v, numbers.Integral) for v in p):
        raise TypeError(f"{where}: padding should be an int or a sequence of 1, 2 or 4 ints, "
                        f"got {padding!r}")
    if min(p) < 0:
        raise ValueError(f"{where}: padding should be non-negative, got {padding!r}")
    p = [int(v) for v in p]
    return tuple(p * 4 if len(p) == 1 else p * 2 if len(p) == 2 else p)


def value_range(value, where, what, positive=False):
    """A number d -> (-d, d); a pair (lo, hi) kept, checked lo <= hi."""
    if isinstance(value, numbers.Real) and not positive:
        if not np.isfinite(value):
            raise ValueError(f"{where}: {what} should be finite, got {value!r}")
        if value < 0:
            raise ValueError(f"{where}: if {what} is a single number, it must be non-negative, "
                             f"got {value}")
        return (-float(value), float(value))
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, numbers.Real) for v in value)):
        raise TypeError(f"{where}: {what} should be " + ("" if positive else "a number or ") +
                        f"a sequence of 2 numbers, got {value!r}")
    lo, hi = float(value[0]), float(value[1])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{where}: {what} should be finite, got {value!r}")
    if lo > hi or (positive and lo <= 0):
        raise ValueError(f"{where}: {what} should be a range (min, max) with min <= max"
                         + (" and min > 0" if positive else "") + f", got {value!r}")
    return lo, hi


def check_fill(fill, where):
    if isinstance(fill, numbers.Real) or (isinstance(fill, (tuple, list)) and fill and
                                          all(isinstance(v, numbers.Real) for v in fill)):
        return fill
    raise TypeError(f"{where}: fill should be a number or a sequence of numbers, got {fill!r}")


# ---------------------------------------------------------------- kernels


def to_nhwc(batch, where, batched=True):
    """(N, H, W, C) view of a stacked batch and a function that restores its layout.

    The layout follows ToTensor: integer (uint8) samples are images HxW or HxWxC, what
    ToTensor takes; floating samples are tensors (..., C, H, W) (or HxW), what it gives.
    """
    a = batch
    n = a.shape[0]
    if 0 in a.shape[1:]:
        shape = tuple(a.shape) if batched else tuple(a.shape[1:])
        raise ValueError(f"{where}: expected a non-empty image, got shape {shape}")
    if a.ndim == 3:  # N x HxW, either kind
        return a[..., None], lambda o: o[..., 0]
    if a.dtype.kind != "f" and a.ndim == 4:  # N x HxWxC
        return a, lambda o: o
    if a.dtype.kind == "f" and a.ndim >= 4:  # N x (..., C, H, W): leading axes act as channels
        lead, (h, w) = a.shape[1:-2], a.shape[-2:]
        x = a.reshape(n, -1, h, w).transpose(0, 2, 3, 1)

        def restore(o):
            return o.transpose(0, 3, 1, 2).reshape(n, *lead, o.shape[1], o.shape[2])
        return x, restore
    shape = tuple(a.shape) if batched else tuple(a.shape[1:])
    want = ("NxHxW or NxHxWxC" if batched else "HxW or HxWxC") + " for integer images, " + \
        ("Nx(..., C, H, W)" if batched else "(..., C, H, W)") + " for float tensors"
    raise ValueError(f"{where}: expected {want}, got {a.dtype} of shape {shape}")


def fill_values(fill, channels, where):
    """The fill colour as a float64 vector broadcastable over (..., C)."""
    f = np.atleast_1d(np.asarray(fill, dtype=np.float64))
    if f.ndim != 1 or len(f) not in (1, channels):
        raise ValueError(f"{where}: fill has {len(f)} values but the image has {channels} "
                         f"channel(s); give one value or one per channel")
    return f


def cast_like(values, dtype):
    """Float results back to the image dtype: integers are rounded and clipped to range."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    if dtype.kind == "b":
        return values >= 0.5
    return values.astype(dtype, copy=False)


def pad(x, ltrb, mode="constant", fill=0.0, where="Pad"):
    """Pad the H and W axes by (left, top, right, bottom) pixels."""
    left, top, right, bottom = ltrb
    if not any(ltrb):
        return x
    n, h, w, c = x.shape
    if mode == "constant":
        f = fill_values(fill, c, where)
        out = np.empty((n, h + top + bottom, w + left + right, c), x.dtype)
        out[...] = cast_like(f, x.dtype)
        out[:, top:top + h, left:left + w] = x
        return out
    if mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= w):
        raise ValueError(f"{where}: reflect padding {tuple(ltrb)} (left, top, right, bottom) "
                         f"must be smaller than the image size {(h, w)}")
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), mode=mode)


def crop(x, top, left, height, width):
    """Crop a height x width window at (top[i], left[i]) from each sample i."""
    top = np.asarray(top, np.intp).reshape(-1)
    left = np.asarray(left, np.intp).reshape(-1)
    if len(np.unique(top)) == 1 and len(np.unique(left)) == 1:  # one window: a plain slice
        t, l = int(top[0]), int(left[0])
        return x[:, t:t + height, l:l + width].copy()
    n = len(x)
    rows = top[:, None, None] + np.arange(height)[None, :, None]  # (N, h, 1)
    cols = left[:, None, None] + np.arange(width)[None, None, :]  # (N, 1, w)
    return x[np.arange(n)[:, None, None], rows, cols]             # (N, h, w, C)


def affine_inverse(a, tx, ty, scale, shx, shy, center):
    """Per-sample (N, 2, 3) matrices mapping output pixels back to source pixels.

    The forward map sends a source point p to q = c + t + A (p - c), with
    A = scale * R(a) @ ShearY(shy) @ ShearX(shx), R(a) = [[cos a, -sin a], [sin a, cos a]]
    (clockwise on screen, as y points down), ShearX = [[1, -tan shx], [0, 1]] and
    ShearY = [[1, 0], [-tan shy, 1]]; angles in degrees. The inverse is
    p = c + A^-1 (q - c - t).
    """
    a, sx, sy = (np.radians(np.asarray(v, np.float64)) for v in (a, shx, shy))
    a, tx, ty, scale, sx, sy = np.broadcast_arrays(a, tx, ty, scale, sx, sy)
    n = a.shape[0]
    rot = np.empty((n, 2, 2))
    rot[:, 0, 0], rot[:, 0, 1] = np.cos(a), -np.sin(a)
    rot[:, 1, 0], rot[:, 1, 1] = np.sin(a), np.cos(a)
    shear_x = np.tile(np.eye(2), (n, 1, 1))
    shear_x[:, 0, 1] = -np.tan(sx)
    shear_y = np.tile(np.eye(2), (n, 1, 1))
    shear_y[:, 1, 0] = -np.tan(sy)
    fwd = scale[:, None, None] * (rot @ shear_y @ shear_x)
    inv = np.linalg.inv(fwd)
    c = np.asarray(center, np.float64)
    shift = np.stack([tx, ty], axis=1).astype(np.float64)             # (N, 2)
    offset = c - np.einsum("nij,nj->ni", inv, c + shift)              # c - A^-1 (c + t)
    return np.concatenate([inv, offset[:, :, None]], axis=2)


def warp(x, inv, interpolation="nearest", fill=0.0, where="RandomAffine"):
    """Resample each sample i at the source points inv[i] @ (x, y, 1) of its output grid.

    Pixel (row y, column x) has its centre at (x, y). Points outside the image take the
    ``fill`` colour: nearest picks it; bilinear blends it in with the weights of the
    neighbours that fall outside, as if the image were padded with that colour.
    """
    n, h, w, c = x.shape
    work = np.float64 if x.dtype == np.float64 else np.float32
    # a border of fill colour (1 pixel left/top, 2 right/bottom): source points clamped
    # into [0, w + 1] x [0, h + 1] of the padded image then read the fill where they fell
    # outside, and their right/lower bilinear neighbours stay inside the array
    padded = pad(x, (1, 1, 2, 2), "constant", fill, where)
    flat = padded.reshape(-1, c).astype(work if interpolation != "nearest" else x.dtype)
    pw = w + 3
    ys, xs = np.indices((h, w), dtype=work)
    m = inv.astype(work)[:, :, :, None, None]                         # (N, 2, 3, 1, 1)
    sx = m[:, 0, 0] * xs + m[:, 0, 1] * ys + (m[:, 0, 2] + 1)         # (N, H, W), padded
    sy = m[:, 1, 0] * xs + m[:, 1, 1] * ys + (m[:, 1, 2] + 1)
    np.clip(sx, 0, w + 1, out=sx)
    np.clip(sy, 0, h + 1, out=sy)
    base = (np.arange(n, dtype=np.intp) * ((h + 3) * pw))[:, None, None]
    if interpolation == "nearest":
        idx = np.rint(sy).astype(np.intp) * pw + np.rint(sx).astype(np.intp) + base
        return np.take(flat, idx, axis=0)
    x0, y0 = np.floor(sx), np.floor(sy)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    i00 = y0.astype(np.intp) * pw + x0.astype(np.intp) + base         # top-left neighbour
    top = np.take(flat, i00, axis=0) * (1 - fx) + np.take(flat, i00 + 1, axis=0) * fx
    bottom = np.take(flat, i00 + pw, axis=0) * (1 - fx) + np.take(flat, i00 + pw + 1, axis=0) * fx
    return cast_like(top * (1 - fy) + bottom * fy, x.dtype)


def linear_weights(in_size, out_size, antialias):
    """(out_size, in_size) matrix of a 1-D linear resampling (align_corners=False).

    Output pixel i samples the input at s = (i + 0.5) * in/out - 0.5 with a triangle
    kernel; when shrinking with ``antialias`` the kernel is widened by in/out, so each
    output averages all the input pixels it covers. Taps off the image are dropped and
    each row renormalised, which clamps at the borders.
    """
    ratio = in_size / out_size
    support = max(ratio, 1.0) if antialias else 1.0
    centre = (np.arange(out_size) + 0.5) * ratio - 0.5               # in input pixel units
    taps = np.arange(in_size)
    wgt = np.maximum(0.0, 1.0 - np.abs(taps[None, :] - centre[:, None]) / support)
    # the nearest tap is at most 0.5 away, so every row has a positive total
    return wgt / wgt.sum(axis=1, keepdims=True)


def resize(x, size, interpolation="bilinear", antialias=True):
    """Resize the H and W axes of every sample to ``size`` = (height, width)."""
    n, h, w, c = x.shape
    oh, ow = size
    if interpolation == "nearest":  # input pixel floor(i * in / out), as torch's 'nearest'
        rows = np.minimum((np.arange(oh) * (h / oh)).astype(np.intp), h - 1)
        cols = np.minimum((np.arange(ow) * (w / ow)).astype(np.intp), w - 1)
        return x[:, rows[:, None], cols[None, :]]
    work = np.float64 if x.dtype == np.float64 else np.float32
    wy = linear_weights(h, oh, antialias).astype(work)                # (oh, h)
    wx = linear_weights(w, ow, antialias).astype(work)                # (ow, w)
    t = wy @ x.astype(work).reshape(n, h, w * c)                      # (N, oh, W*C)
    t = t.reshape(n, oh, w, c).transpose(0, 1, 3, 2) @ wx.T           # (N, oh, C, ow)
    return cast_like(t.transpose(0, 1, 3, 2), x.dtype)
