"""nn.init: exact gains and fans, bounds and standard deviations, repeatability, no history."""
import math

import numpy as np
import pytest

import shenjing
import shenjing.nn as nn
from shenjing.nn import init


def _w(*shape):
    return nn.Parameter(shenjing.empty(*shape))


def _np(t):
    return t.detach().numpy()


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                        ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        assert math.isclose(init.calculate_gain(name, param),
                            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fans():
    assert init._calculate_fan_in_and_fan_out(_w(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(_w(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(_w(5))


def test_fill_functions():
    w = _w(3, 4)
    assert (_np(init.zeros_(w)) == 0).all() and (_np(init.ones_(w)) == 1).all()
    assert (_np(init.constant_(w, 0.5)) == 0.5).all()
    np.testing.assert_array_equal(_np(init.eye_(w)), np.eye(3, 4))
    k = init.dirac_(_w(2, 2, 3))
    assert _np(k)[0, 0, 1] == 1 and _np(k).sum() == 2


def test_uniform_and_normal_statistics():
    shenjing.manual_seed(0)
    w = init.uniform_(_w(200, 100), -2, 3)
    assert _np(w).min() >= -2 and _np(w).max() <= 3
    np.testing.assert_allclose(_np(w).mean(), 0.5, atol=0.03)
    w = init.normal_(_w(200, 100), 1.0, 0.5)
    np.testing.assert_allclose([_np(w).mean(), _np(w).std()], [1.0, 0.5], atol=0.01)
    w = init.trunc_normal_(_w(200, 100), 0.0, 1.0, -1.0, 1.5)
    assert _np(w).min() >= -1.0 and _np(w).max() <= 1.5


def test_xavier_and_kaiming_bounds_and_stds():
    shenjing.manual_seed(1)
    fan_in, fan_out = 300, 200
    b = math.sqrt(6 / (fan_in + fan_out))
    w = _np(init.xavier_uniform_(_w(fan_out, fan_in)))
    assert np.abs(w).max() <= b and np.abs(w).max() > 0.99 * b
    w = _np(init.xavier_normal_(_w(fan_out, fan_in), gain=2.0))
    np.testing.assert_allclose(w.std(), 2.0 * math.sqrt(2 / (fan_in + fan_out)), rtol=0.02)
    w = _np(init.kaiming_uniform_(_w(fan_out, fan_in), a=math.sqrt(5)))
    assert np.abs(w).max() <= 1 / math.sqrt(fan_in)
    w = _np(init.kaiming_normal_(_w(fan_out, fan_in), mode="fan_out", nonlinearity="relu"))
    np.testing.assert_allclose(w.std(), math.sqrt(2 / fan_out), rtol=0.02)
    w = _np(init.kaiming_uniform_(_w(fan_out, fan_in), nonlinearity="relu"))
    np.testing.assert_allclose(w.std(), math.sqrt(2 / fan_in), rtol=0.02)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(_w(3, 3), mode="fan_avg")


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2)])
def test_orthogonal(shape):
    w = _np(init.orthogonal_(_w(*shape), gain=2.0)).reshape(shape[0], -1)
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] == small else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)


def test_sparse():
    w = _np(init.sparse_(_w(10, 4), sparsity=0.3))
    assert ((w == 0).sum(0) >= 3).all()


def test_seeded_draws_repeat_and_leave_no_history():
    shenjing.manual_seed(7)
    a = _np(init.kaiming_normal_(_w(5, 4))).copy()
    shenjing.manual_seed(7)
    w = _w(5, 4)
    init.kaiming_normal_(w)
    np.testing.assert_array_equal(a, _np(w))
    assert w.grad_fn is None and w.requires_grad and w.is_leaf
    g = shenjing.Generator().manual_seed(3)
    x = _np(init.uniform_(_w(3), generator=g)).copy()
    g2 = shenjing.Generator().manual_seed(3)
    assert np.array_equal(x, _np(init.uniform_(_w(3), generator=g2)))


def test_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(_w(0, 3))


def test_float64_parameters_keep_their_dtype():
    w = nn.Parameter(shenjing.empty(3, 3, dtype=shenjing.float64))
    init.xavier_uniform_(w)
    assert w.dtype == shenjing.float64
