"""Sparse lookups: embedding (a differentiable row gather) and one_hot."""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...ops.embedding import embedding_lookup
from ...tensor import Tensor

__all__ = ["embedding", "one_hot"]


def _indices(input, name):
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer indices (int64), got {idx.dtype}")
    return idx


def _renorm_(weight, idx, max_norm, norm_type):
    """Rescale in place the looked-up rows whose norm exceeds max_norm (no gradient)."""
    rows = np.unique(idx)
    w = weight._data
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    with no_grad():
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` (V, D) at integer ``input`` (any shape) -> (*input, D).

    padding_idx: that row receives no gradient. max_norm: rows looked up are first
    renormalised in place to norm at most max_norm.
    """
    idx = _indices(input, "embedding")
    V = weight.shape[0]
    if weight.ndim != 2:
        raise ValueError(f"embedding: expected a 2-D weight (num_embeddings, embedding_dim), "
                         f"got shape {tuple(weight.shape)}")
    if idx.size and (idx.min() < 0 or idx.max() >= V):
        bad = int(idx.max()) if idx.max() >= V else int(idx.min())
        raise IndexError(f"Embedding: index {bad} is out of range for num_embeddings={V} "
                         f"(valid indices are 0..{V - 1})")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += V
    if max_norm is not None:
        _renorm_(weight, idx, float(max_norm), float(norm_type))
    return embedding_lookup(weight, idx, padding_idx)


def one_hot(tensor, num_classes=-1):
    """Integer class indices (*) -> int64 one-hot (*, num_classes); not differentiable."""
    idx = _indices(tensor, "one_hot")
    if idx.size and idx.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(idx.min())}")
    n = int(idx.max()) + 1 if num_classes == -1 else int(num_classes)
    if idx.size and idx.max() >= n:
        raise RuntimeError(f"one_hot: class value {int(idx.max())} is out of range for "
                           f"num_classes={n}")
    out = np.zeros(idx.shape + (n,), np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._make(out, None)
