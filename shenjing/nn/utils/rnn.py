"""Variable-length batches: padding, and PackedSequence (torch's layout and semantics).

Packed layout: sequences sorted by decreasing length; ``data`` holds step 0 of every
sequence, then step 1 of those still running, and so on; ``batch_sizes[t]`` counts
the sequences still running at step t. ``sorted_indices[j]`` is the original batch
position of the j-th sorted sequence and ``unsorted_indices`` is its inverse.
"""
from collections import namedtuple

import numpy as np

from ...ops import rnn as _k
from ...ops.indexing import index_select
from ...ops.shape import pad, stack
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of variable-length sequences, packed step by step (see module docstring)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    @property
    def is_cuda(self):
        return False

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self):
        return self

    def float(self):
        return self._replace(data=self.data.float())

    def double(self):
        return self._replace(data=self.data.double())

    def is_pinned(self):
        return False


def _invert(perm):
    p = _np(perm)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size)
    return Tensor._make(inv.astype(np.int64), None)


def _np(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _describe(x):
    return f"shape {tuple(x.shape)}" if hasattr(x, "shape") else type(x).__name__


def packed_index(batch_sizes, B):
    """Flat positions t * B + j (j < batch_sizes[t]) of the packed rows in a (T, B) grid."""
    bs = np.asarray(batch_sizes, np.int64)
    t = np.repeat(np.arange(bs.size), bs)
    starts = np.concatenate([[0], np.cumsum(bs)[:-1]])
    j = np.arange(t.size) - np.repeat(starts, bs)
    return t * B + j


def _lengths_array(lengths, B):
    raw = np.asarray(_np(lengths))
    if raw.ndim > 1 or raw.dtype.kind not in "biuf" or \
            (raw.dtype.kind == "f" and not np.all(raw == np.round(raw))):
        raise ValueError(f"pack_padded_sequence: lengths should be a 1-D sequence of whole "
                         f"numbers, got {raw.dtype} of shape {tuple(raw.shape)}: {raw.tolist()}")
    arr = raw.astype(np.int64).reshape(-1)
    if arr.size != B:
        raise ValueError(
            f"pack_padded_sequence: expected {B} lengths (one per sequence), got {arr.size}")
    if arr.size and arr.min() <= 0:
        raise RuntimeError(
            "pack_padded_sequence: every length must be positive, got "
            f"{arr.tolist()}")
    return arr


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) given each length."""
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: expected a padded Tensor of shape "
                         f"{'(B, T, *)' if batch_first else '(T, B, *)'}, got "
                         f"{_describe(input)}")
    B = input.shape[0 if batch_first else 1]
    arr = _lengths_array(lengths, B)
    if enforce_sorted:
        if np.any(np.diff(arr) > 0):
            raise RuntimeError(
                "pack_padded_sequence: `lengths` must be sorted in decreasing order when "
                f"enforce_sorted=True, got {arr.tolist()}; pass enforce_sorted=False to "
                "let it sort them")
        sorted_idx = None
    else:
        order = np.argsort(-arr, kind="stable")
        arr = arr[order]
        sorted_idx = Tensor._make(order.astype(np.int64), None)
        input = index_select(input, 0 if batch_first else 1, sorted_idx)
    if batch_first:
        input = input.transpose(0, 1)
    T = input.shape[0]
    if arr[0] > T:
        raise RuntimeError(
            f"pack_padded_sequence: a length ({arr[0]}) exceeds the padded length {T}")
    bs = (arr[None, :] > np.arange(arr[0])[:, None]).sum(1).astype(np.int64)
    flat = input.reshape((T * B,) + tuple(input.shape[2:]))
    data = _k.PackRows.apply(flat, packed_index(bs, B))
    return PackedSequence(data, Tensor._make(bs, None), sorted_idx, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: returns (padded, lengths) in the original order."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, "
                        f"got {type(sequence).__name__}")
    data, batch_sizes = sequence.data, _np(sequence.batch_sizes)
    T, B = batch_sizes.size, int(batch_sizes[0])
    if total_length is not None:
        if total_length < T:
            raise ValueError(
                f"pad_packed_sequence: total_length={total_length} is less than the longest "
                f"sequence ({T})")
        T = int(total_length)
    padded = _k.UnpackRows.apply(data, packed_index(batch_sizes, B), T * B,
                                 float(padding_value))
    padded = padded.reshape((T, B) + tuple(data.shape[1:]))
    lengths = (batch_sizes[None, :] > np.arange(B)[:, None]).sum(1).astype(np.int64)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices
        padded = index_select(padded, 1, unsorted)
        lengths = lengths[_np(unsorted)]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._make(lengths, None)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (L_max, B, *) (or (B, L_max, *)), padded."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', "
                         f"got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    shapes = [tuple(getattr(s, "shape", ())) for s in sequences]
    if any(len(sh) == 0 or sh[1:] != shapes[0][1:] for sh in shapes):
        raise ValueError(f"pad_sequence: expected tensors of shape (L_i, *) with the same "
                         f"trailing dimensions, got shapes {shapes}")
    L = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        n = L - s.shape[0]
        if n:
            widths = [0, 0] * (s.ndim - 1) + ([0, n] if padding_side == "right" else [n, 0])
            s = pad(s, tuple(widths), value=padding_value)
        rows.append(s)
    return stack(rows, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors (sorted by decreasing length unless told not to)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of (L_i, *) tensors."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_np(lengths).reshape(-1))]


def unpack_sequence(packed_sequences):
    """A PackedSequence back to a list of (L_i, *) tensors, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

