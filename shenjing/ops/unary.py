"""Elementwise math: exp, log, sqrt, abs, sin, cos, clamp, and the dtype cast."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor


class Exp(Function):
    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return g * self.out


class Log(Function):
    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return g / self.a


class Log1p(Function):
    def forward(self, a):
        self.a = a
        return np.log1p(a)

    def backward(self, g):
        return g / (1 + self.a)


class Sqrt(Function):
    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class Abs(Function):
    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return g * np.sign(self.a)  # 0 at 0, as PyTorch


class Sin(Function):
    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return g * np.cos(self.a)


class Cos(Function):
    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, g):
        return -g * np.sin(self.a)


class Clamp(Function):
    def forward(self, a, lo=None, hi=None):
        self.a, self.lo, self.hi = a, lo, hi
        return np.clip(a, lo, hi)

    def backward(self, g):
        # gradient passes where lo <= a <= hi (bounds included, as PyTorch)
        keep = np.ones(self.a.shape, bool)
        if self.lo is not None:
            keep &= self.a >= self.lo
        if self.hi is not None:
            keep &= self.a <= self.hi
        return g * keep


class Cast(Function):
    def forward(self, a, dtype):
        self.src = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.src)


class Clone(Function):
    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g


def to_float(a):
    """Integer and bool tensors become the default float dtype (as PyTorch's exp, log...)."""
    if isinstance(a, Tensor) and a.dtype.kind in "iub":
        return cast(a, _dt.get_default_dtype())
    return a


def exp(a): return Exp.apply(to_float(a))
def log(a): return Log.apply(to_float(a))
def log1p(a): return Log1p.apply(to_float(a))
def sqrt(a): return Sqrt.apply(to_float(a))
def abs(a): return Abs.apply(a)
def sin(a): return Sin.apply(to_float(a))
def cos(a): return Cos.apply(to_float(a))
def clone(a): return Clone.apply(a)


def clamp(a, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    return Clamp.apply(a, lo, hi)


def cast(a, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and a.dtype.kind == "f":
        return Cast.apply(a, dtype)
    return Tensor._make(a._data.astype(dtype), None)
