"""BatchNorm, LayerNorm, GroupNorm: both modes, running statistics and state_dicts as torch."""
import numpy as np
import pytest

import shenjing
from shenjing import nn
from helpers import check_grad, check_torch


def _pair(cls, *args, **kw):
    torch = pytest.importorskip("torch")
    layer, tlayer = getattr(nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    with torch.no_grad():
        for p in tlayer.parameters():
            p.uniform_(0.5, 1.5)
    layer.load_state_dict({k: v.numpy() for k, v in tlayer.state_dict().items()})
    return torch, layer, tlayer


def _step(torch, layer, tlayer, shape, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    w = rng.standard_normal(shape).astype(np.float32)
    a, b = shenjing.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = layer(a), tlayer(b)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), 1e-4, 1e-5)
    (out * shenjing.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), 1e-4, 1e-5)
    for p, tp in zip(layer.parameters(), tlayer.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), 1e-4, 1e-4)
        p.grad, tp.grad = None, None


BN = [("BatchNorm2d", (4, 3, 5, 6), {}), ("BatchNorm1d", (8, 3), {}),
      ("BatchNorm1d", (4, 3, 7), {}), ("BatchNorm2d", (4, 3, 2, 3), dict(momentum=None)),
      ("BatchNorm2d", (4, 3, 2, 3), dict(affine=False, eps=1e-3)),
      ("BatchNorm1d", (5, 3), dict(track_running_stats=False))]


@pytest.mark.parametrize("cls,shape,kw", BN)
def test_batchnorm_train_eval_and_running_stats(cls, shape, kw):
    torch, layer, tlayer = _pair(cls, 3, **kw)
    assert list(layer.state_dict()) == list(tlayer.state_dict())
    for seed in range(3):
        _step(torch, layer, tlayer, shape, seed)
    for key, value in tlayer.state_dict().items():
        mine = layer.state_dict()[key].numpy()
        assert mine.dtype == value.numpy().dtype, key
        np.testing.assert_allclose(mine, value.numpy(), 1e-5, 1e-6, err_msg=key)
    layer.eval()
    tlayer.eval()
    _step(torch, layer, tlayer, shape, 7)


def test_batchnorm_state_dict_keys_and_loading_torch_arrays():
    torch, layer, tlayer = _pair("BatchNorm2d", 3)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                        "num_batches_tracked"]
    tlayer.train()
    tlayer(torch.randn(4, 3, 2, 2) * 3 + 2)            # move the running statistics
    layer.load_state_dict({k: v.numpy() for k, v in tlayer.state_dict().items()})
    layer.eval()
    tlayer.eval()
    _step(torch, layer, tlayer, (2, 3, 4, 4), 3)


def test_batchnorm_op_gradcheck():
    F = shenjing.nn.functional
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (3, 2, 2, 2),
               (2,), (2,))
    rm, rv = shenjing.zeros(2, dtype=shenjing.float64), shenjing.ones(2, dtype=shenjing.float64)
    check_grad(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (3, 2, 4), (2,),
               (2,))


def test_batchnorm_errors():
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(3\): expected input of shape "
                                           r"\(N, 3, H, W\), got \(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(shenjing.zeros(2, 4, 5, 5))
    with pytest.raises(RuntimeError, match=r"BatchNorm1d\(3\).*\(N, 3\) or \(N, 3, L\)"):
        nn.BatchNorm1d(3)(shenjing.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(shenjing.zeros(1, 3))


@pytest.mark.parametrize("shape,kw", [((6, 5), {}), ((5,), dict(bias=False)),
                                      ((6, 5), dict(elementwise_affine=False, eps=1e-3))])
def test_layernorm_torch(shape, kw):
    torch, layer, tlayer = _pair("LayerNorm", shape, **kw)
    assert list(layer.state_dict()) == list(tlayer.state_dict())
    _step(torch, layer, tlayer, (4, 6, 5), 0)


@pytest.mark.parametrize("groups,shape", [(3, (4, 6, 5)), (1, (2, 6, 3, 3)), (6, (2, 6, 3))])
def test_groupnorm_torch(groups, shape):
    torch, layer, tlayer = _pair("GroupNorm", groups, 6)
    _step(torch, layer, tlayer, shape, 0)


def test_layer_and_group_norm_gradcheck():
    F = shenjing.nn.functional
    check_grad(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), (2, 3, 4), (3, 4), (3, 4))
    check_grad(lambda x, w, b: F.group_norm(x, 2, w, b), (2, 4, 3), (4,), (4,))
    check_torch(lambda m, x: m.nn.functional.layer_norm(x, (5,)), (3, 5))


def test_norm_errors():
    with pytest.raises(RuntimeError, match=r"layer_norm: expected input with trailing shape"):
        nn.LayerNorm(4)(shenjing.zeros(2, 5))
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"GroupNorm\(2, 6\)"):
        nn.GroupNorm(2, 6)(shenjing.zeros(2, 4, 3))


@pytest.mark.parametrize("layer, shape", [(lambda: nn.BatchNorm1d(4), (3, 4)),
                                          (lambda: nn.BatchNorm2d(4), (3, 4, 2, 2)),
                                          (lambda: nn.LayerNorm(4), (3, 4)),
                                          (lambda: nn.GroupNorm(2, 4), (3, 4))])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "float64"])
def test_norm_layers_reject_input_of_another_dtype(layer, shape, dtype):
    # bug: integer (or float64) input silently produced float64 output
    x = shenjing.tensor(np.zeros(shape, dtype))
    with pytest.raises(RuntimeError, match=f"expected input of dtype float32.*got {dtype}"):
        layer()(x)


def test_bad_group_count_and_normalized_shape_are_named():
    """Bug: GroupNorm(0, C) raised a bare ZeroDivisionError; LayerNorm(-1) failed inside
    tensor creation without naming LayerNorm."""
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(4\) must be divisible "
                                         r"by num_groups \(0\)"):
        nn.GroupNorm(0, 4)
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape should be a positive"):
        nn.LayerNorm(-1)
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape"):
        nn.LayerNorm(())
