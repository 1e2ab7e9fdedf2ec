"""shenjing.utils.data: collate, DataLoader, samplers and datasets against PyTorch's rules."""
import collections
import warnings

import numpy as np
import pytest

import shenjing
from shenjing.utils import data as sd

Point = collections.namedtuple("Point", "x y")


def plain(obj):
    """A comparable structure: tensors (shenjing or torch) become (dtype name, ndarray)."""
    if hasattr(obj, "numpy") and hasattr(obj, "dtype"):
        arr = obj.detach().numpy() if hasattr(obj, "detach") else obj.numpy()
        return ("tensor", str(arr.dtype), arr.tolist())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [plain(v) for v in obj])
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return ["list"] + [plain(v) for v in obj]
    if isinstance(obj, tuple):
        return ("tuple",) + tuple(plain(v) for v in obj)
    return obj


BATCHES = [
    [(np.ones((2, 3), np.float32) * i, i, float(i) / 3, f"s{i}") for i in range(4)],
    [{"a": np.arange(3) + i, "b": [i, i + 1], "c": True} for i in range(3)],
    [Point(np.float32(i), np.int16(i)) for i in range(3)],
    [[np.float64(i), np.bool_(i % 2)] for i in range(3)],
    [(i, {"nested": (np.arange(2, dtype=np.uint8), 2.5)}) for i in range(2)],
    [b"x", b"y"],
]


@pytest.mark.parametrize("batch", BATCHES)
def test_default_collate_matches_torch(batch):
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as tc
    assert plain(sd.default_collate(batch)) == plain(tc(batch))


def test_default_collate_types_without_torch():
    out = sd.default_collate([(1, 0.5, True), (2, 1.5, False)])
    assert isinstance(out, list)
    assert out[0].dtype == np.int64 and out[1].dtype == np.float64 and out[2].dtype == np.bool_
    t = sd.default_collate([shenjing.ones(2, 3), shenjing.zeros(2, 3)])
    assert t.shape == (2, 2, 3) and t.dtype == np.float32


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match=r"equal size, but got \[3\] at entry 0 and \[2\]"):
        sd.default_collate([shenjing.ones(3), shenjing.ones(2)])
    with pytest.raises(RuntimeError, match="equal size"):
        sd.default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate"):
        sd.default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="default_collate"):
        sd.default_collate([object(), object()])


def test_default_convert_matches_torch():
    pytest.importorskip("torch")
    from torch.utils.data import default_convert as tcv
    sample = (np.arange(3), 1, {"k": np.float32(2)}, "s", [np.ones(2)])
    assert plain(sd.default_convert(sample)) == plain(tcv(sample))


