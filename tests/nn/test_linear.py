"""Linear, Bilinear, Identity, Flatten, Unflatten: init, parity, gradcheck, errors."""
import math

import numpy as np
import pytest

import shenjing
import shenjing.nn as nn
import shenjing.nn.functional as F
from helpers import check_grad, check_torch


def test_linear_shapes_and_default_init_bounds():
    shenjing.manual_seed(0)
    m = nn.Linear(784, 512)
    assert m.weight.shape == (512, 784) and m.bias.shape == (512,)
    assert m.weight.dtype == shenjing.float32 and m.weight.requires_grad
    bound = 1 / math.sqrt(784)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)  # U(-b, b) std
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    assert nn.Linear(3, 4, bias=False).bias is None
    assert nn.Linear(3, 4, dtype=shenjing.float64).weight.dtype == shenjing.float64


def test_linear_init_is_repeatable_under_manual_seed():
    shenjing.manual_seed(123)
    a = nn.Linear(10, 5)
    shenjing.manual_seed(123)
    b = nn.Linear(10, 5)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    arrays = [np.random.default_rng(0).standard_normal(s).astype(np.float32)
              for s in (shape, (4, 3), (4,))]
    if bias:
        check_torch(lambda m, x, w, b: m.nn.functional.linear(x, w, b), arrays=arrays)
    else:
        check_torch(lambda m, x, w: m.nn.functional.linear(x, w), arrays=arrays[:2])


def test_linear_gradcheck():
    check_grad(lambda x, w, b: F.linear(x, w, b), (2, 3, 4), (5, 4), (5,))
    layer = nn.Linear(4, 2, dtype=shenjing.float64)
    check_grad(lambda x: layer(x), (3, 4))


def test_linear_layer_matches_torch_with_copied_weights():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Linear(6, 3)
    m = nn.Linear(6, 3)
    m.load_state_dict({k: shenjing.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(m(shenjing.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(m) == repr(tm)


def test_linear_wrong_width_names_the_layer():
    m = nn.Linear(784, 512)
    with pytest.raises(RuntimeError) as e:
        m(shenjing.randn(64, 100))
    assert str(e.value) == ("Linear(in_features=784, out_features=512): expected input with "
                            "last dimension 784, got shape (64, 100)")


@pytest.mark.parametrize("dtype", [shenjing.float64, shenjing.uint8])
def test_linear_wrong_dtype_names_both_dtypes(dtype):
    m = nn.Linear(4, 2)
    x = shenjing.ones(3, 4, dtype=dtype)
    with pytest.raises(RuntimeError, match=rf"Linear\(in_features=4, out_features=2\): expected "
                                           rf"input of dtype float32.*got {dtype}"):
        m(x)


def test_bilinear_matches_torch_and_gradcheck():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((5, 3), (5, 4), (2, 3, 4), (2,))]
    check_torch(lambda m, a, b, w, c: m.nn.functional.bilinear(a, b, w, c), arrays=arrays)
    check_grad(lambda a, b, w, c: F.bilinear(a, b, w, c), (3, 2), (3, 3), (4, 2, 3), (4,))
    assert repr(nn.Bilinear(3, 4, 5)) == repr(torch.nn.Bilinear(3, 4, 5))
    assert nn.Bilinear(3, 4, 5)(shenjing.randn(7, 3), shenjing.randn(7, 4)).shape == (7, 5)


def test_identity_flatten_unflatten():
    torch = pytest.importorskip("torch")
    x = shenjing.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused=True)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Unflatten(-1, (-1, 2))(shenjing.randn(2, 6)).shape == (2, 3, 2)
    for mine, theirs in ((nn.Flatten(), torch.nn.Flatten()), (nn.Identity(), torch.nn.Identity()),
                         (nn.Unflatten(1, (2, 5)), torch.nn.Unflatten(1, (2, 5)))):
        assert repr(mine) == repr(theirs)
    with pytest.raises(ValueError, match=r"Unflatten.*\(2, 7\)"):
        nn.Unflatten(1, (2, 5))(shenjing.randn(2, 7))
    check_grad(lambda a: nn.Flatten()(a) * 2, (2, 3, 2))


def test_non_integer_features_are_refused():
    # regression: Linear(2.5, 3) silently truncated to Linear(2, 3)
    import pytest
    from shenjing import nn
    for args in ((2.5, 3), (2, -1), (True, 3)):
        with pytest.raises(TypeError, match="Linear"):
            nn.Linear(*args)
