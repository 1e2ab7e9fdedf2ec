"""Activation functions (the neuron's nonlinearity) and softmax / log-softmax.

Each backward uses the saved output where the derivative is a function of it:
sigmoid' = s(1 - s), tanh' = 1 - t^2, relu' = [x > 0].
"""
import math

import numpy as np

from ..autograd.function import Function
from ._util import norm_dim
from .unary import to_float


class ReLU(Function):
    def forward(self, a):
        out = np.maximum(a, 0)
        self.mask = out > 0
        return out

    def backward(self, g):
        return g * self.mask


class LeakyReLU(Function):
    def forward(self, a, slope):
        self.pos, self.slope = a > 0, slope
        return np.where(self.pos, a, a * slope)

    def backward(self, g):
        return np.where(self.pos, g, g * self.slope)


class ELU(Function):
    def forward(self, a, alpha):
        self.pos, self.alpha = a > 0, alpha
        self.neg = alpha * np.expm1(np.minimum(a, 0))
        return np.where(self.pos, a, self.neg)

    def backward(self, g):
        return np.where(self.pos, g, g * (self.neg + self.alpha))


class Sigmoid(Function):
    def forward(self, a):
        # 1 / (1 + e^-x) written as (1 + tanh(x/2)) / 2: no overflow for any x
        out = np.tanh(a * 0.5)
        out += 1
        out *= 0.5
        self.out = out
        return out

    def backward(self, g):
        s = self.out
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)


class SiLU(Function):
    def forward(self, a):
        self.a = a
        self.s = 0.5 * (1 + np.tanh(0.5 * a))
        return a * self.s

    def backward(self, g):
        s = self.s
        return g * s * (1 + self.a * (1 - s))


class Softplus(Function):
    def forward(self, a, beta, threshold):
        # log(1 + e^(beta x)) / beta, linear above threshold (as PyTorch)
        self.a, self.beta, self.threshold = a, beta, threshold
        z = a * beta
        return np.where(z > threshold, a, np.logaddexp(0, z) / beta)

    def backward(self, g):
        z = self.a * self.beta
        sig = 0.5 * (1 + np.tanh(0.5 * z))
        return np.where(z > self.threshold, g, g * sig)


def erf(x):
    """Error function, |error| < 1.2e-7 (Chebyshev fit of erfc; NumPy has no erf)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    ans = 1.0 - t * np.exp(poly)
    return np.where(x >= 0, ans, -ans).astype(np.result_type(x, np.float32), copy=False)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)  # Python floats keep float32 inputs float32


class GELU(Function):
    def forward(self, a, approximate):
        self.a, self.approximate = a, approximate
        if approximate == "tanh":
            # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            self.t = np.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a ** 3))
            return 0.5 * a * (1 + self.t)
        self.cdf = 0.5 * (1.0 + erf(a * (1.0 / math.sqrt(2.0))))  # Phi(x)
        return a * self.cdf

    def backward(self, g):
        a = self.a
        if self.approximate == "tanh":
            t = self.t
            dt = (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a)
            return g * (0.5 * (1 + t) + 0.5 * a * dt)
        pdf = np.exp(-0.5 * a * a) * (1.0 / math.sqrt(2 * math.pi))  # phi(x)
        return g * (self.cdf + a * pdf)


class Softmax(Function):
    def forward(self, a, dim):
        e = np.exp(a - a.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        self.out, self.dim = e, dim
        return e

    def backward(self, g):
        # J^T g = s * (g - <g, s>)
        s = self.out
        return s * (g - (g * s).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    def forward(self, a, dim):
        shifted = a - a.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        self.out, self.dim = out, dim
        return out

    def backward(self, g):
        # d/dx (x - logsumexp x): g - softmax(x) * sum(g)
        return g - np.exp(self.out) * g.sum(axis=self.dim, keepdims=True)


def relu(a): return ReLU.apply(a)
def leaky_relu(a, negative_slope=0.01): return LeakyReLU.apply(a, negative_slope)
def elu(a, alpha=1.0): return ELU.apply(a, alpha)
def sigmoid(a): return Sigmoid.apply(to_float(a))
def tanh(a): return Tanh.apply(to_float(a))
def silu(a): return SiLU.apply(a)
def softplus(a, beta=1.0, threshold=20.0): return Softplus.apply(a, beta, threshold)


def gelu(a, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(a, approximate)


def _softmax_dim(a, dim):
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if a.ndim in (0, 1, 3) else 1
    return norm_dim(dim, a.ndim)


def _float_input(a, name):
    if a.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point tensor, got {a.dtype}")


def softmax(a, dim=None, dtype=None):
    if dtype is not None:
        a = a.to(dtype)
    _float_input(a, "softmax")
    return Softmax.apply(a, _softmax_dim(a, dim))


def log_softmax(a, dim=None, dtype=None):
    if dtype is not None:
        a = a.to(dtype)
    _float_input(a, "log_softmax")
    return LogSoftmax.apply(a, _softmax_dim(a, dim))
