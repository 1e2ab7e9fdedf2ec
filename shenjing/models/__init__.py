"""Ready-made models for the command line: the MLP, two CNNs and a sequence classifier."""
from .cnn import CNN, LeNet5
from .mlp import MLP
from .rnn import SequenceClassifier

__all__ = ["MLP", "CNN", "LeNet5", "SequenceClassifier", "build"]


def build(name, in_shape=(1, 28, 28), num_classes=10, hidden=(512, 256)):
    """Build a model by its command-line name for inputs of shape (C, H, W)."""
    c, h, w = in_shape
    if name == "mlp":
        return MLP(c * h * w, hidden, num_classes)
    if name == "cnn":
        return CNN(c, (h, w), num_classes)
    if name == "lenet5":
        return LeNet5(c, (h, w), num_classes)
    if name in ("lstm", "gru", "rnn"):
        return SequenceClassifier(w * c, hidden=128, num_classes=num_classes, cell=name)
    raise ValueError(f"unknown model {name!r}; choose mlp, cnn, lenet5, lstm or gru")
