"""Dropout layers: scaling in training, identity in eval, seeding, whole-channel masks."""
import numpy as np
import pytest

import shenjing
from shenjing import nn


def test_dropout_train_scales_and_eval_is_identity():
    shenjing.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = shenjing.ones(200, 100, requires_grad=True)
    out = layer(x)
    vals = np.unique(out.detach().numpy())
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((out.detach().numpy() == 0).mean() - 0.25) < 0.02
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())   # grad = mask/(1-p)
    layer.eval()
    assert layer(x) is x


def test_dropout_repeats_under_manual_seed():
    x = shenjing.ones(50, 20)
    shenjing.manual_seed(3)
    a = nn.Dropout(0.5)(x).numpy()
    shenjing.manual_seed(3)
    b = nn.Dropout(0.5)(x).numpy()
    np.testing.assert_array_equal(a, b)


def test_dropout_extremes():
    x = shenjing.ones(4, 4)
    assert not nn.Dropout(1.0)(x).numpy().any()
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


@pytest.mark.parametrize("cls,shape,axes", [("Dropout2d", (8, 16, 5, 5), (2, 3)),
                                            ("Dropout2d", (16, 5, 5), (1, 2)),
                                            ("Dropout1d", (8, 16, 7), (2,))])
def test_channel_dropout_drops_whole_channels(cls, shape, axes):
    shenjing.manual_seed(1)
    out = getattr(nn, cls)(0.5)(shenjing.ones(*shape)).numpy()
    assert (out.min(axis=axes) == out.max(axis=axes)).all()
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.0 in out and 2.0 in out


def test_alpha_dropout_keeps_moments():
    shenjing.manual_seed(0)
    x = shenjing.randn(200, 500)
    out = nn.AlphaDropout(0.2)(x).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    layer = nn.AlphaDropout(0.2).eval()
    assert layer(x) is x


def test_dropout_repr_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))


def test_dropout_rejects_integer_input():
    # bug: an int tensor could not hold the 1/(1-p) scale, so the result was silently wrong
    with pytest.raises(RuntimeError, match="dropout: expected a floating point input, got int64"):
        nn.functional.dropout(shenjing.tensor([10, 10, 10, 10]), 0.3)
    with pytest.raises(RuntimeError, match="dropout2d: expected a floating point"):
        nn.Dropout2d()(shenjing.zeros(1, 2, 3, 3, dtype=shenjing.int64))
