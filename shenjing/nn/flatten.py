"""Flatten and Unflatten: reshape a range of dimensions (e.g. images to vectors)."""
from .. import ops as _ops
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, 1, 28, 28) -> (N, 784)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return _ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: (N, 784) -> (N, 1, 28, 28)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        d = self.dim if self.dim >= 0 else self.dim + input.ndim
        sizes = list(self.unflattened_size)
        n = input.shape[d] if 0 <= d < input.ndim else None
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        if n is None or (-1 not in sizes and known != n) or (-1 in sizes and n % known):
            raise ValueError(f"Unflatten(dim={self.dim}, unflattened_size="
                             f"{self.unflattened_size}): cannot split dimension {self.dim} "
                             f"of input shape {tuple(input.shape)}")
        return _ops.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
