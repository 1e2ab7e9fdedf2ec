"""Sequence classifier: an image read row by row by an LSTM/GRU, then a linear head."""
from .. import nn


class SequenceClassifier(nn.Module):
    """(N, 1, H, W) images become (N, H, W) sequences of H rows; the last state classifies."""

    def __init__(self, input_size=28, hidden=128, num_classes=10, cell="lstm", num_layers=1):
        super().__init__()
        rnn_cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.rnn = rnn_cls(input_size, hidden, num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x):
        if x.ndim == 4:  # (N, C, H, W) -> (N, H, C*W): one row per time step
            n, c, h, w = x.shape
            x = x.permute(0, 2, 1, 3).reshape(n, h, c * w)
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])
