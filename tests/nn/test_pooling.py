"""Pooling and upsampling layers against PyTorch's modules."""
import numpy as np
import pytest

import shenjing
from shenjing import nn


def _run(cls, args, kw, shape):
    torch = pytest.importorskip("torch")
    layer, tlayer = getattr(nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert repr(layer) == repr(tlayer)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    a, b = shenjing.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = layer(a), tlayer(b)
    if isinstance(tout, tuple):
        np.testing.assert_array_equal(out[1].numpy(), tout[1].numpy())
        out, tout = out[0], tout[0]
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), 1e-5, 1e-6)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), 1e-5, 1e-6)


LAYERS = [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True, return_indices=True), (2, 3, 9, 7)),
    ("MaxPool2d", ((2, 3),), dict(dilation=2), (3, 9, 9)),
    ("MaxPool1d", (3,), dict(stride=2, return_indices=True), (2, 3, 11)),
    ("AvgPool2d", (3, 2, 1), dict(count_include_pad=False, ceil_mode=True), (2, 3, 9, 7)),
    ("AvgPool1d", (2,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 3, 5, 4)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 4)),
    ("AdaptiveMaxPool2d", (3,), dict(return_indices=True), (2, 3, 7, 8)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("Upsample", (), dict(scale_factor=2), (2, 3, 3, 4)),
    ("Upsample", (), dict(size=(5, 7)), (2, 3, 3, 4)),
]


@pytest.mark.parametrize("cls,args,kw,shape", LAYERS)
def test_layer_matches_torch(cls, args, kw, shape):
    _run(cls, args, kw, shape)


def test_maxpool_fast_and_general_paths_agree():
    x = shenjing.randn(2, 3, 8, 8)
    a = nn.MaxPool2d(2)(x).numpy()
    b = nn.MaxPool2d(2, stride=2, padding=0, dilation=1, ceil_mode=True)(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2, 3, 4, 4)
