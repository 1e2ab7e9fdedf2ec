"""clip_grad_norm_ / clip_grad_value_ and flat parameter vectors, against torch."""
import math

import numpy as np
import pytest

import shenjing as sj
from shenjing.nn.utils import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                               vector_to_parameters)

torch = pytest.importorskip("torch")


def pair(scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(s).astype(np.float32) * scale for s in [(3, 4), (5,), (2, 2)]]
    sps, tps = [], []
    for g in grads:
        s, t = sj.zeros(*g.shape, requires_grad=True), torch.zeros(g.shape, requires_grad=True)
        s.grad, t.grad = sj.tensor(g.copy()), torch.tensor(g.copy())
        sps.append(s)
        tps.append(t)
    return sps, tps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    sps, tps = pair()
    sn = clip_grad_norm_(sps, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type)
    assert isinstance(sn, sj.Tensor) and sn.ndim == 0
    np.testing.assert_allclose(sn.item(), tn.item(), rtol=1e-5)
    for s, t in zip(sps, tps):
        np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_nonfinite_norm():
    sps, _ = pair()
    sps[0].grad._data[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite|is inf"):
        clip_grad_norm_(sps, 1.0, error_if_nonfinite=True)


def test_single_tensor_and_no_grads():
    s = sj.zeros(3, requires_grad=True)
    assert clip_grad_norm_(s, 1.0).item() == 0.0
    s.grad = sj.tensor([3.0, 4.0, 0.0])
    assert clip_grad_norm_(s, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(s.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-5)


def test_clip_grad_value():
    sps, tps = pair(scale=3.0)
    clip_grad_value_(sps, 1.5)
    torch.nn.utils.clip_grad_value_(tps, 1.5)
    for s, t in zip(sps, tps):
        np.testing.assert_array_equal(s.grad.numpy(), t.grad.numpy())


def test_parameters_vector_roundtrip():
    ps = [sj.nn.Parameter(sj.randn(2, 3)), sj.nn.Parameter(sj.randn(4))]
    v = parameters_to_vector(ps)
    assert v.shape == (10,)
    vector_to_parameters(sj.arange(10).float(), ps)
    assert ps[0].detach().numpy().ravel().tolist() == [0, 1, 2, 3, 4, 5]
    assert ps[1].detach().numpy().tolist() == [6, 7, 8, 9]
    with pytest.raises(ValueError, match="9 elements"):
        vector_to_parameters(sj.zeros(9), ps)


def test_bad_norm_type_is_named():
    """Bug: clip_grad_norm_(norm_type="x") raised float()'s bare error."""
    with pytest.raises(ValueError, match="clip_grad_norm_: norm_type should be a number"):
        clip_grad_norm_(sj.nn.Linear(2, 2).parameters(), 1.0, norm_type="x")
