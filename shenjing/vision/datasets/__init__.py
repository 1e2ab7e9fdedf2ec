"""Datasets: MNIST, FashionMNIST and the offline fallback Digits."""
from .digits import Digits
from .mnist import MNIST, FashionMNIST, read_idx

__all__ = ["Digits", "FashionMNIST", "MNIST", "read_idx"]
