"""Shape ops against PyTorch and finite differences, memory sharing of views, and
the errors for impossible shapes."""
import numpy as np
import pytest

import shenjing as sj
from helpers import check_grad, check_torch

SHAPE_OPS = {
    "reshape": lambda m, x: x.reshape(6, 4),
    "reshape_neg": lambda m, x: x.reshape(-1, 2),
    "view": lambda m, x: x.view(4, 6),
    "view_tuple": lambda m, x: x.view((2, -1)),
    "flatten": lambda m, x: x.flatten(),
    "flatten_1": lambda m, x: x.flatten(1),
    "flatten_0_1": lambda m, x: m.flatten(x, 0, 1),
    "transpose": lambda m, x: x.transpose(0, 2),
    "transpose_neg": lambda m, x: m.transpose(x, -1, -2),
    "permute": lambda m, x: x.permute(2, 0, 1),
    "permute_tuple": lambda m, x: m.permute(x, (1, -1, 0)),
    "mT": lambda m, x: x.mT,
    "unsqueeze": lambda m, x: x.unsqueeze(1),
    "unsqueeze_neg": lambda m, x: m.unsqueeze(x, -1),
    "squeeze_unsqueezed": lambda m, x: x.unsqueeze(0).squeeze(0),
    "expand": lambda m, x: x[:, :1].expand(2, 5, 4),
    "expand_neg": lambda m, x: x[:1].expand(3, -1, -1),
    "expand_as": lambda m, x: x[:1, :, :1].expand_as(x),
    "contiguous": lambda m, x: x.transpose(0, 1).contiguous(),
    "repeat": lambda m, x: x.repeat(2, 1, 3),
    "repeat_more": lambda m, x: x.repeat(2, 1, 1, 2),
    "flip": lambda m, x: x.flip((0, 2)),
    "cumsum": lambda m, x: x.cumsum(1),
    "unflatten": lambda m, x: x.unflatten(2, (2, 2)),
    "t": lambda m, x: x[0].t(),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_torch_parity(name):
    check_torch(SHAPE_OPS[name], (2, 3, 4))


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_gradcheck(name):
    check_grad(lambda x: SHAPE_OPS[name](sj, x), (2, 3, 4))


def test_squeeze_variants_match_torch():
    for fn in (lambda m, x: x.squeeze(), lambda m, x: x.squeeze(1), lambda m, x: x.squeeze(0),
               lambda m, x: x.squeeze(-1), lambda m, x: m.squeeze(x, (1, 3))):
        check_torch(fn, (2, 1, 3, 1))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_stack_torch_and_gradcheck(dim):
    check_torch(lambda m, a, b: m.cat([a, b], dim), (2, 3, 4), (2, 3, 4))
    check_torch(lambda m, a, b, c: m.stack((a, b, c), dim), (2, 3), (2, 3), (2, 3))
    check_grad(lambda a, b: sj.cat([a, b], dim), (2, 3, 2), (2, 3, 2))
    check_grad(lambda a, b: sj.stack([a, b], dim), (2, 3), (2, 3))


def test_cat_with_different_sizes_along_dim():
    check_torch(lambda m, a, b: m.cat((a, b), 1), (2, 3), (2, 5))
    check_grad(lambda a, b: sj.cat((a, b), 1), (2, 3), (2, 1))


@pytest.mark.parametrize("split", [2, 3, [1, 4], (2, 2, 1)])
def test_split_torch_and_gradcheck(split):
    check_torch(lambda m, x: m.split(x, split, 1), (3, 5))
    check_torch(lambda m, x: x.split(split, dim=1), (3, 5))
    check_grad(lambda x: x.split(split, 1), (3, 5))


@pytest.mark.parametrize("chunks", [1, 2, 3, 4])
def test_chunk_and_unbind_match_torch(chunks):
    sj_out, th_out = check_torch(lambda m, x: x.chunk(chunks, 0), (6, 2))
    assert len(sj_out) == len(th_out)
    check_torch(lambda m, x: x.unbind(1), (3, 4))
    check_grad(lambda x: x.chunk(chunks, 0), (5, 2))


def test_views_share_memory_like_torch():
    x = sj.zeros(2, 3)
    for v in (x.view(6), x.reshape(3, 2), x.transpose(0, 1), x.unsqueeze(0), x[0], x.flatten()):
        assert np.shares_memory(v.numpy(), x.numpy())
    t = x.t()
    assert not t.is_contiguous() and t.contiguous().is_contiguous()
    x.view(6)[0] = 5.0
    assert x[0, 0].item() == 5.0


def test_pad_torch_and_gradcheck():
    torch = pytest.importorskip("torch")
    check_torch(lambda m, x: (sj.ops.pad(x, (1, 2, 0, 1), value=0.5) if m is sj else
                              torch.nn.functional.pad(x, (1, 2, 0, 1), value=0.5)), (2, 3, 4))
    check_torch(lambda m, x: (sj.ops.pad(x, (-1, 1)) if m is sj else
                              torch.nn.functional.pad(x, (-1, 1))), (2, 4))
    check_grad(lambda x: sj.ops.pad(x, (1, -1, 2, 0)), (2, 3, 4))


def test_reshape_to_incompatible_size_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"\[4, 4\].*size 6.*\(2, 3\)"):
        sj.zeros(2, 3).reshape(4, 4)
    with pytest.raises(RuntimeError, match=r"\(2, 3\)"):
        sj.zeros(2, 3).view(-1, 4)
    with pytest.raises(RuntimeError, match="invalid"):
        sj.zeros(2, 3).reshape(-1, -1)


def test_cat_of_mismatched_shapes_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 4\)"):
        sj.cat([sj.zeros(2, 3), sj.zeros(2, 4)], 0)
    with pytest.raises(RuntimeError, match="zero-dimensional"):
        sj.cat([sj.tensor(1.0), sj.tensor(2.0)])
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[3, 2\]"):
        sj.stack([sj.zeros(2, 3), sj.zeros(3, 2)])


def test_bad_dims_are_clear_errors():
    x = sj.zeros(2, 3)
    with pytest.raises(IndexError, match=r"out of range.*got 5"):
        x.permute(0, 5)
    with pytest.raises(RuntimeError, match=r"permutation.*\(2, 3\)"):
        x.permute(0, 1, 2)
    with pytest.raises(RuntimeError, match=r"permutation"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="out of range"):
        x.transpose(0, 2)
    with pytest.raises(IndexError, match="out of range"):
        x.unsqueeze(3)
    with pytest.raises(RuntimeError, match=r"expanded size.*\[2, 3\]"):
        x.expand(4, 3, 4)
    with pytest.raises(RuntimeError, match=r"-1"):
        x.expand(-1, 2, 3)
    with pytest.raises(RuntimeError, match=r"split_sizes.*\[1, 1\]"):
        x.split([1, 1], 1)


def test_chunk_zero_is_an_error():
    # bug: chunk(0) raised a bare ZeroDivisionError
    with pytest.raises(RuntimeError, match="chunk: chunks must be a positive int, got 0"):
        sj.ones(4).chunk(0)
