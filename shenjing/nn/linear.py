"""Linear layers: Identity, Linear (y = x W^T + b) and Bilinear (y = x1^T A x2 + b)."""
import math

import numpy as np

from .. import dtypes as _dt
from .. import ops as _ops
from ..creation import empty
from . import init
from .functional.linear import bilinear, check_linear_input
from .module import Module
from .parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """Fully connected layer y = x W^T + b, W of shape (out_features, in_features).

    Shape: input (..., in_features) -> output (..., out_features).
    Init (as PyTorch): W ~ U(-1/sqrt(in), 1/sqrt(in)) via kaiming_uniform_(a=sqrt(5)),
    b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        for what, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise TypeError(f"Linear: {what} must be a non-negative int, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        self.weight = Parameter(empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(empty((self.out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._default_layer_init_(self.weight, self.bias)

    def forward(self, input):
        w = self.weight
        if (getattr(input, "ndim", 0) == 0 or input.shape[-1] != self.in_features
                or input.dtype != w.dtype):
            check_linear_input(f"Linear(in_features={self.in_features}, "
                               f"out_features={self.out_features})", input, w)
        return _ops.linear(input, w, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y_k = x1^T A_k x2 + b_k with A of shape (out, in1, in2); init U(-1/sqrt(in1), ...)."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        self.weight = Parameter(empty((self.out_features, self.in1_features,
                                       self.in2_features), dtype=dtype))
        if bias:
            self.bias = Parameter(empty((self.out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
