"""Upsampling layers (nearest neighbour)."""
from . import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize the spatial axes by ``size`` or ``scale_factor`` (mode 'nearest')."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        if mode not in ("nearest", "nearest-exact"):
            raise NotImplementedError(f"Upsample: mode {mode!r} is not implemented; "
                                      "use 'nearest' or 'nearest-exact'")
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else scale_factor
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        what = f"scale_factor={self.scale_factor}" if self.scale_factor is not None \
            else f"size={self.size}"
        return f"{what}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")
