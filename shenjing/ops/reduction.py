"""Reductions: sum, mean, var/std, max/min (with indices), logsumexp, prod, norm.

The backward of a reduction broadcasts the output gradient back over the reduced
axes (restored as size-1 axes first when keepdim was False).
"""
import builtins
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from . import arithmetic as _ar
from . import unary as _un
from ._util import check_broadcast, norm_axes, norm_dim

values_indices = namedtuple("return_types", ["values", "indices"])


def _restore(g, axes, keepdim):
    """Re-insert reduced axes as size 1 so g broadcasts against the input."""
    return g if keepdim else np.expand_dims(g, axes)


class Sum(Function):
    def forward(self, a, axes, keepdim, dtype=None):
        self.shape, self.axes, self.keepdim = a.shape, axes, keepdim
        return np.asarray(a.sum(axis=axes, keepdims=keepdim, dtype=dtype))

    def backward(self, g):
        return np.broadcast_to(_restore(g, self.axes, self.keepdim), self.shape)


class Mean(Function):
    def forward(self, a, axes, keepdim):
        self.shape, self.axes, self.keepdim = a.shape, axes, keepdim
        self.n = int(np.prod([a.shape[i] for i in axes]))
        return np.asarray(a.mean(axis=axes, keepdims=keepdim))

    def backward(self, g):
        return np.broadcast_to(_restore(g, self.axes, self.keepdim) / self.n, self.shape)


class MaxDim(Function):
    """max/min along one dim: values (differentiable) and indices."""

    def forward(self, a, dim, keepdim, take_min):
        idx = (np.argmin if take_min else np.argmax)(a, axis=dim)
        idx_k = np.expand_dims(idx, dim)
        vals = np.take_along_axis(a, idx_k, axis=dim)
        self.shape, self.dim, self.idx_k, self.keepdim = a.shape, dim, idx_k, keepdim
        if not keepdim:
            vals = vals.squeeze(dim)
            return vals, idx.astype(np.int64)
        return vals, idx_k.astype(np.int64)

    def differentiable_outputs(self, n):
        return (True, False)

    def backward(self, g, _gi):
        # the gradient goes to the one selected element of each slice
        grad = np.zeros(self.shape, g.dtype)
        gk = g if self.keepdim else np.expand_dims(g, self.dim)
        np.put_along_axis(grad, self.idx_k, gk, axis=self.dim)
        return grad


class AMax(Function):
    """max/min over axes; ties share the gradient evenly (as PyTorch's amax)."""

    def forward(self, a, axes, keepdim, take_min):
        out = (np.min if take_min else np.max)(a, axis=axes, keepdims=True)
        self.mask = a == out
        self.axes, self.keepdim = axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    def backward(self, g):
        m = self.mask
        count = m.sum(axis=self.axes, keepdims=True)
        return _restore(g, self.axes, self.keepdim) * m / count


class LogSumExp(Function):
    def forward(self, a, axes, keepdim):
        m = np.max(a, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.exp(a - m).sum(axis=axes, keepdims=True)) + m
        self.a, self.out_k, self.axes, self.keepdim = a, out, axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    def backward(self, g):
        return _restore(g, self.axes, self.keepdim) * np.exp(self.a - self.out_k)


class Prod(Function):
    def forward(self, a, axis, keepdim):
        self.a, self.axis, self.keepdim = a, axis, keepdim
        return np.asarray(np.prod(a, axis=axis, keepdims=keepdim))

    def backward(self, g):
        # product of all the other elements = exclusive cumprod from the left
        # times exclusive cumprod from the right (exact even when some are zero)
        a = self.a if self.axis is not None else self.a.reshape(-1)
        ax = self.axis if self.axis is not None else 0
        ones = np.ones_like(np.take(a, [0], axis=ax))
        left = np.concatenate([ones, np.cumprod(a, axis=ax)], axis=ax)
        left = np.take(left, range(a.shape[ax]), axis=ax)
        rev = np.flip(a, axis=ax)
        right = np.concatenate([ones, np.cumprod(rev, axis=ax)], axis=ax)
        right = np.flip(np.take(right, range(a.shape[ax]), axis=ax), axis=ax)
        others = left * right
        if self.axis is None:
            return (g * others).reshape(self.a.shape)
        gk = g if self.keepdim else np.expand_dims(g, ax)
        return gk * others


