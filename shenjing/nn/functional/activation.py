"""Activation functions: relu, leaky_relu, sigmoid, tanh, gelu, elu, silu, softplus,
softmax / log_softmax / softmin, and a few composites (hardtanh, relu6, selu, mish ...).

``inplace=True`` is accepted for PyTorch compatibility; the result is computed out of
place (a new tensor), which gives the same values and gradients.
"""
from ... import ops as _ops
from ...ops import activation as _act
from ...tensor import Tensor

__all__ = ["relu", "relu6", "leaky_relu", "elu", "celu", "selu", "sigmoid", "tanh", "gelu",
           "silu", "mish", "softplus", "softsign", "logsigmoid", "hardtanh", "prelu",
           "softmax", "log_softmax", "softmin"]


def _check(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point tensor, got {x.dtype}")


def relu(input, inplace=False):
    """max(x, 0)."""
    _check("relu", input)
    return _act.ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise."""
    _check("leaky_relu", input)
    return _act.LeakyReLU.apply(input, float(negative_slope))


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise."""
    _check("elu", input)
    return _act.ELU.apply(input, float(alpha))


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)) = alpha * elu(x / alpha)."""
    _check("celu", input)
    return _act.ELU.apply(input / alpha, 1.0) * alpha


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    _check("selu", input)
    return _act.ELU.apply(input, _SELU_ALPHA) * _SELU_SCALE


def sigmoid(input):
    """1 / (1 + e^-x)."""
    _check("sigmoid", input)
    return _act.Sigmoid.apply(input)


def tanh(input):
    _check("tanh", input)
    return _act.Tanh.apply(input)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi: standard normal CDF); approximate='tanh' uses the tanh formula."""
    _check("gelu", input)
    return _act.gelu(input, approximate)


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    _check("silu", input)
    return _act.SiLU.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold."""
    _check("softplus", input)
    return _act.Softplus.apply(input, float(beta), float(threshold))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    _check("mish", input)
    return input * _act.Tanh.apply(_act.Softplus.apply(input, 1.0, 20.0))


def softsign(input):
    """x / (1 + |x|)."""
    _check("softsign", input)
    return input / (_ops.abs(input) + 1)


def logsigmoid(input):
    """log sigmoid(x) = -softplus(-x), stable for large |x|."""
    _check("logsigmoid", input)
    return -_act.Softplus.apply(-input, 1.0, float("inf"))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]."""
    _check("hardtanh", input)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _ops.clamp(input, min_val, max_val)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), weight broadcast along dimension 1 (channels)."""
    _check("prelu", input)
    n = weight.numel()
    channels = input.shape[1] if input.ndim > 1 else (input.shape[0] if input.ndim else 1)
    if n != 1 and n != channels:
        raise ValueError(f"prelu: weight has {n} entries but the input of shape "
                         f"{tuple(input.shape)} has {channels} channels (dimension 1)")
    w = weight
    if n > 1 and input.ndim > 2:
        w = _ops.reshape(weight, (-1,) + (1,) * (input.ndim - 2))
    pos = Tensor._make(input._data > 0, None)
    return _ops.where(pos, input, input * w)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x / sum(e^x) along dim (computed with the max subtracted: no overflow)."""
    return _act.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along dim."""
    return _act.log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    if dtype is not None:
        input = input.to(dtype)
    return _act.softmax(-input, dim)
