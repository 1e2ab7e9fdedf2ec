"""Shape ops: reshape/view, permute/transpose, expand, squeeze/unsqueeze, cat/stack,
split/chunk, repeat, flip, pad. Backward of each is the inverse rearrangement
(expand's is a sum, pad's is a slice)."""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import norm_axes, norm_dim, shape_arg


class Reshape(Function):
    def forward(self, a, shape):
        self.in_shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


class Permute(Function):
    def forward(self, a, axes):
        self.inv = tuple(np.argsort(axes))
        return a.transpose(axes)

    def backward(self, g):
        return g.transpose(self.inv)


class Expand(Function):
    def forward(self, a, shape):
        self.in_shape = a.shape
        return np.broadcast_to(a, shape)

    def backward(self, g):
        from ..autograd.engine import sum_to_shape
        return sum_to_shape(g, self.in_shape)


class Cat(Function):
    def forward(self, *arrays, dim):
        self.dim = dim
        self.bounds = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    def backward(self, g):
        return tuple(np.split(g, self.bounds, axis=self.dim))


class Stack(Function):
    def forward(self, *arrays, dim):
        self.dim = dim
        return np.stack(arrays, axis=dim)

    def backward(self, g):
        return tuple(np.moveaxis(g, self.dim, 0))


class Repeat(Function):
    def forward(self, a, reps):
        self.orig_shape = a.shape
        self.in_shape = (1,) * (len(reps) - a.ndim) + a.shape
        self.reps = reps
        return np.tile(a.reshape(self.in_shape), reps)

    def backward(self, g):
        # view the output as (r0, s0, r1, s1, ...) and sum over the r axes
        split = []
        for r, s in zip(self.reps, self.in_shape):
            split += [r, s]
        g = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return g.reshape(self.orig_shape)


class Flip(Function):
    def forward(self, a, axes):
        self.axes = axes
        return np.flip(a, axes)

    def backward(self, g):
        return np.flip(g, self.axes)


class Pad(Function):
    """Constant padding; ``widths`` is ((before, after), ...) per axis, negative crops."""

    def forward(self, a, widths, value):
        self.in_shape = a.shape
        self.crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, a.shape))
        a = a[self.crop]
        self.pos = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        self.cropped_shape = a.shape
        return np.pad(a, self.pos, constant_values=value)

    def backward(self, g):
        inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(self.pos, self.cropped_shape))
        gi = g[inner]
        if gi.shape == self.in_shape:
            return gi
        full = np.zeros(self.in_shape, g.dtype)
        full[self.crop] = gi
        return full


def view(a, shape):
    shape = shape_arg(shape)
    _check_reshape(a, shape, "view")
    return Reshape.apply(a, shape)


def reshape(a, shape):
    shape = shape_arg(shape)
    _check_reshape(a, shape, "reshape")
    return Reshape.apply(a, shape)


def _check_reshape(a, shape, name):
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    n = a.numel()
    if shape.count(-1) > 1 or (-1 not in shape and known != n) or \
            (-1 in shape and (known == 0 or n % known)):
        raise RuntimeError(
            f"{name}: shape {list(shape)} is invalid for input of size {n} (shape {tuple(a.shape)})")


