"""The Tensor object: attributes, conversions, printing (as PyTorch's), in-place
methods, and the clear errors for misuse."""
import pickle

import numpy as np
import pytest

import shenjing as sj


def test_attributes():
    x = sj.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4
    assert repr(x.shape) == "shenjing.Size([2, 3, 4])" and x.shape.numel() == 24
    assert x.ndim == x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.dtype == sj.float32 and x.is_floating_point() and x.element_size() == 4
    assert str(x.device) == "cpu" and x.device == "cpu" and not x.is_cuda
    assert x.to("cpu") is x and x.cpu() is x
    with pytest.raises(IndexError, match=r"range of \[-3, 2\].*got 3"):
        x.size(3)
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")


def test_numpy_item_tolist():
    x = sj.tensor([[1.5, 2.0]])
    assert x.numpy().dtype == np.float32 and x.tolist() == [[1.5, 2.0]]
    assert sj.tensor([[3]]).item() == 3 and isinstance(sj.tensor(2.5).item(), float)
    assert float(sj.tensor(2.5)) == 2.5 and int(sj.tensor(3)) == 3 and bool(sj.tensor(True))
    with pytest.raises(RuntimeError, match="2 elements"):
        x.item()
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        sj.ones(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(sj.ones(2))
    assert [r.tolist() for r in sj.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    assert np.asarray(x).shape == (1, 2)
    assert sj.tensor([1, 2, 3])[sj.tensor(1)].item() == 2


REPR_CASES = ["[1.5, -2.25, 3.0]", "[True, False]", "[True]", "[[1, 22], [333, 4]]",
              "[1e-5, 1e5]", "[1.0, 2e8]", "[0.0, -0.5]", "[float('nan'), 1.0, float('inf')]",
              "1e-5", "-2.5", "3.0", "7", "[]", "[[1.0, 2.0], [3.0, 4.0]]", "[1.0, 2.5]",
              "[0.1, 0.25, 123.456]", "[-1.0, 2.0]", "[[[1.0]]]"]


@pytest.mark.parametrize("data", REPR_CASES)
def test_repr_matches_torch(data):
    torch = pytest.importorskip("torch")
    assert repr(sj.tensor(eval(data))) == repr(torch.tensor(eval(data)))


@pytest.mark.parametrize("expr", ["arange(30.).reshape(3, 10)", "arange(20.) / 3",
                                  "arange(2000.)", "arange(2000).reshape(40, 50)",
                                  "zeros(2, 2, 2)", "zeros(0, 3)", "ones(2, dtype=M.float64)",
                                  "ones(2, 2, dtype=M.int32)", "tensor([], dtype=M.int64)",
                                  "arange(10000.).reshape(10, 10, 100)",
                                  "ones(2, requires_grad=True)", "ones(2, requires_grad=True) * 2",
                                  "ones(3, requires_grad=True).sum()"])
def test_repr_of_larger_tensors_matches_torch(expr):
    torch = pytest.importorskip("torch")
    ours = repr(eval("sj." + expr.replace("M.", "sj.")))
    ref = repr(eval("torch." + expr.replace("M.", "torch."))).replace("torch.", "shenjing.")
    assert ours == ref


def test_str_and_format():
    assert str(sj.tensor([1.0])) == "tensor([1.])"
    assert f"{sj.tensor(0.123456):.2f}" == "0.12"


def test_in_place_methods():
    x = sj.zeros(2, 2)
    x.fill_(2.0).add_(1.0).mul_(2.0).sub_(1.0, alpha=2).div_(2.0)
    assert x.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    x += 1
    x *= sj.tensor([1.0, 2.0])
    assert x.tolist() == [[3.0, 6.0], [3.0, 6.0]]
    x.zero_()
    assert not x.any().item()
    x.copy_(sj.tensor([1.0, 2.0]))
    assert x.tolist() == [[1.0, 2.0], [1.0, 2.0]]
    x.clamp_(max=1.5)
    assert x.max().item() == 1.5
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 2\)"):
        x.copy_(sj.ones(3))


def test_in_place_on_leaf_requiring_grad_needs_no_grad():
    w = sj.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf.*no_grad"):
        w.add_(1)
    with sj.no_grad():
        w.add_(1)
    assert w.tolist() == [2.0, 2.0] and w.requires_grad


def test_random_in_place_fills_are_seeded():
    sj.manual_seed(1)
    a = sj.empty(5).uniform_(-1, 1).tolist()
    sj.manual_seed(1)
    assert sj.empty(5).uniform_(-1, 1).tolist() == a
    assert all(-1 <= v < 1 for v in a)
    assert sj.empty(1000).normal_(2.0, 0.1).mean().item() == pytest.approx(2.0, abs=0.02)


def test_dtype_conversions():
    x = sj.tensor([1.7, -2.2])
    assert x.long().tolist() == [1, -2] and x.int().dtype == sj.int32
    assert x.double().dtype == sj.float64 and x.half().dtype == sj.float16
    assert x.bool().tolist() == [True, True] and x.to(sj.float64).dtype == sj.float64
    assert x.to(sj.ones(1, dtype=sj.float64)).dtype == sj.float64
    assert x.type_as(sj.tensor([1])).dtype == sj.int64
    assert x.to(dtype=sj.float32) is x


def test_data_and_pickle():
    x = sj.ones(2, requires_grad=True)
    d = x.data
    assert not d.requires_grad and np.shares_memory(d.numpy(), x.detach().numpy())
    y = pickle.loads(pickle.dumps(x))
    assert y.requires_grad and y.tolist() == [1.0, 1.0]


def test_iteration_and_len_of_scalar_are_errors():
    with pytest.raises(TypeError, match="0-d"):
        len(sj.tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(sj.tensor(1.0))


def test_legacy_constructor():
    assert sj.Tensor(2, 3).shape == (2, 3) and sj.Tensor([1, 2]).dtype == sj.float32


def test_size_of_dim_on_0d_tensor_is_a_clear_error():
    # bug: size(0) on a 0-d tensor raised "tuple index out of range"
    with pytest.raises(IndexError, match="no dimensions"):
        sj.tensor(1.0).size(0)


def test_ragged_nested_list_is_a_clear_error():
    # bug: NumPy's "setting an array element with a sequence ... inhomogeneous" leaked out
    with pytest.raises(ValueError, match="tensor: expected a rectangular nested sequence"):
        sj.tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match="ragged"):
        sj.tensor([sj.tensor([1.0, 2.0]), sj.tensor([1.0])])


def test_new_constructors_take_the_tensor_dtype():
    x = sj.zeros(2, dtype=sj.float64)
    assert x.new_zeros(3, 4).dtype == sj.float64 and x.new_zeros(3, 4).shape == (3, 4)
    assert x.new_ones((2,)).tolist() == [1.0, 1.0]
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_full((2,), 7).dtype == sj.float64
    assert x.new_tensor([1, 2]).dtype == sj.float64
    assert x.new_empty(5).shape == (5,)
    assert x.new_zeros(2, dtype=sj.int64).dtype == sj.int64
