"""Embedding and one_hot: lookup, scatter-add gradient, padding_idx, max_norm, errors."""
import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
import shenjing.nn.functional as F
from shenjing.autograd import gradcheck

torch = pytest.importorskip("torch")
IDX = [[1, 3, 3, 0], [2, 1, 4, 3]]


def test_parity_with_repeated_indices_and_padding():
    torch.manual_seed(0)
    te = torch.nn.Embedding(6, 4, padding_idx=3)
    se = nn.Embedding(6, 4, padding_idx=3)
    se.load_state_dict({"weight": sj.tensor(te.weight.detach().numpy())})
    w = np.random.default_rng(0).standard_normal((2, 4, 4)).astype(np.float32)
    to = te(torch.tensor(IDX))
    so = se(sj.tensor(IDX))
    np.testing.assert_allclose(so.detach().numpy(), to.detach().numpy())
    (to * torch.tensor(w)).sum().backward()
    (so * sj.tensor(w)).sum().backward()
    np.testing.assert_allclose(se.weight.grad.numpy(), te.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-6)
    assert not se.weight.grad.numpy()[3].any()


def test_gradcheck():
    w = sj.tensor(np.random.default_rng(1).standard_normal((5, 3)), dtype=sj.float64,
                  requires_grad=True)
    assert gradcheck(lambda t: F.embedding(sj.tensor(IDX) % 5, t), (w,))


def test_init_and_padding_row_zeroed():
    sj.manual_seed(0)
    e = nn.Embedding(1000, 8, padding_idx=-1)
    w = e.weight.detach().numpy()
    assert e.padding_idx == 999 and not w[999].any()
    assert abs(w[:999].mean()) < 0.05 and abs(w[:999].std() - 1) < 0.05
    assert repr(e) == "Embedding(1000, 8, padding_idx=999)"


def test_max_norm_renormalises_looked_up_rows_in_place():
    torch.manual_seed(0)
    te = torch.nn.Embedding(5, 3, max_norm=1.0)
    se = nn.Embedding(5, 3, max_norm=1.0)
    se.load_state_dict({"weight": sj.tensor(te.weight.detach().numpy() * 3)})
    with torch.no_grad():
        te.weight.mul_(3)
    np.testing.assert_allclose(se(sj.tensor([0, 2])).detach().numpy(),
                               te(torch.tensor([0, 2])).detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(se.weight.detach().numpy(), te.weight.detach().numpy(),
                               rtol=1e-5)


def test_from_pretrained_frozen():
    e = nn.Embedding.from_pretrained(sj.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not e.weight.requires_grad
    assert e(sj.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(sj.eye(3), freeze=False).weight.requires_grad


def test_index_out_of_range_error():
    e = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"Embedding: index 10 is out of range for "
                                         r"num_embeddings=10"):
        e(sj.tensor([[1, 10]]))
    with pytest.raises(IndexError, match="Embedding: index -1"):
        e(sj.tensor([-1]))
    with pytest.raises(TypeError, match="integer indices"):
        e(sj.tensor([1.0]))


def test_one_hot():
    out = F.one_hot(sj.tensor([0, 2, 1]), 4)
    ref = torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 4)
    assert out.dtype == sj.int64 and out.tolist() == ref.tolist()
    assert F.one_hot(sj.tensor([[1], [3]])).shape == (2, 1, 4)


def test_negative_sizes_are_named():
    """Bug: Embedding(5, -3) raised NumPy's bare 'negative dimensions are not allowed'."""
    with pytest.raises(ValueError, match=r"Embedding: .* got \(5, -3\)"):
        nn.Embedding(5, -3)
