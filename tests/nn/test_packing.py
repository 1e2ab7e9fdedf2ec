"""pad_sequence, pack_padded_sequence, pad_packed_sequence, pack_sequence vs torch."""
import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn.utils import rnn as U

torch = pytest.importorskip("torch")
TU = torch.nn.utils.rnn


def seqs(lengths, feat=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, feat)).astype(np.float32) for n in lengths]


def same(a, b):
    a = a.detach().numpy() if isinstance(a, sj.Tensor) else np.asarray(a)
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    arrs = seqs([2, 4, 1])
    s = U.pad_sequence([sj.tensor(a) for a in arrs], batch_first, -1.0, side)
    t = TU.pad_sequence([torch.tensor(a) for a in arrs], batch_first, -1.0, side)
    same(s, t)


@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [4, 3, 3, 1]),
                                                     (False, [2, 4, 1, 3])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_roundtrip(enforce_sorted, lengths, batch_first):
    arrs = seqs(lengths, seed=1)
    sp = U.pad_sequence([sj.tensor(a, requires_grad=False) for a in arrs], batch_first)
    tp = TU.pad_sequence([torch.tensor(a) for a in arrs], batch_first)
    sx = sj.tensor(sp.numpy(), requires_grad=True)
    tx = tp.clone().requires_grad_(True)
    s = U.pack_padded_sequence(sx, lengths, batch_first, enforce_sorted)
    t = TU.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted)
    same(s.data, t.data)
    assert s.batch_sizes.tolist() == t.batch_sizes.tolist()
    for a, b in [(s.sorted_indices, t.sorted_indices), (s.unsorted_indices, t.unsorted_indices)]:
        assert (a is None and b is None) or a.tolist() == b.tolist()
    so, sl = U.pad_packed_sequence(s, batch_first, padding_value=0.5, total_length=5)
    to, tl = TU.pad_packed_sequence(t, batch_first, padding_value=0.5, total_length=5)
    same(so, to)
    assert sl.tolist() == tl.tolist() and sl.dtype == sj.int64
    w = np.random.default_rng(2).standard_normal(tuple(to.shape)).astype(np.float32)
    (so * sj.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    same(sx.grad, tx.grad)


def test_pack_sequence_and_unpack():
    arrs = seqs([1, 3, 2], seed=3)
    s = U.pack_sequence([sj.tensor(a) for a in arrs], enforce_sorted=False)
    t = TU.pack_sequence([torch.tensor(a) for a in arrs], enforce_sorted=False)
    same(s.data, t.data)
    assert isinstance(s, U.PackedSequence) and s.batch_sizes.tolist() == [3, 2, 1]
    for a, back in zip(arrs, U.unpack_sequence(s)):
        np.testing.assert_array_equal(back.numpy(), a)


def test_errors():
    x = sj.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        U.pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(ValueError, match="expected 3 lengths"):
        U.pack_padded_sequence(x, [2, 1])
    with pytest.raises(RuntimeError, match="exceeds the padded length 4"):
        U.pack_padded_sequence(x, [5, 1, 1])
    p = U.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="total_length=2"):
        U.pad_packed_sequence(p, total_length=2)


def test_bad_inputs_get_named_errors():
    """Bug: fractional lengths were truncated silently; a 1-D input, scalar sequences or a
    plain Tensor given to pad_packed_sequence raised bare IndexError/AttributeError, and
    pad_sequence with different trailing dims failed inside stack."""
    x = sj.zeros(4, 3, 2)
    with pytest.raises(ValueError, match=r"lengths should be a 1-D sequence of whole numbers"):
        U.pack_padded_sequence(x, [3, 2, 1.5])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: expected a padded Tensor .* "
                                         r"got shape \(5,\)"):
        U.pack_padded_sequence(sj.zeros(5), [5])
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence"):
        U.pad_packed_sequence(x)
    with pytest.raises(ValueError, match=r"pad_sequence: .* got shapes \[\(3, 2\), \(2, 4\)\]"):
        U.pad_sequence([sj.zeros(3, 2), sj.zeros(2, 4)])
    with pytest.raises(ValueError, match="pad_sequence"):
        U.pad_sequence([sj.tensor(1.0), sj.tensor(2.0)])
    # whole-number float lengths stay accepted, as torch accepts them
    U.pack_padded_sequence(x, sj.tensor([3.0, 2.0, 1.0]))


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_padding_never_leaks_into_final_states(kind):
    """A packed batch gives each sequence exactly the states of running it alone."""
    sj.manual_seed(0)
    m = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True)
    arrs = seqs([2, 5, 3], seed=4)
    padded = U.pad_sequence([sj.tensor(a) for a in arrs], padding_value=99.0)
    out, h = m(U.pack_padded_sequence(padded, [2, 5, 3], enforce_sorted=False))
    h = h[0] if kind == "LSTM" else h
    out, _ = U.pad_packed_sequence(out)
    for b, a in enumerate(arrs):
        o1, h1 = m(sj.tensor(a)[:, None])
        h1 = h1[0] if kind == "LSTM" else h1
        np.testing.assert_allclose(h.detach().numpy()[:, b], h1.detach().numpy()[:, 0],
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out.detach().numpy()[:len(a), b],
                                   o1.detach().numpy()[:, 0], rtol=1e-5, atol=1e-6)
        assert not out.detach().numpy()[len(a):, b].any()
