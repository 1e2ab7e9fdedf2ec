"""TensorBoard logging with PyTorch's ``SummaryWriter`` API (events written by tensorboardX)."""
from .callback import TensorBoardLogger
from .writer import SummaryWriter

__all__ = ["SummaryWriter", "TensorBoardLogger"]
