"""The multilayer perceptron of the article: y = W3 relu(W2 relu(W1 x + b1) + b2) + b3."""
from .. import nn


class MLP(nn.Module):
    """Flatten, then Linear+ReLU for each hidden width, then a Linear to the classes."""

    def __init__(self, in_features=784, hidden=(512, 256), num_classes=10):
        super().__init__()
        self.in_features = in_features
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(self.flatten(x))
