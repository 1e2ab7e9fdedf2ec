"""Activation functions and layers: torch parity, gradcheck, repr."""
import numpy as np
import pytest

import shenjing
import shenjing.nn as nn
import shenjing.nn.functional as F
from helpers import check_grad, check_torch


def _away_from_kinks(shape=(4, 5), seed=0):
    """Values in [-3, 3] at least 0.05 from 0 (the kink of relu and friends)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 3, shape) * rng.choice([-1, 1], shape)
    return x


CASES = {
    "relu": lambda m, x: m.nn.functional.relu(x),
    "relu6": lambda m, x: m.nn.functional.relu6(x * 3),
    "leaky_relu": lambda m, x: m.nn.functional.leaky_relu(x, 0.2),
    "elu": lambda m, x: m.nn.functional.elu(x, 0.7),
    "celu": lambda m, x: m.nn.functional.celu(x, 1.3),
    "selu": lambda m, x: m.nn.functional.selu(x),
    "sigmoid": lambda m, x: m.nn.functional.sigmoid(x),
    "tanh": lambda m, x: m.nn.functional.tanh(x),
    "gelu": lambda m, x: m.nn.functional.gelu(x),
    "gelu_tanh": lambda m, x: m.nn.functional.gelu(x, approximate="tanh"),
    "silu": lambda m, x: m.nn.functional.silu(x),
    "mish": lambda m, x: m.nn.functional.mish(x),
    "softplus": lambda m, x: m.nn.functional.softplus(x, beta=2.0, threshold=3.0),
    "softsign": lambda m, x: m.nn.functional.softsign(x),
    "logsigmoid": lambda m, x: m.nn.functional.logsigmoid(x),
    "hardtanh": lambda m, x: m.nn.functional.hardtanh(x, -0.5, 1.5),
    "softmax": lambda m, x: m.nn.functional.softmax(x, dim=1),
    "log_softmax": lambda m, x: m.nn.functional.log_softmax(x, dim=0),
    "softmin": lambda m, x: m.nn.functional.softmin(x, dim=-1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_parity_with_torch(name):
    fn = CASES[name]
    check_torch(fn, arrays=[_away_from_kinks().astype(np.float32)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_gradcheck(name):
    fn = CASES[name]
    check_grad(lambda x: fn(shenjing, x), arrays=[_away_from_kinks(seed=1)])


def test_prelu_parity_and_gradcheck():
    torch = pytest.importorskip("torch")
    x = _away_from_kinks((2, 3, 4)).astype(np.float32)
    w = np.array([0.1, 0.3, -0.2], np.float32)
    check_torch(lambda m, a, b: m.nn.functional.prelu(a, b), arrays=[x, w])
    check_grad(lambda a, b: F.prelu(a, b), arrays=[x.astype(np.float64), w.astype(np.float64)])
    layer = nn.PReLU(3)
    assert layer.weight.shape == (3,) and repr(layer) == repr(torch.nn.PReLU(3))


MODULES = [("ReLU", ()), ("ReLU", (True,)), ("LeakyReLU", ()), ("LeakyReLU", (0.2, True)),
           ("ELU", ()), ("ELU", (0.5,)), ("CELU", ()), ("SELU", ()), ("Sigmoid", ()), ("Tanh", ()),
           ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("SiLU", (True,)), ("Mish", ()),
           ("Softplus", ()), ("Softplus", (2.0, 10.0)), ("Softsign", ()), ("LogSigmoid", ()),
           ("Hardtanh", ()), ("Hardtanh", (-2.0, 2.0)), ("ReLU6", ()), ("ReLU6", (True,)),
           ("Softmax", (1,)), ("Softmax", ()), ("LogSoftmax", (1,)), ("Softmin", (0,))]


@pytest.mark.parametrize("cls,args", MODULES)
def test_modules_repr_and_forward_match_torch(cls, args):
    torch = pytest.importorskip("torch")
    mine, theirs = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert repr(mine) == repr(theirs)
    if cls in ("Softmax",) and not args:
        return  # implicit dim: deprecated in torch
    x = _away_from_kinks((3, 4), seed=2).astype(np.float32)
    np.testing.assert_allclose(mine(shenjing.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_inplace_flag_computes_out_of_place():
    x = shenjing.tensor([-1.0, 2.0])
    y = nn.ReLU(inplace=True)(x)
    assert x.tolist() == [-1.0, 2.0] and y.tolist() == [0.0, 2.0]


def test_bad_inputs():
    with pytest.raises(RuntimeError, match="relu: expected a floating point tensor, got int64"):
        F.relu(shenjing.tensor([1, 2]))
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.Softmax(dim=2)(shenjing.randn(3, 4))
