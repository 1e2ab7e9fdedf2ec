"""Tensor creation: from data, filled, ranges and random."""
import numpy as np

from . import dtypes as _dt
from .random import _gen
from .tensor import Tensor, _as_array


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise RuntimeError(f"expected a shape of non-negative ints, got {tuple(size)}")
    return tuple(int(s) for s in size)


def _finish(arr, requires_grad):
    t = Tensor._make(arr, None)
    if requires_grad:
        t.requires_grad = True
    return t


def _float(dtype):
    return _dt.to_dtype(dtype) or _dt.get_default_dtype()


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor copying ``data`` (Python floats become float32, ints int64)."""
    return _finish(np.array(_as_array(data, dtype), copy=True), requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _dt.to_dtype(dtype)):
        return data
    return Tensor._make(_as_array(data, dtype), None)


def from_numpy(arr):
    """A tensor sharing memory with the NumPy array ``arr``."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(arr).__name__})")
    return Tensor._make(arr, None)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(_shape(size), _float(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(_shape(size), _float(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.empty(_shape(size), _float(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, int) else _dt.get_default_dtype())
    return _finish(np.full(_shape((size,)), fill_value, _dt.to_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def _like(fn, t, dtype, requires_grad, **kw):
    return fn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad, **kw)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return _like(zeros, t, dtype, requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return _like(ones, t, dtype, requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return _like(empty, t, dtype, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(tuple(t.shape), fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad=False):
    return _like(rand, t, dtype, requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False):
    return _like(randn, t, dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else _dt.get_default_dtype()
    return _finish(np.arange(start, end, step, dtype=_dt.to_dtype(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return _finish(np.linspace(start, end, steps, dtype=_float(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    arr = _gen(generator).random(_shape(size), dtype=np.float64).astype(_float(dtype))
    return _finish(arr, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    arr = _gen(generator).standard_normal(_shape(size)).astype(_float(dtype))
    return _finish(arr, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None):
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    arr = _gen(generator).integers(low, high, size=_shape((size,)))
    return Tensor._make(arr.astype(_dt.to_dtype(dtype) or np.int64), None)


def randperm(n, generator=None, dtype=None, device=None):
    return Tensor._make(_gen(generator).permutation(n).astype(_dt.to_dtype(dtype) or np.int64), None)


def normal(mean, std, size=None, generator=None):
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = _shape((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    return Tensor._make(_gen(generator).normal(m, s, shape).astype(_dt.get_default_dtype()), None)


def bernoulli(p, generator=None):
    probs = p._data
    return Tensor._make((_gen(generator).random(probs.shape) < probs).astype(probs.dtype), None)


def multinomial(probs, num_samples, replacement=False, generator=None):
    """Draw category indices with probability proportional to each row of ``probs``."""
    p = np.asarray(probs._data, np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: probs must be 1-D or 2-D, got {p.ndim}-D")
    if (p < 0).any() or not np.isfinite(p).all():
        raise RuntimeError("multinomial: probability tensor contains inf, nan or element < 0")
    rows = p.reshape(-1, p.shape[-1])
    rng = _gen(generator)
    out = []
    for row in rows:
        total = row.sum()
        if total <= 0:
            raise RuntimeError("multinomial: invalid distribution (sum of probabilities <= 0)")
        if not replacement and num_samples > np.count_nonzero(row):
            raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                               "without replacement")
        out.append(rng.choice(len(row), size=num_samples, replace=replacement, p=row / total))
    arr = np.asarray(out, np.int64)
    return Tensor._make(arr if p.ndim == 2 else arr[0], None)
