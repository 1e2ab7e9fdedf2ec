"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d.

Parameters, their shapes, names and initialisation follow PyTorch: weight
(out, in/groups, *kernel) (transposed: (in, out/groups, *kernel)) drawn by
kaiming_uniform_(a=sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

from .. import dtypes as _dt
from ..creation import empty
from . import functional as F
from . import init
from .functional.conv import _ntuple, _positive
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_PAD_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared constructor, init and printout of the convolution layers."""

    _nd = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", output_padding=0,
                 device=None, dtype=None):
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PAD_MODES}, "
                             f"got {padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _positive(_ntuple(kernel_size, nd, "kernel_size", name),
                                     "kernel_size", name)
        self.stride = _positive(_ntuple(stride, nd, "stride", name), "stride", name)
        self.dilation = _positive(_ntuple(dilation, nd, "dilation", name), "dilation", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self._transposed:
                raise ValueError(f"{name}: invalid padding string {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, nd, "padding", name)
            if any(p < 0 for p in self.padding):
                raise ValueError(f"{name}: padding must be non-negative, got {self.padding}")
        self.output_padding = _ntuple(output_padding, nd, "output_padding", name)
        self.groups, self.padding_mode = int(groups), padding_mode
        self.transposed = self._transposed
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only 'zeros' padding_mode is supported")
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(empty((self.out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._default_layer_init_(self.weight, self.bias)

    def _layer_name(self):
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"kernel_size={self.kernel_size})")

    def _padded(self, input):
        """Apply a non-zero padding_mode by explicit padding (the conv then pads 0)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if isinstance(self.padding, str):
            if self.padding == "valid":
                return input, 0
            totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            widths = [(t // 2, t - t // 2) for t in totals]
        else:
            widths = [(p, p) for p in self.padding]
        flat = [e for lo_hi in reversed(widths) for e in lo_hi]
        return F.pad(input, flat, mode=self.padding_mode), 0

    def forward(self, input):
        """Convolve with the layer's functional form (Conv1d: conv1d, Conv2d: conv2d)."""
        x, padding = self._padded(input)
        return self._conv(x, self.weight, self.bias, self.stride, padding, self.dilation,
                          self.groups, _name=self._layer_name())

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, " \
            f"stride={self.stride}"
        zeros = (0,) * self._nd
        if self.padding != zeros:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) or unbatched (C_in, H, W) input.

    Shape: output (N, C_out, H_out, W_out), H_out = floor((H + 2p - d(k-1) - 1)/s) + 1.
    """

    _conv = staticmethod(F.conv2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype=dtype)



class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) or unbatched (C_in, L) input."""

    _nd = 1
    _conv = staticmethod(F.conv1d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype=dtype)



class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of Conv2d with respect to its input).

    Shape: H_out = (H - 1)s - 2p + d(k-1) + output_padding + 1.
    """

    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype=dtype)

    def forward(self, input, output_size=None):
        if output_size is not None:
            raise NotImplementedError("ConvTranspose2d: output_size is not supported; "
                                      "use output_padding")
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation,
                                  _name=self._layer_name())


class ConvTranspose1d(_ConvNd):
    """Transposed 1-D convolution over (N, C_in, L) or (C_in, L)."""

    _nd = 1
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype=dtype)

    def forward(self, input, output_size=None):
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
