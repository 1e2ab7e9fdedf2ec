"""Conv layers: PyTorch's parameter shapes, init, state_dict, printout and errors."""
import math

import numpy as np
import pytest

import shenjing
from shenjing import nn


def _load_from_torch(layer, tlayer):
    layer.load_state_dict({k: v.detach().numpy() for k, v in tlayer.state_dict().items()})


def _compare(layer, tlayer, shape, rtol=1e-4, atol=1e-5):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    a, b = shenjing.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = layer(a), tlayer(b)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol, atol)
    w = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(np.float32)
    (out * shenjing.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol, atol)
    for (name, p), tp in zip(layer.named_parameters(), tlayer.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol, atol, err_msg=name)


LAYERS = [
    ("Conv2d", (3, 8, 3), dict(stride=2, padding=1), (2, 3, 9, 8)),
    ("Conv2d", (4, 8, (3, 2)), dict(groups=4, dilation=(2, 1), bias=False), (2, 4, 9, 8)),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="reflect"), (2, 2, 6, 5)),
    ("Conv2d", (2, 4, 3), dict(padding=2, padding_mode="replicate"), (2, 2, 6, 5)),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="circular"), (2, 6, 5)),
    ("Conv1d", (3, 6, 5), dict(stride=2, padding=2, groups=3), (2, 3, 17)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 5, 4)),
    ("ConvTranspose1d", (3, 2, 4), dict(stride=3, padding=1), (2, 3, 6)),
]


@pytest.mark.parametrize("cls,args,kw,shape", LAYERS)
def test_layer_matches_torch(cls, args, kw, shape):
    torch = pytest.importorskip("torch")
    layer, tlayer = getattr(nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert list(layer.state_dict()) == list(tlayer.state_dict())
    for p, tp in zip(layer.parameters(), tlayer.parameters()):
        assert tuple(p.shape) == tuple(tp.shape)
    assert repr(layer) == repr(tlayer)
    _load_from_torch(layer, tlayer)
    _compare(layer, tlayer, shape)


@pytest.mark.parametrize("cls,args,fan_in", [("Conv2d", (4, 6, 3, 1, 0, 1, 2), 2 * 9),
                                             ("ConvTranspose2d", (4, 6, (2, 3)), 6 * 6)])
def test_default_init_bounds(cls, args, fan_in):
    shenjing.manual_seed(0)
    layer = getattr(nn, cls)(*args)
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        a = p.detach().numpy()
        assert a.dtype == np.float32 and np.abs(a).max() <= bound
        assert np.abs(a).max() > 0.7 * bound   # uniform over the whole range
    shenjing.manual_seed(0)
    again = getattr(nn, cls)(*args)
    np.testing.assert_array_equal(again.weight.detach().numpy(), layer.weight.detach().numpy())


def test_unbatched_input_accepted():
    conv = nn.Conv2d(1, 4, 3)
    assert tuple(conv(shenjing.zeros(1, 8, 8)).shape) == (4, 6, 6)


def test_error_three_d_batch_names_layer_and_shapes():
    conv = nn.Conv2d(1, 32, kernel_size=(3, 3))
    with pytest.raises(RuntimeError) as e:
        conv(shenjing.zeros(64, 28, 28))
    assert str(e.value) == ("Conv2d(1, 32, kernel_size=(3, 3)): expected input of shape "
                            "(N, 1, H, W) or (1, H, W), got (64, 28, 28)")


@pytest.mark.parametrize("shape", [(28, 28), (1, 1, 1, 28, 28), (2, 3, 28, 28)])
def test_error_bad_rank_or_channels(shape):
    with pytest.raises(RuntimeError, match=r"Conv2d\(1, 32.*expected input of shape"):
        nn.Conv2d(1, 32, 3)(shenjing.zeros(*shape))


def test_error_kernel_larger_than_padded_input():
    with pytest.raises(RuntimeError, match=r"Conv2d.*kernel size \(5, 5\).*larger than the "
                                           r"padded input size \(4, 4\)"):
        nn.Conv2d(1, 2, 5, padding=1)(shenjing.zeros(1, 1, 2, 2))


def test_error_groups_must_divide_channels():
    with pytest.raises(ValueError, match=r"Conv2d: in_channels \(3\).*divisible by groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="same.*strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")


def test_error_dtype_mismatch():
    conv = nn.Conv2d(1, 2, 3)
    with pytest.raises(RuntimeError, match="dtype"):
        conv(shenjing.zeros(1, 1, 5, 5, dtype=shenjing.float64))


def test_mnist_cnn_matches_torch():
    """The MNIST example network: conv-relu-conv-relu-pool-dropout-fc-relu-fc."""
    torch = pytest.importorskip("torch")

    def build(m):
        return m.nn.Sequential(m.nn.Conv2d(1, 8, 3), m.nn.ReLU(), m.nn.Conv2d(8, 16, 3),
                               m.nn.ReLU(), m.nn.MaxPool2d(2), m.nn.Dropout(0.25),
                               m.nn.Flatten(), m.nn.Linear(16 * 12 * 12, 32), m.nn.ReLU(),
                               m.nn.Linear(32, 10))

    tnet, net = build(torch).eval(), build(shenjing).eval()
    _load_from_torch(net, tnet)
    _compare(net, tnet, (4, 1, 28, 28), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kw, what", [({"kernel_size": 0}, "kernel_size"),
                                      ({"stride": 0}, "stride"),
                                      ({"dilation": 0}, "dilation"),
                                      ({"padding": -1}, "padding")])
def test_conv_rejects_zero_kernel_stride_dilation(kw, what):
    # bug: stride 0 gave a ZeroDivisionError at forward; kernel 0 / dilation 0 ran and
    # returned meaningless outputs; negative padding was accepted by the constructor
    args = {"kernel_size": 3, **kw}
    with pytest.raises(ValueError, match=f"Conv2d: {what} must be"):
        nn.Conv2d(3, 8, **args)


def test_functional_conv_checks_weight_rank_bias_and_stride():
    # bug: bare "not enough values to unpack" / NumPy reshape errors
    F = nn.functional
    x = shenjing.randn(1, 3, 5, 5)
    with pytest.raises(RuntimeError, match=r"conv2d: expected a 4-D weight.*\(8, 3, 3\)"):
        F.conv2d(x, shenjing.randn(8, 3, 3))
    with pytest.raises(RuntimeError, match=r"conv2d: expected a bias of shape \(8,\).*\(7,\)"):
        F.conv2d(x, shenjing.randn(8, 3, 3, 3), shenjing.randn(7))
    with pytest.raises(ValueError, match="conv2d: stride must be positive"):
        F.conv2d(x, shenjing.randn(8, 3, 3, 3), stride=0)
    with pytest.raises(RuntimeError, match=r"conv_transpose2d: expected a bias of shape \(4,\)"):
        F.conv_transpose2d(x, shenjing.randn(3, 4, 3, 3), shenjing.randn(3))


def test_conv_transpose_negative_output_padding_is_named():
    """Bug: output_padding=-1 failed with NumPy's 'operands could not be broadcast'."""
    x = shenjing.randn(2, 3, 4, 4)
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(3, 2.*output_padding \(-1, -1\) "
                                         r"must be non-negative"):
        nn.ConvTranspose2d(3, 2, 3, output_padding=-1)(x)
