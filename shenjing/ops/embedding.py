"""Embedding lookup: a row gather forward, a scatter-add backward into the table."""
import numpy as np

from ..autograd.function import Function


class EmbeddingLookup(Function):
    """out[..., :] = weight[indices[...], :]; weight (V, D), indices any int shape.

    Backward: dW[v] = sum of the output gradients of every position that looked up v
    (a scatter-add), except the padding row, which never gets a gradient.
    """

    def forward(self, weight, indices, padding_idx=None):
        self.idx, self.V, self.padding_idx = indices, weight.shape[0], padding_idx
        return weight[indices]

    def backward(self, g):
        D = g.shape[-1]
        flat = self.idx.reshape(-1)
        rows = g.reshape(-1, D)
        dW = np.zeros((self.V, D), g.dtype)
        np.add.at(dW, flat, rows)
        if self.padding_idx is not None:
            dW[self.padding_idx] = 0
        return dW, None


def embedding_lookup(weight, indices, padding_idx=None):
    return EmbeddingLookup.apply(weight, indices, padding_idx)
