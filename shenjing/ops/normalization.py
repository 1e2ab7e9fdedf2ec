"""Normalization ops with analytic backward.

With xhat = (x - mean) / sqrt(var + eps) over M elements per statistic and
y = w * xhat + b, the input gradient in training (statistics depend on x) is

    dx = w / sqrt(var + eps) * (g - sum(g) / M - xhat * sum(g * xhat) / M),

and with fixed statistics (eval) just g * w / sqrt(var + eps).
"""
import numpy as np

from ..autograd.function import Function


def _channel_shape(x):
    """Broadcast shape (1, C, 1, ...) of per-channel statistics for x (N, C, ...)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


class BatchNorm(Function):
    """Fused batch normalization over every axis but the channel axis 1.

    In training, batch statistics are used and ``running_mean``/``running_var`` (if
    given) are updated in place: r = (1 - momentum) * r + momentum * stat, with the
    unbiased batch variance as PyTorch. In eval the running statistics are used.
    """

    def forward(self, x, w, b, running_mean, running_var, training, momentum, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        cs = _channel_shape(x)
        if training:
            mean = x.mean(axis=axes)
            xc = x - mean.reshape(cs)
            var = np.mean(xc * xc, axis=axes)
            m = x.size // x.shape[1]
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += (momentum * mean).astype(running_mean.dtype)
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * var * (m / max(m - 1, 1))).astype(running_var.dtype)
        else:
            mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
            xc = x - mean.reshape(cs)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        xhat = xc * invstd.reshape(cs)
        self.training, self.axes, self.cs = training, axes, cs
        self.xhat, self.invstd, self.w = xhat, invstd, w
        out = xhat if w is None else xhat * w.reshape(cs)
        return out if b is None else out + b.reshape(cs)

    def backward(self, g):
        axes, cs, xhat = self.axes, self.cs, self.xhat
        gb = g.sum(axis=axes)
        gw = np.sum(g * xhat, axis=axes)
        scale = self.invstd if self.w is None else self.w * self.invstd
        gx = None
        if self.needs_input_grad[0]:
            if self.training:
                m = g.size // g.shape[1]
                gx = (g - (gb / m).reshape(cs) - xhat * (gw / m).reshape(cs)) * scale.reshape(cs)
            else:
                gx = g * scale.reshape(cs)
        need = self.needs_input_grad
        return gx, (gw if need[1] else None), (gb if need[2] else None)


class Normalize(Function):
    """xhat = (x - mean) / sqrt(var + eps) with statistics over ``axes`` (biased var)."""

    def forward(self, x, axes, eps):
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        self.invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        self.xhat, self.axes = xc * self.invstd, axes
        return self.xhat

    def backward(self, g):
        xhat, axes = self.xhat, self.axes
        mg = g.mean(axis=axes, keepdims=True)
        mgx = np.mean(g * xhat, axis=axes, keepdims=True)
        return (g - mg - xhat * mgx) * self.invstd
