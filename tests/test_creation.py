"""Tensor creation: dtype inference as PyTorch, filled and range constructors,
*_like, from_numpy memory sharing, and seeded random numbers."""
import numpy as np
import pytest

import shenjing as sj


@pytest.mark.parametrize("data, dtype", [
    (1.5, sj.float32), ([1.0, 2.0], sj.float32), ([1, 2.5], sj.float32), (3, sj.int64),
    ([[1, 2], [3, 4]], sj.int64), (True, sj.bool), ([True, False], sj.bool), ([], sj.float32),
    (np.array([1.0], np.float64), sj.float64), (np.array([1], np.int32), sj.int32),
    (np.array([1.0], np.float32), sj.float32), (np.float64(2.0), sj.float64),
    (np.array([True]), sj.bool), ([sj.tensor(1.0), sj.tensor(2.0)], sj.float32),
])
def test_tensor_dtype_inference(data, dtype):
    assert sj.tensor(data).dtype == dtype


def test_tensor_dtype_inference_matches_torch():
    torch = pytest.importorskip("torch")
    for data in (1.5, 3, True, [1, 2.5], [[1, 2]], np.arange(3, dtype=np.int16),
                 np.ones(2, np.float64), np.float32(1.0)):
        assert str(sj.tensor(data).dtype) == str(torch.tensor(data).dtype).replace("torch.", "")


def test_tensor_copies_and_from_numpy_shares():
    arr = np.zeros(3, np.float32)
    t, f, a = sj.tensor(arr), sj.from_numpy(arr), sj.as_tensor(arr)
    arr[0] = 7
    assert t[0].item() == 0 and f[0].item() == 7 and a[0].item() == 7
    f.numpy()[1] = 5
    assert arr[1] == 5 and f.numpy() is arr
    with pytest.raises(TypeError, match="np.ndarray"):
        sj.from_numpy([1, 2])


def test_explicit_dtype_and_requires_grad():
    t = sj.tensor([1, 2], dtype=sj.float64, requires_grad=True)
    assert t.dtype == sj.float64 and t.requires_grad and t.is_leaf
    assert sj.tensor([1.7, -1.7], dtype=sj.int64).tolist() == [1, -1]


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_filled_constructors_accept_sizes_and_dtypes(fn):
    f = getattr(sj, fn)
    assert f(2, 3).shape == (2, 3) and f((2, 3)).shape == (2, 3) and f([4]).shape == (4,)
    assert f(2).dtype == sj.float32 and f(2, dtype=sj.float64).dtype == sj.float64
    assert f(2, requires_grad=True).requires_grad
    assert f().shape == ()


def test_full_infers_dtype_from_fill_value():
    assert sj.full((2,), 1.5).dtype == sj.float32 and sj.full((2,), 3).dtype == sj.int64
    assert sj.full((2, 2), True).dtype == sj.bool
    assert sj.full((2,), 7, dtype=sj.float64).tolist() == [7.0, 7.0]


def test_like_constructors_follow_the_template():
    x = sj.ones(2, 3, dtype=sj.float64)
    for t in (sj.zeros_like(x), sj.ones_like(x), sj.empty_like(x), sj.rand_like(x),
              sj.randn_like(x), sj.full_like(x, 2.0)):
        assert t.shape == (2, 3) and t.dtype == sj.float64
    i = sj.zeros_like(sj.tensor([1, 2]))
    assert i.dtype == sj.int64
    assert sj.zeros_like(x, dtype=sj.float32).dtype == sj.float32
    assert sj.ones_like(x, requires_grad=True).requires_grad


@pytest.mark.parametrize("args", [(5,), (2, 7), (1, 10, 3), (0.0, 1.0, 0.1), (-2, 2, 0.5), (5, 0, -1)])
def test_arange_matches_torch(args):
    torch = pytest.importorskip("torch")
    ours, ref = sj.arange(*args), torch.arange(*args)
    assert str(ours.dtype) == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("args", [(0, 1, 5), (-1.0, 3.0, 9), (2, 2, 1), (0, 1, 0)])
def test_linspace_matches_torch(args):
    torch = pytest.importorskip("torch")
    ours, ref = sj.linspace(*args), torch.linspace(*args)
    assert ours.dtype == sj.float32 and ours.shape == tuple(ref.shape)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)


def test_eye():
    assert sj.eye(3).tolist() == np.eye(3).tolist() and sj.eye(2, 3).shape == (2, 3)


def test_random_ranges_and_dtypes():
    sj.manual_seed(0)
    r = sj.rand(1000)
    assert r.dtype == sj.float32 and 0 <= r.min().item() and r.max().item() < 1
    n = sj.randn(10000)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05
    i = sj.randint(3, 7, (1000,))
    assert i.dtype == sj.int64 and set(i.tolist()) == {3, 4, 5, 6}
    assert set(sj.randint(2, (100,)).tolist()) == {0, 1}  # randint(high, size)
    assert sj.randint(0, 5, size=(2, 3)).shape == (2, 3)
    p = sj.randperm(6)
    assert sorted(p.tolist()) == list(range(6)) and p.dtype == sj.int64


def test_manual_seed_makes_runs_repeatable():
    def draw():
        return sj.rand(3).tolist(), sj.randn(2, 2).tolist(), sj.randint(0, 100, (4,)).tolist()
    sj.manual_seed(123)
    first = draw()
    sj.manual_seed(123)
    assert draw() == first
    sj.manual_seed(124)
    assert draw() != first


def test_generator_argument_is_independent_of_the_global_one():
    g = sj.Generator().manual_seed(7)
    a = sj.rand(3, generator=g).tolist()
    sj.rand(5)
    g.manual_seed(7)
    assert sj.rand(3, generator=g).tolist() == a


def test_bad_sizes_are_clear_errors():
    with pytest.raises(RuntimeError, match=r"non-negative.*\(2, -1\)"):
        sj.zeros(2, -1)
    with pytest.raises(RuntimeError, match="step"):
        sj.arange(0, 3, 0)
    with pytest.raises(TypeError, match="size"):
        sj.randint(0, 5)
    with pytest.raises(TypeError, match="convert"):
        sj.tensor(["a", "b"])