class Squares(sd.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(2, i * i, np.int64), i


@pytest.mark.parametrize("n,bs,drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                            (2, 5, False), (2, 5, True)])
def test_loader_len_and_batches_match_torch(n, bs, drop_last):
    torch = pytest.importorskip("torch")
    ours = sd.DataLoader(Squares(n), batch_size=bs, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(Squares(n), batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    it = iter(ours)
    assert len(it) == len(ours)


def test_loader_without_batching_matches_torch():
    torch = pytest.importorskip("torch")
    ours = list(sd.DataLoader(Squares(3), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(Squares(3), batch_size=None))
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]


def test_tensor_dataset_and_fast_path():
    x = shenjing.arange(20).reshape(10, 2).float()
    y = shenjing.arange(10)
    ds = sd.TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert xi.tolist() == [6.0, 7.0] and yi.item() == 3
    fast = list(sd.DataLoader(ds, batch_size=4))
    slow = list(sd.DataLoader(ds, batch_size=4, collate_fn=lambda b: sd.default_collate(b)))
    assert [plain(b) for b in fast] == [plain(b) for b in slow]
    assert fast[-1][0].shape == (2, 2) and fast[0][1].dtype == np.int64
    with pytest.raises(ValueError, match="size mismatch"):
        sd.TensorDataset(x, shenjing.arange(9))


def test_tensor_dataset_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((7, 3)).astype(np.float32)
    ours = sd.DataLoader(sd.TensorDataset(shenjing.from_numpy(a), shenjing.arange(7)),
                         batch_size=3)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(a), torch.arange(7)), batch_size=3)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]


def test_iterating_a_dataset_yields_single_samples():
    got = [(int(a[0]), b) for a, b in Squares(4)]
    assert got == [(0, 0), (1, 1), (4, 2), (9, 3)]

    class NoLen(sd.Dataset):
        def __getitem__(self, i):
            if i >= 3:
                raise IndexError
            return i
    assert list(NoLen()) == [0, 1, 2]

    class NeverRaises(sd.Dataset):  # stops at len() even though indexing never fails
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i
    assert list(NeverRaises()) == [0, 1]
    ds = sd.TensorDataset(shenjing.ones(3, 2), shenjing.arange(3))
    assert [int(y) for _, y in ds] == [0, 1, 2]


def test_concat_and_subset():
    cat = Squares(3) + Squares(2)
    assert isinstance(cat, sd.ConcatDataset) and len(cat) == 5
    assert [b for _, b in cat] == [0, 1, 2, 0, 1]
    assert cat[-1][1] == 1
    with pytest.raises(IndexError):
        cat[5]
    sub = sd.Subset(Squares(10), [9, 2, 4])
    assert len(sub) == 3 and [b for _, b in sub] == [9, 2, 4]
    assert [b for _, b in sub.__getitems__([0, 2])] == [9, 4]


def test_random_split_lengths_and_fractions():
    a, b = sd.random_split(range(10), [7, 3], generator=shenjing.Generator().manual_seed(1))
    assert len(a) == 7 and len(b) == 3
    assert sorted(list(a) + list(b)) == list(range(10))
    parts = sd.random_split(range(10), [0.34, 0.33, 0.33])
    assert [len(p) for p in parts] == [4, 3, 3]
    g1, g2 = shenjing.Generator().manual_seed(5), shenjing.Generator().manual_seed(5)
    assert list(sd.random_split(range(8), [4, 4], g1)[0]) == \
        list(sd.random_split(range(8), [4, 4], g2)[0])
    with pytest.raises(ValueError, match="does not equal"):
        sd.random_split(range(10), [5, 4])


def test_random_split_fraction_sizes_match_torch():
    torch = pytest.importorskip("torch")
    for n, fr in [(10, [0.34, 0.33, 0.33]), (7, [0.5, 0.5]), (101, [0.8, 0.1, 0.1])]:
        ours = [len(s) for s in sd.random_split(range(n), fr)]
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fr)]
        assert ours == theirs


def epoch_order(loader):
    return [y for batch in loader for y in batch[1].tolist()]


def test_shuffle_repeatable_with_manual_seed():
    loader = sd.DataLoader(Squares(20), batch_size=6, shuffle=True)
    shenjing.manual_seed(123)
    first, second = epoch_order(loader), epoch_order(loader)
    shenjing.manual_seed(123)
    assert epoch_order(loader) == first and epoch_order(loader) == second
    assert first != second and sorted(first) == list(range(20))


def test_shuffle_with_generator():
    def run(seed):
        g = shenjing.Generator().manual_seed(seed)
        loader = sd.DataLoader(Squares(20), batch_size=5, shuffle=True, generator=g)
        return epoch_order(loader), epoch_order(loader)
    shenjing.manual_seed(0)
    a = run(7)
    shenjing.manual_seed(99)  # the global generator does not matter
    assert run(7) == a and run(8) != a


