"""Convolution ops: float64 finite differences and PyTorch parity over a grid of
strides, paddings, dilations, groups and odd sizes."""
import pytest

import shenjing
from helpers import check_grad, check_torch


def F(m):
    return m.nn.functional


# (input shape, weight shape, kwargs)
CONV2D = [
    ((2, 3, 7, 6), (4, 3, 3, 3), dict()),
    ((2, 3, 7, 6), (4, 3, 3, 2), dict(stride=2, padding=1)),
    ((1, 4, 9, 8), (6, 2, 3, 3), dict(stride=(2, 1), padding=(2, 1), dilation=(1, 2), groups=2)),
    ((2, 4, 6, 7), (4, 1, 3, 3), dict(padding=1, groups=4)),          # depthwise
    ((2, 4, 6, 7), (8, 1, 2, 3), dict(padding="same", groups=4, dilation=2)),
    ((2, 2, 5, 5), (3, 2, 5, 5), dict(padding="valid")),              # kernel == input
    ((2, 2, 5, 7), (3, 2, 1, 1), dict(stride=3)),
]


@pytest.mark.parametrize("xs,ws,kw", CONV2D)
def test_conv2d_torch(xs, ws, kw):
    check_torch(lambda m, x, w, b: F(m).conv2d(x, w, b, **kw), xs, ws, (ws[0],))


@pytest.mark.parametrize("xs,ws,kw", CONV2D[:4])
def test_conv2d_gradcheck(xs, ws, kw):
    small = (1,) + xs[1:]
    check_grad(lambda x, w, b: F(shenjing).conv2d(x, w, b, **kw),
               small, ws, (ws[0],))


def test_conv2d_without_bias_and_unbatched():
    check_torch(lambda m, x, w: F(m).conv2d(x, w, stride=2), (3, 8, 7), (2, 3, 3, 3))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=2, dilation=2),
                                dict(groups=2, padding="same"), dict(padding=1, groups=4)])
def test_conv1d_torch(kw):
    g = kw.get("groups", 1)
    check_torch(lambda m, x, w, b: F(m).conv1d(x, w, b, **kw), (2, 4, 11), (4, 4 // g, 3), (4,))


def test_conv1d_gradcheck():
    check_grad(lambda x, w: F(shenjing).conv1d(x, w, stride=2, padding=1), (2, 2, 7), (3, 2, 3))


CONVT = [
    ((2, 3, 4, 5), (3, 2, 3, 3), dict()),
    ((2, 4, 3, 4), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 3, 3), (4, 1, 2, 3), dict(stride=(2, 3), groups=2, dilation=(2, 1))),
    ((2, 2, 4, 4), (2, 3, 4, 4), dict(stride=2, padding=1)),   # DCGAN-style upsampling
]


@pytest.mark.parametrize("xs,ws,kw", CONVT)
def test_conv_transpose2d_torch(xs, ws, kw):
    g = kw.get("groups", 1)
    check_torch(lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, **kw), xs, ws,
                (ws[1] * g,))


@pytest.mark.parametrize("xs,ws,kw", CONVT[1:3])
def test_conv_transpose2d_gradcheck(xs, ws, kw):
    g = kw.get("groups", 1)
    check_grad(lambda x, w, b: F(shenjing).conv_transpose2d(x, w, b, **kw), (1,) + xs[1:],
               ws, (ws[1] * g,))


def test_conv_transpose1d_torch():
    check_torch(lambda m, x, w: F(m).conv_transpose1d(x, w, stride=2, padding=1,
                                                      output_padding=1), (2, 3, 5), (3, 2, 3))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2),
                                                          padding=1, stride=(2, 1))])
def test_unfold_torch_and_gradcheck(kw):
    check_torch(lambda m, x: F(m).unfold(x, **kw), (2, 3, 6, 7))
    check_grad(lambda x: F(shenjing).unfold(x, **kw), (1, 2, 5, 5))


def test_fold_torch_and_gradcheck():
    kw = dict(kernel_size=(2, 3), padding=1, stride=(2, 1))   # 3 x 6 = 18 blocks
    check_torch(lambda m, x: F(m).fold(x, (5, 6), **kw), (2, 12, 18))
    check_grad(lambda x: F(shenjing).fold(x, (5, 6), **kw), (1, 6, 18))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes(mode):
    check_torch(lambda m, x: F(m).pad(x, (2, 1, 1, 2), mode=mode), (2, 3, 5, 6))
    check_grad(lambda x: F(shenjing).pad(x, (1, 2), mode=mode), (2, 4))


def test_reflect_pad_too_large():
    with pytest.raises(RuntimeError, match="reflect"):
        F(shenjing).pad(shenjing.zeros(1, 2, 3), (3, 0), mode="reflect")


def _random_conv_configs(count, seed=0):
    """Seeded random grid: odd sizes, strides, paddings, dilations and groups."""
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        g = int(rng.choice([1, 2, 3]))
        c, o = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        k, s, d = rng.integers(1, 4, 2), rng.integers(1, 3, 2), rng.integers(1, 3, 2)
        p = [int(rng.integers(0, kk)) for kk in k]
        h, w = (int(v) for v in rng.integers(3, 9, 2))
        if any(n + 2 * pp < dd * (kk - 1) + 1 for n, pp, dd, kk in zip((h, w), p, d, k)):
            continue
        kw = dict(stride=tuple(int(v) for v in s), padding=tuple(p),
                  dilation=tuple(int(v) for v in d), groups=g)
        out.append(((2, c, h, w), (o, c // g, int(k[0]), int(k[1])), kw))
    return out


@pytest.mark.parametrize("xs,ws,kw", _random_conv_configs(16))
def test_conv2d_random_grid_torch(xs, ws, kw):
    check_torch(lambda m, x, w, b: F(m).conv2d(x, w, b, **kw), xs, ws, (ws[0],))
    tw = (ws[1] * kw["groups"], ws[0] // kw["groups"]) + ws[2:]
    tk = dict(kw, output_padding=tuple(min(s, d) - 1 for s, d in zip(kw["stride"],
                                                                      kw["dilation"])))
    check_torch(lambda m, x, w: F(m).conv_transpose2d(x, w, **tk),
                (2, tw[0]) + xs[2:], tw)
