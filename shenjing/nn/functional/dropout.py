"""Dropout: zero random elements (or whole channels) in training, scale the rest."""
import numpy as np

from ...random import _gen
from ...tensor import Tensor
from .conv import _shape_str

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]


def _check_p(name, p, input):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    # an integer tensor cannot hold the 1/(1-p) scaling: the result would be silently wrong
    if isinstance(input, Tensor) and input.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got {input.dtype}")


def _keep_mask(x, p, shape):
    """Float mask of ``shape``: 1/(1-p) with probability 1-p, else 0 (global generator)."""
    if p == 1.0:
        return np.zeros(shape, x.dtype)
    keep = _gen().random(shape, dtype=np.float32 if x.dtype == np.float32 else np.float64) >= p
    return keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the kept ones by 1/(1-p)."""
    _check_p("dropout", p, input)
    if not training or p == 0.0:
        return input
    return input * Tensor._make(_keep_mask(input._data, p, input.shape), None)


def _channel_dropout(name, input, p, training, nd):
    """Drop whole channels of (N, C, *spatial) or unbatched (C, *spatial)."""
    _check_p(name, p, input)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: expected input of {nd + 1}-D (C, ...) or {nd + 2}-D "
                           f"(N, C, ...) shape, got {_shape_str(input)}")
    if not training or p == 0.0:
        return input
    lead = input.ndim - nd
    shape = tuple(input.shape[:lead]) + (1,) * nd
    return input * Tensor._make(_keep_mask(input._data, p, shape), None)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout("dropout1d", input, p, training, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout("dropout2d", input, p, training, 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout("dropout3d", input, p, training, 3)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units take SELU's negative saturation value and
    an affine map a*x + b restores zero mean and unit variance."""
    _check_p("alpha_dropout", p, input)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    alpha = -1.7580993408473766
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    keep = (_gen().random(input.shape) >= p).astype(input.dtype)
    shift = (a * alpha * (1 - keep) - a * alpha * p).astype(input.dtype)
    return input * Tensor._make(a * keep, None) + Tensor._make(shift, None)
