"""Reductions with dim/keepdim against PyTorch and finite differences, the
(values, indices) results of max/min, and how ties share the gradient."""
import numpy as np
import pytest

import shenjing as sj
from helpers import check_grad, check_torch

DIMS = [None, 0, 1, -1, (0, 2)]
REDUCE = {
    "sum": lambda m, x, d, k: x.sum() if d is None else x.sum(d, keepdim=k),
    "mean": lambda m, x, d, k: x.mean() if d is None else x.mean(d, keepdim=k),
    "var": lambda m, x, d, k: x.var() if d is None else x.var(d, keepdim=k),
    "var_biased": lambda m, x, d, k: (x.var(unbiased=False) if d is None
                                      else x.var(d, unbiased=False, keepdim=k)),
    "std": lambda m, x, d, k: x.std() if d is None else x.std(d, keepdim=k),
    "amax": lambda m, x, d, k: x.amax() if d is None else x.amax(d, keepdim=k),
    "amin": lambda m, x, d, k: x.amin() if d is None else x.amin(d, keepdim=k),
    "logsumexp": lambda m, x, d, k: m.logsumexp(x, (0, 1, 2) if d is None else d, keepdim=k),
    "norm": lambda m, x, d, k: x.norm() if d is None else x.norm(dim=d, keepdim=k),
}


@pytest.mark.parametrize("name", REDUCE)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_torch_parity(name, dim, keepdim):
    check_torch(lambda m, x: REDUCE[name](m, x, dim, keepdim), (2, 3, 4))


@pytest.mark.parametrize("name", REDUCE)
@pytest.mark.parametrize("dim", [None, 1, (0, 2)])
def test_reduction_gradcheck(name, dim):
    check_grad(lambda x: REDUCE[name](sj, x, dim, False), (2, 3, 4))


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_returns_values_and_indices(op, dim, keepdim):
    sj_out, th_out = check_torch(lambda m, x: getattr(x, op)(dim, keepdim=keepdim), (3, 4, 5))
    assert sj_out.indices.dtype == sj.int64 and not sj_out.indices.requires_grad
    assert sj_out.indices.tolist() == th_out.indices.tolist()
    values, indices = sj_out
    assert values is sj_out.values and indices is sj_out.indices
    check_grad(lambda x: getattr(sj, op)(x, dim, keepdim).values, (3, 4, 5))


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
def test_full_reduction_ties_split_gradient_like_torch(op):
    arr = np.array([[1.0, 3.0, 3.0], [-2.0, 3.0, -2.0]], np.float32)
    check_torch(lambda m, x: getattr(x, op)() * 2, arrays=[arr])


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_dim_ties_pick_one_index_like_torch(op):
    arr = np.array([[1.0, 3.0, 3.0], [-2.0, 0.0, -2.0]], np.float32)
    check_torch(lambda m, x: getattr(x, op)(1)[0], arrays=[arr])


def test_maximum_minimum_with_ties_like_torch():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([1.0, 3.0, 2.0], np.float32)
    check_torch(lambda m, x, y: m.maximum(x, y), arrays=[a, b])
    check_torch(lambda m, x, y: m.minimum(x, y), arrays=[a, b])
    check_torch(lambda m, x, y: m.max(x, y), arrays=[a, b])


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 0, 2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin_match_torch(op, dim, keepdim):
    torch = pytest.importorskip("torch")
    arr = np.random.default_rng(3).integers(0, 4, (3, 4, 5)).astype(np.float32)  # with ties
    ours = getattr(sj.tensor(arr), op)(dim, keepdim=keepdim)
    ref = getattr(torch.tensor(arr), op)(dim, keepdim=keepdim)
    assert ours.dtype == sj.int64 and ours.tolist() == ref.tolist()


def test_prod_torch_and_gradcheck_with_a_zero():
    arr = np.array([[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]])
    check_torch(lambda m, x: x.prod(), arrays=[arr.astype(np.float32)])
    check_torch(lambda m, x: x.prod(1), arrays=[arr.astype(np.float32)])
    check_grad(lambda x: x.prod(0, keepdim=True), arrays=[arr])
    check_grad(lambda x: x.prod(), (2, 3))


def test_integer_sum_is_int64_and_mean_of_int_is_an_error():
    assert sj.tensor([1, 2], dtype=sj.int32).sum().dtype == sj.int64
    assert sj.tensor([True, True, False]).sum().item() == 2
    with pytest.raises(RuntimeError, match="floating point"):
        sj.tensor([1, 2]).mean()


def test_any_all_and_count():
    x = sj.tensor([[True, False], [True, True]])
    assert x.any().item() and not x.all().item()
    assert x.all(1).tolist() == [False, True]


def test_dim_out_of_range_errors_name_the_range():
    x = sj.randn(2, 3)
    for fn in (lambda: x.sum(2), lambda: x.mean(-3), lambda: x.max(5), lambda: x.argmax(2)):
        with pytest.raises(IndexError, match=r"range of \[-2, 1\]"):
            fn()


def test_max_of_empty_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="non-empty"):
        sj.zeros(0).max()


def test_var_std_correction_matches_torch():
    torch = pytest.importorskip("torch")
    arr = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    for kw in ({"correction": 0}, {"correction": 2}, {"unbiased": True}):
        np.testing.assert_allclose(sj.tensor(arr).var(1, **kw).numpy(),
                                   torch.tensor(arr).var(1, **kw).numpy(), rtol=1e-5)


def test_reduce_over_dim_of_0d_tensor():
    # bug: sum(dim=0) on a 0-d tensor raised NumPy's AxisError (PyTorch allows dim 0 / -1)
    s = sj.tensor(3.0, requires_grad=True)
    assert s.sum(dim=0).item() == 3.0 and s.mean(dim=-1).item() == 3.0
    s.sum(0).backward()
    assert s.grad.item() == 1.0


def test_reduce_duplicate_dims_is_an_error():
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        sj.ones(2, 3).sum(dim=(0, 0))


def test_max_along_dim_of_0d_tensor():
    # regression: max(dim=0) on a 0-d tensor raised NumPy's AxisError
    x = sj.tensor(3.5, requires_grad=True)
    v, i = x.max(0)
    assert v.item() == 3.5 and i.item() == 0
    v.backward()
    assert x.grad.item() == 1.0
