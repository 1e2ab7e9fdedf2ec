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


_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}


def promote_pair(a, b):
    """PyTorch's type promotion for a binary op (NumPy's differs: int64 + float32 is
    float64 there). A Python scalar never changes a tensor's dtype within its category;
    across categories (int tensor, float scalar) the default float dtype is used. Between
    tensors the higher category wins, and a 0-dim tensor only decides the dtype when its
    category is higher than the other's."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.dtype == b.dtype:
            return a, b
        target = _tensor_result_type(a, b)
        return (a if a.dtype == target else a.to(target),
                b if b.dtype == target else b.to(target))
    if isinstance(a, Tensor):
        if a.dtype.kind in "iub" and isinstance(b, float):
            a = a.to(_dt.get_default_dtype())
    elif isinstance(b, Tensor):
        if b.dtype.kind in "iub" and isinstance(a, float):
            b = b.to(_dt.get_default_dtype())
    return a, b


def check_broadcast(name, *operands):
    """Raise one error naming the op when the operands' shapes do not broadcast
    (instead of NumPy's bare ValueError from inside forward)."""
    shapes = [tuple(x.shape) for x in operands if isinstance(x, (Tensor, np.ndarray))]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pass
    # the first dimension (counted from the right, as broadcasting aligns) that clashes
    n = max(len(s) for s in shapes)
    for d in range(-1, -n - 1, -1):
        sizes = {s[d] for s in shapes if len(s) >= -d} - {1}
        if len(sizes) > 1:
            break
    raise RuntimeError(
        f"{name}: shapes {', '.join(map(str, shapes))} cannot be broadcast together: "
        f"sizes {sorted(sizes)} clash at dimension {n + d} (non-singleton sizes must match)")


def _tensor_result_type(a, b):
    ca, cb = _CATEGORY[a.dtype.kind], _CATEGORY[b.dtype.kind]
    if (a.ndim == 0) != (b.ndim == 0):
        dimmed, scalar = (b, a) if a.ndim == 0 else (a, b)
        cd, cs = _CATEGORY[dimmed.dtype.kind], _CATEGORY[scalar.dtype.kind]
        return dimmed.dtype if cd >= cs else scalar.dtype
    if ca != cb:
        return a.dtype if ca > cb else b.dtype
    return np.result_type(a.dtype, b.dtype)


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
