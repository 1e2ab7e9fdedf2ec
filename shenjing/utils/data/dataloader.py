"""DataLoader: batches of samples from a dataset, with PyTorch's collate rules."""
import collections.abc
import copy
import re
import warnings
from itertools import islice

import numpy as np

from ...tensor import Tensor
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_STR_DTYPE = re.compile(r"[SaUO]")  # NumPy dtype codes that cannot become a tensor
_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                "dicts or lists; found {}")


def _stack(tensors):
    first = tensors[0]
    for i, t in enumerate(tensors):
        if t.shape != first.shape:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but "
                               f"got {list(first.shape)} at entry 0 and {list(t.shape)} at entry {i}")
    if any(t.requires_grad for t in tensors):
        from ...ops import stack
        return stack(tensors, 0)
    return Tensor._make(np.stack([t._data for t in tensors]), None)


def _like_mapping(like, values):
    """The dict values as a mapping of like's type (a copy of like updated, as PyTorch)."""
    if isinstance(like, collections.abc.MutableMapping):
        clone = copy.copy(like)
        clone.update(values)
        return clone
    try:
        return type(like)(values)
    except TypeError:
        return values


def default_collate(batch):
    """Merge a list of samples into a batch: tensors/arrays stacked, numbers to tensors.

    ints become int64 (bool stays bool), Python floats float64, str/bytes stay a list;
    tuples become lists, dicts and namedtuples keep their type, as in PyTorch.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if _STR_DTYPE.search(elem.dtype.str):
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return _stack([Tensor._make(np.asarray(b), None) for b in batch])
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return Tensor._make(np.array(batch), None)
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64), None)
    if isinstance(elem, int):
        arr = np.array(batch)
        return Tensor._make(arr.astype(np.int64) if arr.dtype.kind in "iu" else arr, None)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        for i, d in enumerate(batch):
            if not isinstance(d, collections.abc.Mapping) or set(d) != set(elem):
                got = sorted(map(str, d)) if isinstance(d, collections.abc.Mapping) else \
                    type(d).__name__
                raise RuntimeError(f"default_collate: every sample must be a dict with the keys "
                                   f"{sorted(map(str, elem))} of sample 0; sample {i} has {got}")
        return _like_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        columns = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # tuples become lists, as in PyTorch
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, c in enumerate(columns):
                    clone[i] = c
                return clone
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_COLLATE_ERR.format(type(elem)))


def default_convert(data):
    """Turn NumPy arrays (also inside lists/dicts) into tensors; used when batching is off."""
    if isinstance(data, Tensor):
        return data
    if type(data).__module__ == "numpy" and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and _STR_DTYPE.search(data.dtype.str):
            return data
        return Tensor._make(np.asarray(data), None)
    if isinstance(data, collections.abc.Mapping):
        return _like_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        if isinstance(data, list):
            return converted
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    return data


def get_worker_info():
    """Always None: shenjing loads data in the calling process."""
    return None


class _InfiniteConstantSampler(Sampler):
    def __iter__(self):
        while True:
            yield None


_warned_workers = False


class DataLoader:
    """Iterates a dataset in (optionally shuffled) batches, like torch.utils.data.DataLoader.

    Data is always loaded in the calling process: ``num_workers`` is accepted for
    compatibility only. A map-style dataset with a ``_get_batch(indices)`` method gives
    whole collated batches at once when ``collate_fn`` is the default (the fast path).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        global _warned_workers
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers should be non-negative, got {num_workers}; "
                             f"use num_workers=0 to load in the main process")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout should be non-negative, got {timeout}")
        if num_workers > 0 and not _warned_workers:
            _warned_workers = True
            warnings.warn(f"DataLoader: num_workers={num_workers} is accepted but shenjing loads "
                          f"data in the main process (worker_init_fn is not called)",
                          stacklevel=2)
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self):
        return _LoaderIter(self)


class _LoaderIter:
    """One pass over a DataLoader (supports len() like PyTorch's iterator)."""

    def __init__(self, loader):
        self._loader = loader
        self._gen = self._batches()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    def __len__(self):
        return len(self._loader)

    def _batches(self):
        ld = self._loader
        ds, collate = ld.dataset, ld.collate_fn
        if ld._iterable:
            it = iter(ds)
            if not ld._auto_collation:
                for sample in it:
                    yield collate(sample)
                return
            while True:
                batch = list(islice(it, ld.batch_size))
                if not batch or (ld.drop_last and len(batch) < ld.batch_size):
                    return
                yield collate(batch)
        if not ld._auto_collation:
            for idx in ld.sampler:
                yield collate(ds[idx])
            return
        fast = getattr(ds, "_get_batch", None) if collate is default_collate else None
        if fast is not None:
            bs = ld.batch_sampler
            # BatchSampler can hand out index arrays directly; any other batch sampler's
            # lists are converted (and kept for the per-sample fallback)
            pairs = ((a, None) for a in bs._iter_arrays()) if type(bs) is BatchSampler else (
                (np.asarray(b), b) for b in bs)
            for arr, lst in pairs:
                if fast is not None:
                    out = fast(arr)
                    if out is not NotImplemented:
                        yield out
                        continue
                    fast = None  # the dataset declined (e.g. a per-sample transform)
                yield self._fetch(ds, arr.tolist() if lst is None else lst, collate)
            return
        for idx in ld.batch_sampler:
            yield self._fetch(ds, idx, collate)

    @staticmethod
    def _fetch(ds, indices, collate):
        getitems = getattr(ds, "__getitems__", None)
        if callable(getitems):
            return collate(getitems(indices))
        return collate([ds[i] for i in indices])
