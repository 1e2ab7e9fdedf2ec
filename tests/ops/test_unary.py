"""Elementwise math (exp, log, sqrt, abs, sin, cos, clamp, where, casts) against
PyTorch and float64 finite differences; domains kept away from kinks."""
import numpy as np
import pytest

import shenjing as sj
from helpers import check_grad, check_torch

# (function of (module, x), needs positive input)
UNARY = {"exp": (lambda m, x: m.exp(x), False), "log": (lambda m, x: m.log(x), True),
         "log1p": (lambda m, x: m.log1p(x), True), "sqrt": (lambda m, x: m.sqrt(x), True),
         "sin": (lambda m, x: m.sin(x), False), "cos": (lambda m, x: m.cos(x), False),
         "rsqrt": (lambda m, x: x.rsqrt(), True), "reciprocal": (lambda m, x: x.reciprocal(), True),
         "square": (lambda m, x: x.square(), False), "abs_pos": (lambda m, x: m.abs(x), True),
         "abs_neg": (lambda m, x: m.abs(-x), True)}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4), ()])
def test_unary_torch_parity(name, shape):
    fn, positive = UNARY[name]
    check_torch(fn, shape, positive=positive)


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradcheck(name):
    fn, positive = UNARY[name]
    check_grad(lambda x: fn(sj, x), (3, 4), positive=positive)


def _away_from(arr, points, gap=0.05):
    """Nudge values within ``gap`` of any kink point away from it."""
    for p in points:
        near = np.abs(arr - p) < gap
        arr[near] = p + gap * 2
    return arr


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.3), (-0.3, None)])
def test_clamp_torch_and_gradcheck(bounds):
    lo, hi = bounds
    arr = _away_from(np.random.default_rng(1).uniform(-2, 2, (4, 5)),
                     [b for b in bounds if b is not None])
    check_torch(lambda m, x: m.clamp(x, lo, hi), arrays=[arr.astype(np.float32)])
    check_torch(lambda m, x: x.clamp(min=lo, max=hi), arrays=[arr.astype(np.float32)])
    check_grad(lambda x: sj.clamp(x, lo, hi), arrays=[arr])


def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="at least one"):
        sj.clamp(sj.ones(2))


def test_where_torch_and_gradcheck_with_broadcasting():
    torch = pytest.importorskip("torch")
    cond = np.random.default_rng(2).random((3, 4)) > 0.5
    check_torch(lambda m, a, b: m.where(m.tensor(cond) if m is sj else torch.tensor(cond), a, b),
                (3, 4), (4,))
    check_grad(lambda a, b: sj.where(sj.tensor(cond), a, b), (3, 1), (4,))


def test_where_with_python_scalar_keeps_dtype():
    x = sj.tensor([1.0, -2.0], dtype=sj.float64)
    out = sj.where(x > 0, x, 0.0)
    assert out.dtype == sj.float64 and out.tolist() == [1.0, 0.0]
    assert sj.where(sj.tensor([True, False]), sj.tensor([1, 2]), 1.5).dtype == sj.float32


def test_float_casts_are_differentiable():
    x = sj.randn(3, requires_grad=True)
    y = x.double()
    assert y.dtype == sj.float64 and y.grad_fn is not None
    (y * 2).sum().backward()
    assert x.grad.dtype == sj.float32
    np.testing.assert_allclose(x.grad.numpy(), [2, 2, 2])
    assert not x.long().requires_grad and x.long().dtype == sj.int64


def test_clone_is_a_copy_with_gradient():
    check_torch(lambda m, x: x.clone() * 2, (3, 2))
    x = sj.ones(2)
    c = x.clone()
    c.add_(1)
    assert x.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "sigmoid", "tanh"])
def test_integer_inputs_give_float32(name):
    torch = pytest.importorskip("torch")
    out = getattr(sj, name)(sj.tensor([1, 2, 3]))
    ref = getattr(torch, name)(torch.tensor([1, 2, 3]))
    assert out.dtype == sj.float32 and str(ref.dtype) == "torch.float32"
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)


def test_rounding_and_sign_match_torch():
    torch = pytest.importorskip("torch")
    vals = [-1.6, -0.4, 0.0, 0.4, 2.5, 3.5]
    for name in ("sign", "floor", "ceil", "round"):
        ours = getattr(sj.tensor(vals), name)().tolist()
        assert ours == getattr(torch.tensor(vals), name)().tolist(), name
