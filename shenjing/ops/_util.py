"""Small helpers shared by the op modules (argument coercion, axis handling)."""
import numbers

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor


def as_operand(x):
    """Tensors pass through; Python numbers stay scalars; arrays and lists become tensors."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, numbers.Number)) and not isinstance(x, np.ndarray):
        return x.item() if isinstance(x, np.generic) else x
    return Tensor(x) if not isinstance(x, np.ndarray) else Tensor._make(x, None)


def promote_pair(a, b):
    """Apply PyTorch's rule that an integer tensor meeting a float scalar becomes float."""
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        if a.dtype.kind in "iub" and isinstance(b, float):
            a = a.to(_dt.get_default_dtype())
    elif isinstance(b, Tensor) and not isinstance(a, Tensor):
        if b.dtype.kind in "iub" and isinstance(a, float):
            b = b.to(_dt.get_default_dtype())
    return a, b


def norm_axes(dim, ndim, name="dim"):
    """dim (None, int or sequence) -> tuple of non-negative axes, with a clear error."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        d = int(d)
        lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
        if not lo <= d <= hi:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        out.append(d % ndim if ndim else 0)
    return tuple(out)


def norm_dim(dim, ndim):
    return norm_axes(int(dim), ndim)[0]


def shape_arg(shape):
    """Accept f(2, 3), f((2, 3)) or f([2, 3]) and return a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)
