"""Indexing: basic and integer-array getitem, gather, where, masked_fill, sort/topk,
item assignment into graphs, and the (non-differentiable) comparisons."""
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _unwrap_index
from ._util import as_operand, check_broadcast, norm_dim, promote_pair


def _is_basic(key):
    """True when the index has only ints, slices, None and Ellipsis (no duplicates)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice, type(None), type(Ellipsis)))
               and not isinstance(k, bool) for k in parts)


class GetItem(Function):
    def forward(self, a, key):
        self.shape, self.dtype, self.key = a.shape, a.dtype, key
        self.basic = _is_basic(key)
        return a[key]

    def backward(self, g):
        grad = np.zeros(self.shape, self.dtype)
        if self.basic or _is_bool_mask(self.key):
            grad[self.key] = g
        else:
            np.add.at(grad, self.key, g)  # repeated indices accumulate
        return grad


def _is_bool_mask(key):
    return isinstance(key, np.ndarray) and key.dtype == np.bool_


def _check_key(a, key):
    parts = key if isinstance(key, tuple) else (key,)
    dim = 0
    for k in parts:
        if k is None:
            continue
        if k is Ellipsis:
            return
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            if dim >= a.ndim:
                raise IndexError(f"too many indices for tensor of dimension {a.ndim}")
            n = a.shape[dim]
            if not -n <= k < n:
                raise IndexError(
                    f"index {k} is out of bounds for dimension {dim} with size {n}")
        elif isinstance(k, np.ndarray) and k.dtype.kind in "iu" and k.size:
            if dim >= a.ndim:
                raise IndexError(f"too many indices for tensor of dimension {a.ndim}")
            n = a.shape[dim]
            if k.max() >= n or k.min() < -n:
                bad = k.max() if k.max() >= n else k.min()
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {n}")
        elif isinstance(k, np.ndarray) and k.dtype.kind not in "iub":
            raise IndexError(
                f"tensors used as indices must be long, int or bool tensors, got {k.dtype}")
        dim += k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1


def getitem(a, key):
    key = _unwrap_index(key)
    if isinstance(key, list):
        key = np.asarray(key)
    _check_key(a, key)
    return GetItem.apply(a, key)


class Gather(Function):
    def forward(self, a, dim, index):
        self.shape, self.dim, self.index = a.shape, dim, index
        return np.take_along_axis(a, index, axis=dim)

    def backward(self, g):
        grad = np.zeros(self.shape, g.dtype)
        idx = list(np.indices(self.index.shape, sparse=True))
        idx[self.dim] = self.index
        np.add.at(grad, tuple(idx), g)
        return grad


def gather(a, dim, index):
    index = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = norm_dim(dim, a.ndim)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): Expected dtype int64 for index, got {index.dtype}")
    if index.ndim != a.ndim:
        raise RuntimeError(
            f"gather(): index tensor must have the same number of dimensions as input "
            f"({index.ndim} vs {a.ndim})")
    if index.size and (index.max() >= a.shape[d] or index.min() < 0):
        raise RuntimeError(
            f"gather(): index {int(index.max())} is out of bounds for dimension {d} with "
            f"size {a.shape[d]}")
    return Gather.apply(a, d, index)


def index_select(a, dim, index):
    d = norm_dim(dim, a.ndim)
    index = index._data if isinstance(index, Tensor) else np.asarray(index)
    return getitem(a, (slice(None),) * d + (index.reshape(-1),))


class Where(Function):
    def forward(self, cond, a, b):
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g):
        c = self.cond
        return (None,
                np.where(c, g, 0) if self.needs_input_grad[1] else None,
                np.where(c, 0, g) if self.needs_input_grad[2] else None)


def where(cond, a=None, b=None):
    if a is None and b is None:
        return tuple(Tensor._make(i.astype(np.int64), None) for i in np.nonzero(cond._data))
    cond = cond._data if isinstance(cond, Tensor) else np.asarray(cond)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where: expected a bool condition, got {cond.dtype} "
                           "(compare explicitly, e.g. cond != 0)")
    a, b = promote_pair(as_operand(a), as_operand(b))
    check_broadcast("where", cond, a, b)
    # a Python scalar takes the other operand's dtype, as in PyTorch
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        b = np.asarray(b, a.dtype)
    elif isinstance(b, Tensor) and not isinstance(a, Tensor):
        a = np.asarray(a, b.dtype)
    return Where.apply(cond, a, b)


def masked_fill(a, mask, value):
    mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if mask.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got {mask.dtype}")
    if check_broadcast("masked_fill", mask, a) != tuple(a.shape):
        raise RuntimeError(f"masked_fill: mask of shape {mask.shape} does not broadcast to "
                           f"the input's shape {tuple(a.shape)}")
    value = value.item() if isinstance(value, Tensor) else value
    return Where.apply(mask, np.asarray(value, a.dtype), a)


class IndexPut(Function):
    """out = a with out[key] = v; the rebased history of ``t[key] = v``."""

    def forward(self, a, v, key):
        self.key, self.v_shape = key, np.shape(v)
        out = a.copy()
        out[key] = v
        return out

    def backward(self, g):
        ga = gv = None
        if self.needs_input_grad[0]:
            ga = g.copy()
            ga[self.key] = 0
        if self.needs_input_grad[1]:
            from ..autograd.engine import sum_to_shape
            gv = sum_to_shape(g[self.key], self.v_shape)
        return ga, gv


def index_put_rebase(t, key, value):
    """Make ``t[key] = value`` differentiable: t takes the history of an IndexPut node."""
    old = Tensor._make(t._data, t.grad_fn, t._output_nr)
    old._requires_grad = t.requires_grad
    value = as_operand(value)
    if not isinstance(value, Tensor):
        value = np.asarray(value, t.dtype)
    new = IndexPut.apply(old, value, key)
    t._data, t.grad_fn, t._output_nr = new._data, new.grad_fn, 0
    t._requires_grad = new.requires_grad


def _compare(fn, a, b):
    check_broadcast(fn.__name__, a, b)
    a = a._data if isinstance(a, Tensor) else a
    b = b._data if isinstance(b, Tensor) else b
    return Tensor._make(np.asarray(fn(a, b)), None)


def eq(a, b): return _compare(np.equal, a, b)
def ne(a, b): return _compare(np.not_equal, a, b)
def lt(a, b): return _compare(np.less, a, b)
def le(a, b): return _compare(np.less_equal, a, b)
def gt(a, b): return _compare(np.greater, a, b)
def ge(a, b): return _compare(np.greater_equal, a, b)


def logical_binary(fn, a, b):
    return _compare(fn, a, b)


def logical_not(a):
    return Tensor._make(np.logical_not(a._data), None)


sort_result = namedtuple("return_types", ["values", "indices"])


def sort(a, dim=-1, descending=False):
    d = norm_dim(dim, a.ndim)
    src = -a._data if descending and a.dtype.kind != "b" else a._data
    idx = np.argsort(src, axis=d, kind="stable").astype(np.int64)
    return sort_result(gather(a, d, idx), Tensor._make(idx, None))


def topk(a, k, dim=-1, largest=True):
    d = norm_dim(dim, a.ndim)
    if not 0 <= k <= a.shape[d]:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {a.shape[d]}")
    vals, idx = sort(a, d, descending=largest)
    key = (slice(None),) * d + (slice(0, k),)
    return sort_result(getitem(vals, key), Tensor._make(idx._data[key], None))
