"""Activations and (log-)softmax: parity with PyTorch, float64 gradcheck, and
numerical stability at huge inputs (no overflow warnings, no nan/inf)."""
import warnings

import numpy as np
import pytest

import shenjing as sj
from helpers import check_grad, check_torch


def _torch_f():
    return pytest.importorskip("torch").nn.functional


ACTS = {
    "relu": (lambda x: sj.relu(x), lambda x: _torch_f().relu(x)),
    "sigmoid": (lambda x: sj.sigmoid(x), lambda x: x.sigmoid()),
    "tanh": (lambda x: sj.tanh(x), lambda x: x.tanh()),
    "leaky_relu": (lambda x: sj.ops.leaky_relu(x, 0.1), lambda x: _torch_f().leaky_relu(x, 0.1)),
    "elu": (lambda x: sj.ops.elu(x, 1.5), lambda x: _torch_f().elu(x, 1.5)),
    "gelu": (lambda x: sj.ops.gelu(x), lambda x: _torch_f().gelu(x)),
    "gelu_tanh": (lambda x: sj.ops.gelu(x, "tanh"), lambda x: _torch_f().gelu(x, approximate="tanh")),
    "silu": (lambda x: sj.ops.silu(x), lambda x: _torch_f().silu(x)),
    "softplus": (lambda x: sj.ops.softplus(x, 2.0, 5.0), lambda x: _torch_f().softplus(x, 2.0, 5.0)),
    "softmax0": (lambda x: sj.softmax(x, 0), lambda x: x.softmax(0)),
    "softmax-1": (lambda x: x.softmax(-1), lambda x: x.softmax(-1)),
    "log_softmax1": (lambda x: sj.log_softmax(x, 1), lambda x: x.log_softmax(1)),
    "log_softmax-1": (lambda x: x.log_softmax(dim=-1), lambda x: x.log_softmax(-1)),
}


def _inputs(seed=0, shape=(3, 5)):
    """Values away from the kinks at 0 (relu family) and the softplus threshold."""
    arr = np.random.default_rng(seed).uniform(-3, 3, shape)
    arr[np.abs(arr) < 0.1] = 0.5
    arr[np.abs(arr * 2 - 5) < 0.1] = 1.0
    return arr


@pytest.mark.parametrize("name", ACTS)
def test_activation_torch_parity(name):
    ours, theirs = ACTS[name]
    check_torch(lambda m, x: ours(x) if m is sj else theirs(x),
                arrays=[_inputs().astype(np.float32)])


@pytest.mark.parametrize("name", ACTS)
def test_activation_gradcheck(name):
    check_grad(ACTS[name][0], arrays=[_inputs(1)])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softmax-1", "log_softmax-1", "silu",
                                  "softplus", "elu", "leaky_relu", "gelu_tanh"])
def test_huge_inputs_are_stable(name):
    ours, theirs = ACTS[name]
    arr = np.array([[-1000.0, 0.5, 1000.0], [1000.0, 999.0, -1000.0]], np.float32)
    x = sj.tensor(arr, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y = ours(x)
            (y * sj.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, 0.1]])).sum().backward()
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    torch = pytest.importorskip("torch")
    t = torch.tensor(arr)
    np.testing.assert_allclose(y.detach().numpy(), theirs(t).numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_rows_sum_to_one_and_implicit_dim():
    x = sj.randn(4, 6)
    np.testing.assert_allclose(x.softmax(1).sum(1).numpy(), np.ones(4), rtol=1e-6)
    np.testing.assert_allclose(sj.softmax(x).numpy(), x.softmax(1).numpy())


def test_softmax_of_int_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="floating point"):
        sj.softmax(sj.tensor([1, 2]), 0)


def test_softmax_dim_out_of_range():
    with pytest.raises(IndexError, match=r"range of \[-2, 1\].*got 2"):
        sj.randn(2, 3).softmax(2)