def _axes_for(a, dim):
    axes = norm_axes(dim, a.ndim)
    if len(set(axes)) != len(axes):
        dup = next(d for d in axes if axes.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims {dim}")
    return axes if a.ndim else ()  # a 0-d tensor's dim 0 / -1 is the tensor itself


def sum(a, dim=None, keepdim=False, dtype=None):
    if a.dtype.kind in "biu" and dtype is None:
        dtype = np.int64  # integer sums are int64, as PyTorch
    return Sum.apply(a, _axes_for(a, dim), keepdim, dtype)


def mean(a, dim=None, keepdim=False):
    if a.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be floating point, got {a.dtype}")
    return Mean.apply(a, _axes_for(a, dim), keepdim)


def var(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance with Bessel's correction by default (correction=1), as PyTorch."""
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = _axes_for(a, dim)
    n = int(np.prod([a.shape[i] for i in axes]))
    d = _ar.sub(a, mean(a, axes, keepdim=True))
    return _ar.div(sum(_ar.mul(d, d), axes, keepdim), builtins.max(n - correction, 0))


def std(a, dim=None, unbiased=None, keepdim=False, correction=None):
    return _un.sqrt(var(a, dim, unbiased, keepdim, correction))


def _max_min(a, dim, keepdim, take_min, other=None):
    if other is not None:  # binary form: elementwise maximum/minimum
        return (minimum if take_min else maximum)(a, other)
    if isinstance(dim, Tensor):
        return (minimum if take_min else maximum)(a, dim)
    if dim is None:
        if a.numel() == 0:
            raise RuntimeError("max(): expected a non-empty tensor when no dim is given")
        return AMax.apply(a, tuple(range(a.ndim)), False, take_min)
    d = norm_dim(dim, a.ndim)
    if a.ndim == 0:  # a 0-d tensor is its own max along its only "dim"
        return values_indices(a.clone(), Tensor._make(np.zeros((), np.int64), None))
    v, i = MaxDim.apply(a, d, keepdim, take_min)
    return values_indices(v, i)


def max(a, dim=None, keepdim=False, *, other=None):
    return _max_min(a, dim, keepdim, False, other)


def min(a, dim=None, keepdim=False, *, other=None):
    return _max_min(a, dim, keepdim, True, other)


def amax(a, dim=None, keepdim=False):
    return AMax.apply(a, _axes_for(a, dim), keepdim, False)


def amin(a, dim=None, keepdim=False):
    return AMax.apply(a, _axes_for(a, dim), keepdim, True)


def _arg(fn, a, dim, keepdim):
    if dim is None:
        out = np.asarray(fn(a._data.reshape(-1)))
        if keepdim:
            out = out.reshape((1,) * a.ndim)
    else:
        d = norm_dim(dim, a.ndim)
        out = fn(a._data, axis=d)
        if keepdim:
            out = np.expand_dims(out, d)
    return Tensor._make(np.asarray(out, np.int64), None)


def argmax(a, dim=None, keepdim=False):
    return _arg(np.argmax, a, dim, keepdim)


def argmin(a, dim=None, keepdim=False):
    return _arg(np.argmin, a, dim, keepdim)


def logsumexp(a, dim, keepdim=False):
    return LogSumExp.apply(a, _axes_for(a, dim), keepdim)


def prod(a, dim=None, keepdim=False):
    return Prod.apply(a, None if dim is None else norm_dim(dim, a.ndim), keepdim)


def norm(a, p=2, dim=None, keepdim=False):
    """Vector p-norm over dim (all elements by default)."""
    if p in ("fro", 2, 2.0):
        return _un.sqrt(sum(_ar.mul(a, a), dim, keepdim))
    if p in (float("inf"), "inf"):
        return amax(_un.abs(a), dim, keepdim)
    if p == 1:
        return sum(_un.abs(a), dim, keepdim)
    return _ar.pow(sum(_ar.pow(_un.abs(a), p), dim, keepdim), 1.0 / p)


class Maximum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        # ties split the gradient in half, as PyTorch
        a, b = self.a, self.b
        wa = (a > b) + 0.5 * (a == b)
        return (g * wa if self.needs_input_grad[0] else None,
                g * (1 - wa) if self.needs_input_grad[1] else None)


def maximum(a, b):
    check_broadcast("maximum", a, b)
    return Maximum.apply(a, b)


def minimum(a, b):
    check_broadcast("minimum", a, b)
    return _ar.neg(Maximum.apply(_ar.neg(a), _ar.neg(b)))


def _bool_reduce(fn, a, dim, keepdim):
    axes = _axes_for(a, dim)
    return Tensor._make(np.asarray(fn(a._data, axis=axes, keepdims=keepdim)), None)


def any(a, dim=None, keepdim=False):
    return _bool_reduce(np.any, a, dim, keepdim)


def all(a, dim=None, keepdim=False):
    return _bool_reduce(np.all, a, dim, keepdim)
