"""Normalization layers: BatchNorm1d/2d/3d, LayerNorm, GroupNorm.

BatchNorm keeps PyTorch's buffers (running_mean, running_var, num_batches_tracked)
so state_dicts load both ways; momentum=None means a cumulative moving average.
"""
import numpy as np

from .. import dtypes as _dt
from ..creation import empty
from ..tensor import Tensor
from . import functional as F
from . import init
from .functional.conv import _shape_str
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"]


class _BatchNorm(Module):
    _dims = (4,)
    _layout = "(N, {c}, H, W)"

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        c = self.num_features
        if affine:
            self.weight = Parameter(empty((c,), dtype=dtype))
            self.bias = Parameter(empty((c,), dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(c, dtype), None))
            self.register_buffer("running_var", Tensor._make(np.ones(c, dtype), None))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, np.int64), None))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check(self, input):
        if not isinstance(input, Tensor) or input.ndim not in self._dims \
                or input.shape[1] != self.num_features:
            layouts = " or ".join(s.format(c=self.num_features) for s in self._layout.split("|"))
            got = _shape_str(input) if isinstance(input, Tensor) else type(input).__name__
            raise RuntimeError(f"{type(self).__name__}({self.num_features}): expected input of "
                               f"shape {layouts}, got {got}")

    def forward(self, input):
        self._check(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input, per channel C."""
    _dims = (2, 3)
    _layout = "(N, {c})|(N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input, per channel C."""
    _dims = (4,)
    _layout = "(N, {c}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W) input, per channel C."""
    _dims = (5,)
    _layout = "(N, {c}, D, H, W)"


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape`` axes of each sample, then
    scale and shift elementwise (weight and bias of shape normalized_shape)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        if not self.normalized_shape or min(self.normalized_shape) <= 0:
            raise ValueError(f"LayerNorm: normalized_shape should be a positive int or a "
                             f"non-empty sequence of them, got {normalized_shape!r}")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalize (N, C, *) over groups of C/num_groups channels; per-channel affine."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = eps, affine
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        if affine:
            self.weight = Parameter(empty((num_channels,), dtype=dtype))
            self.bias = Parameter(empty((num_channels,), dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected "
                               f"input of shape (N, {self.num_channels}, *), got "
                               f"{_shape_str(input)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
