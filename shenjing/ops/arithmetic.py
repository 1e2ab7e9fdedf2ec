"""Broadcasting arithmetic: add, sub, mul, div, neg, pow, matmul, and the fused linear.

Backward returns gradients in the broadcast shape; the engine sums them back to
each input's shape (autograd.engine.sum_to_shape).
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.engine import sum_to_shape
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import as_operand, check_broadcast, promote_pair


class Add(Function):
    def forward(self, a, b):
        return np.add(a, b)

    def backward(self, g):
        return g, g


class Sub(Function):
    def forward(self, a, b):
        return np.subtract(a, b)

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = (a if self.needs_input_grad[1] else None,
                          b if self.needs_input_grad[0] else None)
        return np.multiply(a, b)

    def backward(self, g):
        ga = g * self.b if self.needs_input_grad[0] else None
        gb = g * self.a if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.true_divide(a, b)

    def backward(self, g):
        # d(a/b)/da = 1/b ; d(a/b)/db = -a/b^2
        ga = g / self.b if self.needs_input_grad[0] else None
        gb = -g * self.a / (self.b * self.b) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return np.negative(a)

    def backward(self, g):
        return -g


class Pow(Function):
    def forward(self, a, b):
        out = np.power(a, b)
        self.a, self.b, self.out = a, b, out
        return out

    def backward(self, g):
        a, b = self.a, self.b
        ga = gb = None
        if self.needs_input_grad[0]:
            # d(a^b)/da = b * a^(b-1)
            if np.isscalar(b) and b == 2:
                ga = g * 2 * a
            else:
                ga = g * b * np.power(a, b - 1)
        if self.needs_input_grad[1]:
            # d(a^b)/db = a^b * ln(a); taken as 0 where a == 0 (as PyTorch)
            with np.errstate(divide="ignore", invalid="ignore"):
                la = np.log(a)
            la = np.where(np.asarray(a) == 0, 0, la)
            gb = g * self.out * la
        return ga, gb


class MatMul(Function):
    """Batched matrix product with NumPy's rules for 1-D operands."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        a2 = a[None, :] if a.ndim == 1 else a      # (k,) -> (1, k)
        b2 = b[:, None] if b.ndim == 1 else b      # (k,) -> (k, 1)
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            g2 = g2[..., None]
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to_shape(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            gb = sum_to_shape(np.matmul(np.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
    """y = x W^T + b for x of shape (..., in), W (out, in), b (out,)."""

    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        out = np.matmul(x, w.T)
        if b is not None:
            out += b
        return out

    def backward(self, g):
        x, w = self.x, self.w
        gx = g @ w if self.needs_input_grad[0] else None
        gw = gb = None
        g2 = g.reshape(-1, g.shape[-1])
        if self.needs_input_grad[1]:
            gw = g2.T @ x.reshape(-1, x.shape[-1])   # (out, N) @ (N, in)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            gb = g2.sum(0)
        return gx, gw, gb


def _binary(cls, a, b):
    a, b = promote_pair(as_operand(a), as_operand(b))
    check_broadcast(cls.__name__.lower(), a, b)
    return cls.apply(a, b)


def add(a, b):
    return _binary(Add, a, b)


def sub(a, b):
    return _binary(Sub, a, b)


def mul(a, b):
    return _binary(Mul, a, b)


def div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        return floor_divide(a, b) if rounding_mode == "floor" else _trunc_div(a, b)
    a, b = promote_pair(as_operand(a), as_operand(b))
    check_broadcast("div", a, b)
    # integer / integer gives the default float dtype, as in PyTorch
    if all(not isinstance(x, Tensor) or x.dtype.kind in "iub" for x in (a, b)) and \
            all(not isinstance(x, float) for x in (a, b)):
        a, b = (x.to(_dt.get_default_dtype()) if isinstance(x, Tensor) else float(x)
                for x in (a, b))
    return Div.apply(a, b)


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _int_div_operands(a, b, name):
    """Raw operands of an integer-capable division; integer division by zero raises."""
    a, b = _raw(as_operand(a)), _raw(as_operand(b))
    ints = all(np.asarray(v).dtype.kind in "iub" for v in (a, b))
    if ints and np.any(np.asarray(b) == 0):
        raise ZeroDivisionError(f"{name}: integer division by zero")
    return a, b


def floor_divide(a, b):
    a, b = _int_div_operands(a, b, "floor_divide")
    with np.errstate(divide="ignore", invalid="ignore"):  # float x // 0 is inf, as PyTorch
        return Tensor._make(np.floor_divide(a, b), None)


def _trunc_div(a, b):
    return Tensor._make(np.trunc(np.true_divide(_raw(as_operand(a)), _raw(as_operand(b)))), None)


def remainder(a, b):
    a, b = _int_div_operands(a, b, "remainder")
    with np.errstate(divide="ignore", invalid="ignore"):
        return Tensor._make(np.remainder(a, b), None)


def neg(a):
    return Neg.apply(a)


def pow(a, b):
    a, b = promote_pair(as_operand(a), as_operand(b))
    check_broadcast("pow", a, b)
    if isinstance(a, Tensor) and a.dtype.kind in "iu" and isinstance(b, int) and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return Pow.apply(a, b)


def matmul(a, b):
    a, b = as_operand(a), as_operand(b)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be tensors")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
            f"({ka} != {kb})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"matmul: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} "
            f"cannot be broadcast ({tuple(a.shape[:-2])} vs {tuple(b.shape[:-2])})") from None
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"matmul: expected both operands to have the same dtype, got {a.dtype} and {b.dtype}")
    return MatMul.apply(a, b)


def linear(x, weight, bias=None):
    """Fused x @ weight.T + bias; see nn.Linear for the shape checks."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
