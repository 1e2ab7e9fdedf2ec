"""shenjing (神经): a small, readable deep-learning framework on NumPy with PyTorch's API."""
__version__ = "0.1.0"

from . import dtypes as _dtypes
from .dtypes import (bool, double, float, float16, float32, float64, get_default_dtype, half,
                     int, int8, int16, int32, int64, long, set_default_dtype, short, uint8)
from .tensor import Size, Tensor, device
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                     seed, set_rng_state)
from .creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,
                       full_like, linspace, multinomial, normal, ones, ones_like, rand,
                       rand_like, randint, randn, randn_like, randperm, tensor, zeros,
                       zeros_like)
from .ops import (abs, add, all, amax, amin, any, argmax, argmin, cat, chunk, clamp, clone, cos,
                  cumsum, div, eq, exp, flatten, flip, gather, ge, gt, index_select, le,
                  log, log1p, log_softmax, logsumexp, lt, masked_fill, matmul, max, maximum,
                  mean, min, minimum, mul, ne, neg, norm, permute, pow, prod, relu, repeat,
                  reshape, sigmoid, sin, softmax, sort, split, sqrt, squeeze, stack, std, sub,
                  sum, tanh, topk, transpose, unbind, unsqueeze, var, where)
from .ops.shape import concat, is_tensor
from . import autograd, cuda, nn, optim, utils  # noqa: E402

# PyTorch's other names for the same functions
clip = clamp
mm = bmm = matmul
true_divide = divide = div
multiply = mul
subtract = sub
negative = neg
is_floating_point = Tensor.is_floating_point


def square(input):
    return input * input


def argsort(input, dim=-1, descending=False):
    return sort(input, dim, descending).indices


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    import numpy as _np
    return _np.allclose(a._data, b._data if isinstance(b, Tensor) else b, rtol, atol, equal_nan)


def equal(a, b):
    return a.equal(b)


def isnan(x):
    return x.isnan()


def isfinite(x):
    return x.isfinite()


def numel(x):
    return x.numel()


def __getattr__(name):
    # heavier pieces load on first use so that `import shenjing` stays fast
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name == "summary":
        from .utils.summary import summary
        return summary
    if name == "vision":
        from . import vision
        return vision
    raise AttributeError(f"module 'shenjing' has no attribute {name!r}")
