"""Indexing: basic, integer-array (repeats accumulate) and bool-mask getitem,
gather/index_select/masked_fill, item assignment with and without a graph,
comparisons, sort/topk, and the out-of-range errors."""
import numpy as np
import pytest

import shenjing as sj
from helpers import check_grad, check_torch

IDX = [[0, 2, 2, 1]]
MASK = np.array([True, False, True])

GETITEM = {
    "int": lambda m, x: x[1],
    "neg_int": lambda m, x: x[-1, 2],
    "slice": lambda m, x: x[1:, ::2],
    "step_neg_free": lambda m, x: x[:, 1:3, 1],
    "ellipsis": lambda m, x: x[..., 0],
    "none": lambda m, x: x[None, 0, :, None],
    "int_list_repeat": lambda m, x: x[[0, 2, 2, 1]],
    "int_tensor_repeat": lambda m, x: x[m.tensor(IDX[0])],
    "two_arrays": lambda m, x: x[m.tensor([0, 2, 2]), m.tensor([1, 1, 0])],
    "array_and_slice": lambda m, x: x[:, m.tensor([3, 0, 3])],
    "bool_mask": lambda m, x: x[m.tensor(MASK)],
    "bool_mask_dim1": lambda m, x: x[:, m.tensor([True, False, True, True])],
    "value_mask": lambda m, x: x[x > 0],
}


@pytest.mark.parametrize("name", GETITEM)
def test_getitem_torch_parity(name):
    check_torch(GETITEM[name], (3, 4, 2))


@pytest.mark.parametrize("name", GETITEM)
def test_getitem_gradcheck(name):
    check_grad(lambda x: GETITEM[name](sj, x), (3, 4, 2))


def test_repeated_indices_accumulate_gradient():
    x = sj.zeros(3, requires_grad=True)
    x[[0, 2, 2, 2]].sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 3.0]


def test_gather_index_select_masked_fill():
    torch = pytest.importorskip("torch")
    index = np.array([[0, 0, 2], [1, 2, 1]])
    check_torch(lambda m, x: x.gather(1, m.tensor(index)), (2, 3))
    check_torch(lambda m, x: m.gather(x, 0, m.tensor(index[:, :2])), (3, 2))
    check_torch(lambda m, x: x.index_select(1, m.tensor([2, 0, 2])), (2, 3))
    mask = np.array([[True, False, True], [False, False, True]])
    check_torch(lambda m, x: x.masked_fill(m.tensor(mask), -1.5), (2, 3))
    check_torch(lambda m, x: x.masked_fill(m.tensor(mask[0]), 0.0), (2, 3))
    check_grad(lambda x: x.gather(1, sj.tensor(index)), (2, 3))
    check_grad(lambda x: x.masked_fill(sj.tensor(mask), 2.0), (2, 3))
    assert torch is not None


def test_setitem_under_no_grad_writes_in_place():
    w = sj.zeros(2, 3, requires_grad=True)
    with sj.no_grad():
        w[0] = 1.0
        w[:, 2] = sj.tensor([5.0, 6.0])
        w[w > 5.5] = -1.0
    assert w.tolist() == [[1.0, 1.0, 5.0], [0.0, 0.0, -1.0]]
    assert w.is_leaf and w.requires_grad


def test_setitem_on_a_leaf_that_requires_grad_is_an_error():
    w = sj.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 1.0


@pytest.mark.parametrize("key", [0, (slice(None), 1), [0, 2], "mask"])
def test_setitem_into_a_graph_matches_torch(key):
    torch = pytest.importorskip("torch")
    arr = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    varr = np.random.default_rng(1).standard_normal((4,)).astype(np.float32)
    grads = []
    for m in (sj, torch):
        x = m.tensor(arr, requires_grad=True)
        v = m.tensor(varr, requires_grad=True)
        k = m.tensor(arr[:, 0] > 0) if key == "mask" else key
        y = x * 2
        y[k] = v * 3 if key != (slice(None), 1) else v[:3] * 3
        (y * y).sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy(), v.grad.numpy()))
    for ours, ref in zip(*grads):
        np.testing.assert_allclose(ours, ref, rtol=1e-5)


