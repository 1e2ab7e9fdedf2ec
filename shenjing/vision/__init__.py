"""Computer vision: datasets and transforms (the torchvision API)."""
from . import datasets, transforms

__all__ = ["datasets", "transforms"]