def flatten(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return reshape(a, (1,))
    s, e = norm_dim(start_dim, a.ndim), norm_dim(end_dim, a.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = a.shape[:s] + (-1,) + a.shape[e + 1:]
    if a.numel() == 0:
        shape = a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:]
    return Reshape.apply(a, tuple(shape))


def unflatten(a, dim, sizes):
    d = norm_dim(dim, a.ndim)
    return reshape(a, a.shape[:d] + tuple(sizes) + a.shape[d + 1:])


def squeeze(a, dim=None):
    if dim is None:
        shape = tuple(s for s in a.shape if s != 1)
    else:
        axes = norm_axes(dim, a.ndim)
        shape = tuple(s for i, s in enumerate(a.shape) if not (i in axes and s == 1))
    return Reshape.apply(a, shape)


def unsqueeze(a, dim):
    d = norm_dim(dim, a.ndim + 1)
    shape = a.shape[:d] + (1,) + a.shape[d:]
    return Reshape.apply(a, tuple(shape))


def permute(a, dims):
    dims = shape_arg(dims)
    axes = norm_axes(dims, a.ndim) if len(dims) == a.ndim else ()
    if len(dims) != a.ndim or sorted(axes) != list(range(a.ndim)):
        raise RuntimeError(
            f"permute: dims {list(dims)} are not a permutation of the {a.ndim} dims of a "
            f"tensor of shape {tuple(a.shape)}")
    return Permute.apply(a, axes)


def transpose(a, d0, d1):
    if a.ndim == 0:
        return a
    d0, d1 = norm_dim(d0, a.ndim), norm_dim(d1, a.ndim)
    axes = list(range(a.ndim))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return Permute.apply(a, tuple(axes))


def expand(a, sizes):
    sizes = shape_arg(sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(
            f"expand: the number of sizes ({len(sizes)}) must be at least the tensor's "
            f"dims ({a.ndim}), shape {tuple(a.shape)}")
    lead = len(sizes) - a.ndim
    if any(s < 0 for s in sizes[:lead]) or any(s < -1 for s in sizes):
        raise RuntimeError(
            f"expand: invalid sizes {list(sizes)} for a tensor of shape {tuple(a.shape)} "
            "(-1 is allowed only for existing dimensions)")
    shape = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    for i, n in enumerate(a.shape):
        if n != 1 and n != shape[i + lead]:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({shape[i + lead]}) must match the "
                f"existing size ({n}) at non-singleton dimension {i}. Target sizes: "
                f"{list(sizes)}. Tensor sizes: {list(a.shape)}")
    return Expand.apply(a, shape)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    nd = tensors[0].ndim
    if any(t.ndim == 0 for t in tensors):
        raise RuntimeError(
            "cat(): zero-dimensional tensor cannot be concatenated (shapes "
            f"{[tuple(t.shape) for t in tensors]})")
    d = norm_dim(dim, nd)
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != nd or any(t.shape[k] != ref[k] for k in range(nd) if k != d):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}: tensor 0 has "
                f"shape {tuple(ref)}, tensor {i} has shape {tuple(t.shape)}")
    return Cat.apply(*tensors, dim=d)


concat = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                f"at entry 0 and {list(t.shape)} at entry {i}")
    return Stack.apply(*tensors, dim=norm_dim(dim, tensors[0].ndim + 1))


def split(a, split_size, dim=0):
    from .indexing import getitem
    d = norm_dim(dim, a.ndim)
    n = a.shape[d]
    if isinstance(split_size, (int, np.integer)):
        if split_size <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {split_size}")
        sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else [])
    else:
        sizes = list(split_size)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        key = (slice(None),) * d + (slice(start, start + s),)
        out.append(getitem(a, key))
        start += s
    return tuple(out)


def chunk(a, chunks, dim=0):
    if int(chunks) < 1:
        raise RuntimeError(f"chunk: chunks must be a positive int, got {chunks}")
    d = norm_dim(dim, a.ndim)
    n = a.shape[d]
    size = -(-n // chunks) if n else 1
    return split(a, max(size, 1), d)


def unbind(a, dim=0):
    from .indexing import getitem
    d = norm_dim(dim, a.ndim)
    return tuple(getitem(a, (slice(None),) * d + (i,)) for i in range(a.shape[d]))


def repeat(a, sizes):
    reps = shape_arg(sizes)
    if len(reps) < a.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of "
            f"dimensions of tensor ({len(reps)} < {a.ndim})")
    return Repeat.apply(a, reps)


def flip(a, dims):
    return Flip.apply(a, norm_axes(dims, a.ndim))


def pad(a, pad_widths, mode="constant", value=0.0):
    """PyTorch-style pad: (left, right) for the last dim, then the one before, ..."""
    if mode != "constant":
        from ..nn.functional.conv import _pad_nonconstant
        return _pad_nonconstant(a, pad_widths, mode)
    if len(pad_widths) % 2 or len(pad_widths) // 2 > a.ndim:
        raise RuntimeError(
            f"pad: padding length must be even and at most 2 * ndim ({2 * a.ndim}), "
            f"got {len(pad_widths)}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad_widths) // 2):
        widths[a.ndim - 1 - i] = (int(pad_widths[2 * i]), int(pad_widths[2 * i + 1]))
    return Pad.apply(a, tuple(widths), value)


def cumsum(a, dim):
    return _CumSum.apply(a, norm_dim(dim, a.ndim))


class _CumSum(Function):
    def forward(self, a, dim):
        self.dim = dim
        return np.cumsum(a, axis=dim, dtype=np.int64 if a.dtype.kind in "biu" else a.dtype)

    def backward(self, g):
        # each input feeds every later output: reversed cumulative sum
        return np.flip(np.cumsum(np.flip(g, self.dim), axis=self.dim), self.dim)


def is_tensor(x):
    return isinstance(x, Tensor)