def test_fast_path_same_as_per_sample_with_shuffle():
    x = shenjing.from_numpy(np.arange(60, dtype=np.float32).reshape(30, 2))
    ds = sd.TensorDataset(x, shenjing.arange(30))
    kw = dict(batch_size=7, shuffle=True, drop_last=True)
    shenjing.manual_seed(3)
    fast = [plain(b) for b in sd.DataLoader(ds, **kw)]
    shenjing.manual_seed(3)
    slow = [plain(b) for b in sd.DataLoader(ds, collate_fn=lambda b: sd.default_collate(b), **kw)]
    assert fast == slow and len(fast) == 4


def test_getitems_is_used():
    class Batched(Squares):
        calls = 0

        def __getitems__(self, idx):
            type(self).calls += 1
            return [self[i] for i in idx]
    out = list(sd.DataLoader(Batched(5), batch_size=2))
    assert Batched.calls == 3 and out[-1][1].tolist() == [4]


def test_declined_fast_path_falls_back():
    class Declines(Squares):
        def _get_batch(self, idx):
            return NotImplemented
    a = [plain(b) for b in sd.DataLoader(Declines(7), batch_size=3)]
    b = [plain(b) for b in sd.DataLoader(Squares(7), batch_size=3)]
    assert a == b


def test_iterable_dataset():
    class Stream(sd.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7
    loader = sd.DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    loader = sd.DataLoader(Stream(), batch_size=3, drop_last=True)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]] and len(loader) == 2
    with pytest.raises(ValueError, match="shuffle"):
        sd.DataLoader(Stream(), shuffle=True)
    assert list(Stream() + Stream())[6:8] == [6, 0]


def test_samplers():
    g = shenjing.Generator().manual_seed(0)
    s = sd.SubsetRandomSampler([3, 5, 7], generator=g)
    assert sorted(s) == [3, 5, 7] and len(s) == 3
    w = sd.WeightedRandomSampler([0.0, 1.0, 0.0], 5, generator=g)
    assert list(w) == [1] * 5
    r = sd.RandomSampler(range(4), num_samples=10, generator=g)
    out = list(r)
    assert len(out) == 10 and sorted(out[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert sorted(sd.RandomSampler(range(4), replacement=True, num_samples=3)) != []
    bs = sd.BatchSampler(sd.SequentialSampler(range(7)), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    bs = sd.BatchSampler(iter_sampler := [4, 2, 0], 2, drop_last=True)
    assert list(bs) == [[4, 2]] and len(bs) == 1 and iter_sampler
    with pytest.raises(ValueError, match="batch_size"):
        sd.BatchSampler(range(3), 0, False)


def test_loader_with_samplers():
    loader = sd.DataLoader(Squares(6), batch_size=2,
                           sampler=sd.SubsetRandomSampler([0, 1, 2]))
    assert sorted(epoch_order(loader)) == [0, 1, 2] and len(loader) == 2
    loader = sd.DataLoader(Squares(6), batch_sampler=[[5, 1], [0]])
    assert epoch_order(loader) == [5, 1, 0]


def test_loader_argument_errors():
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        sd.DataLoader(Squares(3), sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        sd.DataLoader(Squares(3), batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="drop_last"):
        sd.DataLoader(Squares(3), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers"):
        sd.DataLoader(Squares(3), num_workers=-1)


def test_num_workers_runs_in_process():
    from shenjing.utils.data import dataloader as dl
    dl._warned_workers = False
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        loader = sd.DataLoader(Squares(4), batch_size=2, num_workers=2)
        sd.DataLoader(Squares(4), num_workers=4)
    assert len([x for x in w if "num_workers" in str(x.message)]) == 1
    assert epoch_order(loader) == [0, 1, 2, 3]
    assert sd.get_worker_info() is None


def test_collate_dicts_with_different_keys_is_a_clear_error():
    # bug: a bare KeyError 'x' from inside default_collate
    batch = [{"x": shenjing.zeros(3)}, {"y": shenjing.zeros(3)}]
    with pytest.raises(RuntimeError, match=r"keys \['x'\] of sample 0; sample 1 has \['y'\]"):
        sd.default_collate(batch)
