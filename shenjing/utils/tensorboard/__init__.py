"""TensorBoard logging with PyTorch's ``SummaryWriter`` API (events written by tensorboardX)."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
