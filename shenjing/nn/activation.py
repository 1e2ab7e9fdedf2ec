"""Activation layers; each calls the matching function in nn.functional.

``inplace=True`` is accepted (and shown in the repr, as in PyTorch) but the result is
computed out of place.
"""
import numpy as np

from .. import dtypes as _dt
from . import functional as F
from .module import Module
from .parameter import Parameter

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "Sigmoid", "Tanh", "GELU",
           "SiLU", "Mish", "Softplus", "Softsign", "LogSigmoid", "Hardtanh", "PReLU",
           "Softmax", "LogSoftmax", "Softmin"]


def _inplace(flag):
    return "inplace=True" if flag else ""


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return _inplace(self.inplace)


class SiLU(ReLU):
    """x * sigmoid(x)."""

    def forward(self, input):
        return F.silu(input)


class Mish(ReLU):
    """x * tanh(softplus(x))."""

    def forward(self, input):
        return F.mish(input)


class SELU(ReLU):
    """Scaled ELU with the self-normalising constants."""

    def forward(self, input):
        return F.selu(input)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return ", ".join(filter(None, [f"negative_slope={self.negative_slope}",
                                       _inplace(self.inplace)]))


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return ", ".join(filter(None, [f"alpha={self.alpha}", _inplace(self.inplace)]))


class CELU(ELU):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1))."""

    def forward(self, input):
        return F.celu(input, self.alpha)


class Hardtanh(Module):
    """x clamped to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot exceed max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return ", ".join(filter(None, [f"min_val={self.min_val}, max_val={self.max_val}",
                                       _inplace(self.inplace)]))


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace(self.inplace)


class _NoArgs(Module):
    _fn = None

    def forward(self, input):
        return type(self)._fn(input)


class Sigmoid(_NoArgs):
    """1 / (1 + e^-x)."""
    _fn = staticmethod(F.sigmoid)


class Tanh(_NoArgs):
    _fn = staticmethod(F.tanh)


class Softsign(_NoArgs):
    """x / (1 + |x|)."""
    _fn = staticmethod(F.softsign)


class LogSigmoid(_NoArgs):
    """log sigmoid(x)."""
    _fn = staticmethod(F.logsigmoid)


class GELU(Module):
    """x * Phi(x); approximate='tanh' uses the tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear above threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """max(0, x) + a * min(0, x) with a learnable slope a per channel (or one shared)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        self.weight = Parameter(np.full((num_parameters,), init, dtype))

    def reset_parameters(self):
        self.weight._data[...] = self.init

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softmax(Module):
    """e^x / sum(e^x) along ``dim``."""
    _fn = staticmethod(F.softmax)

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self)._fn(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along ``dim``."""
    _fn = staticmethod(F.log_softmax)


class Softmin(Softmax):
    """softmax(-x) along ``dim``."""
    _fn = staticmethod(F.softmin)
