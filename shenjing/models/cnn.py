"""Convolutional classifiers: a two-conv network and the classic LeNet-5."""
from .. import nn


class CNN(nn.Module):
    """conv 1->32 3x3, ReLU, conv 32->64 3x3, ReLU, max-pool 2, dropout, fc 9216->128, fc 128->10."""

    def __init__(self, in_channels=1, image_size=(28, 28), num_classes=10):
        super().__init__()
        h, w = image_size
        self.conv1 = nn.Conv2d(in_channels, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.pool = nn.MaxPool2d(2)
        self.dropout1 = nn.Dropout(0.25)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(64 * ((h - 4) // 2) * ((w - 4) // 2), 128)
        self.dropout2 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(128, num_classes)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.flatten(self.dropout1(x))
        x = self.dropout2(self.relu(self.fc1(x)))
        return self.fc2(x)


class LeNet5(nn.Module):
    """LeNet-5: conv 6@5x5 (padded to keep 28x28), pool, conv 16@5x5, pool, fc 120, 84, 10."""

    def __init__(self, in_channels=1, image_size=(28, 28), num_classes=10):
        super().__init__()
        h, w = image_size
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        fh, fw = (h // 2 - 4) // 2, (w // 2 - 4) // 2
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * fh * fw, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