def test_setitem_of_a_tensor_needing_grad_into_a_constant():
    buf = sj.zeros(3)
    v = sj.tensor(2.0, requires_grad=True)
    buf[1] = v
    assert buf.requires_grad and not buf.is_leaf
    (buf * sj.tensor([1.0, 4.0, 1.0])).sum().backward()
    assert v.grad.item() == 4.0


def test_setitem_gradcheck():
    def fn(x, v):
        y = x * 1.0
        y[1:, 0] = v
        return y * y
    check_grad(fn, (3, 2), (2,))


def test_setitem_after_use_in_graph_is_a_clear_error():
    x = sj.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    y[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an item assignment"):
        z.sum().backward()


def test_index_out_of_range_names_dim_and_size():
    x = sj.zeros(2, 3)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        x[0, 3]
    with pytest.raises(IndexError, match="index 5 .* dimension 0 with size 2"):
        x[sj.tensor([0, 5])]
    with pytest.raises(IndexError, match="index -3 .* size 2"):
        x[[-3]]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="long, int or bool"):
        x[sj.tensor([0.0])]
    with pytest.raises(RuntimeError, match="out of bounds.*size 3"):
        x.gather(1, sj.tensor([[0, 3]]))


def test_comparisons_match_torch_and_return_bool():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([3.0, 2.0, 1.0], np.float32)
    for op in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
        ours = getattr(sj.tensor(a), op)(sj.tensor(b))
        assert ours.dtype == sj.bool
        assert ours.tolist() == getattr(torch.tensor(a), op)(torch.tensor(b)).tolist()
        assert getattr(sj.tensor(a), op)(2.0).tolist() == getattr(torch.tensor(a), op)(2.0).tolist()
    m = sj.tensor([True, False])
    assert (~m).tolist() == [False, True] and (m & ~m).tolist() == [False, False]
    assert (m | ~m).tolist() == [True, True]


def test_sort_and_topk_match_torch():
    torch = pytest.importorskip("torch")
    arr = np.random.default_rng(4).permutation(12).reshape(3, 4).astype(np.float32)
    for desc in (False, True):
        s, t = check_torch(lambda m, x: x.sort(1, descending=desc), arrays=[arr])
        assert s.indices.tolist() == t.indices.tolist()
    s, t = check_torch(lambda m, x: x.topk(2, 1), arrays=[arr])
    assert s.indices.tolist() == t.indices.tolist()
    check_grad(lambda x: x.topk(2, 0).values, arrays=[arr.astype(np.float64)])
    assert sj.argsort(sj.tensor(arr), 1).tolist() == torch.argsort(torch.tensor(arr), 1).tolist()


def test_nonzero_style_where():
    rows, cols = sj.where(sj.tensor([[0, 1], [1, 1]]) > 0)
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 1]


@pytest.mark.parametrize("cond", [[1.0, 0.0, 1.0], [1, 0, 1]])
def test_where_rejects_non_bool_condition(cond):
    # bug: a float/int condition was silently cast to bool (PyTorch refuses it)
    with pytest.raises(RuntimeError, match="where: expected a bool condition"):
        sj.where(sj.tensor(cond), sj.ones(3), sj.zeros(3))


def test_where_shape_mismatch_is_named():
    with pytest.raises(RuntimeError, match=r"where: shapes \(2,\), \(3,\), \(3,\)"):
        sj.where(sj.tensor([True, False]), sj.ones(3), sj.zeros(3))


def test_masked_fill_mask_larger_than_input_is_an_error():
    # bug: the output silently took the mask's larger broadcast shape
    with pytest.raises(RuntimeError, match=r"masked_fill: mask of shape \(4, 2, 3\)"):
        sj.ones(2, 3).masked_fill(sj.ones(4, 2, 3).bool(), 0.0)
