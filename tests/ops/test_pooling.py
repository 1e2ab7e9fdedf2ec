"""Pooling ops and nearest interpolation: finite differences and PyTorch parity."""
import numpy as np
import pytest

import shenjing
from helpers import check_grad, check_torch


def F(m):
    return m.nn.functional


MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=1, padding=1),
]


@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("shape", [(2, 3, 9, 8), (3, 7, 7)])
def test_max_pool2d_torch(kw, shape):
    out, _ = check_torch(lambda m, x: F(m).max_pool2d(x, return_indices=True, **kw), shape)


@pytest.mark.parametrize("kw", MAX2D[:3])
def test_max_pool2d_gradcheck(kw):
    check_grad(lambda x: F(shenjing).max_pool2d(x, **kw), (1, 2, 7, 6))


def test_max_pool2d_ties_route_to_first_max():
    x = shenjing.zeros(1, 1, 4, 4, requires_grad=True)
    out, idx = F(shenjing).max_pool2d(x, 2, stride=1, return_indices=True)
    out.sum().backward()
    assert idx.numpy()[0, 0].tolist() == [[0, 1, 2], [4, 5, 6], [8, 9, 10]]
    torch = pytest.importorskip("torch")
    t = torch.zeros(1, 1, 4, 4, requires_grad=True)
    torch.nn.functional.max_pool2d(t, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1,
                                                          ceil_mode=True, dilation=2)])
def test_max_pool1d_torch(kw):
    check_torch(lambda m, x: F(m).max_pool1d(x, return_indices=True, **kw), (2, 3, 10))


AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), divisor_override=5),
]


@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d_torch_and_gradcheck(kw):
    check_torch(lambda m, x: F(m).avg_pool2d(x, **kw), (2, 3, 9, 8))
    check_grad(lambda x: F(shenjing).avg_pool2d(x, **kw), (1, 2, 5, 6))


def test_avg_pool1d_torch():
    check_torch(lambda m, x: F(m).avg_pool1d(x, 3, 2, 1, ceil_mode=True,
                                             count_include_pad=False), (2, 3, 10))


@pytest.mark.parametrize("size", [3, (4, None), (1, 1), (5, 2)])
def test_adaptive_pools_torch_and_gradcheck(size):
    check_torch(lambda m, x: F(m).adaptive_avg_pool2d(x, size), (2, 3, 9, 7))
    check_torch(lambda m, x: F(m).adaptive_max_pool2d(x, size, return_indices=True), (2, 3, 9, 7))
    check_grad(lambda x: F(shenjing).adaptive_avg_pool2d(x, size), (1, 2, 6, 5))
    check_grad(lambda x: F(shenjing).adaptive_max_pool2d(x, size), (1, 2, 6, 5))


def test_adaptive_1d_torch():
    check_torch(lambda m, x: F(m).adaptive_avg_pool1d(x, 4), (2, 3, 10))
    check_torch(lambda m, x: F(m).adaptive_max_pool1d(x, 4), (2, 3, 10))


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(scale_factor=1.7),
                                dict(size=(7, 3)), dict(size=(7, 3), mode="nearest-exact"),
                                dict(scale_factor=(0.5, 3))])
def test_interpolate_nearest_torch(kw):
    check_torch(lambda m, x: F(m).interpolate(x, **kw), (2, 3, 4, 5))


def test_interpolate_1d_and_gradcheck():
    check_torch(lambda m, x: F(m).interpolate(x, scale_factor=3), (2, 3, 4))
    check_grad(lambda x: F(shenjing).interpolate(x, size=(5, 3)), (1, 2, 3, 4))


def test_pool_errors():
    x = shenjing.zeros(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match="max_pool2d.*too small"):
        F(shenjing).max_pool2d(x, 3)
    with pytest.raises(ValueError, match="half of the effective kernel"):
        F(shenjing).max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match=r"avg_pool2d: expected input of shape \(N, C, H, W\)"):
        F(shenjing).avg_pool2d(shenjing.zeros(4, 4), 2)
    with pytest.raises(NotImplementedError, match="bilinear"):
        F(shenjing).interpolate(x, scale_factor=2, mode="bilinear")
