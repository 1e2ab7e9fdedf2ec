"""Whole-sequence recurrent kernels: backward against float64 finite differences."""
import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import gradcheck
from shenjing.ops import rnn as K

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def make(kind, T=4, B=3, I=3, H=2, bias=True, seed=0):
    """float64 inputs (x, h0[, c0], W_ih, W_hh[, b_ih, b_hh]) that all require grad."""
    rng = np.random.default_rng(seed)
    G = GATES[kind] * H
    arrs = [rng.standard_normal((T, B, I)), rng.standard_normal((B, H))]
    if kind == "lstm":
        arrs.append(rng.standard_normal((B, H)))
    arrs += [rng.uniform(-0.6, 0.6, (G, I)), rng.uniform(-0.6, 0.6, (G, H))]
    if bias:
        arrs += [rng.uniform(-0.5, 0.5, G), rng.uniform(-0.5, 0.5, G)]
    return [sj.tensor(a, dtype=sj.float64, requires_grad=True) for a in arrs]


def layer(kind, bias, **kw):
    def fn(*ts):
        ts = list(ts) + ([None, None] if not bias else [])
        if kind == "lstm":
            return K.LSTMLayer.apply(*ts, **kw)
        if kind == "gru":
            return K.GRULayer.apply(*ts, **kw)
        return K.RNNLayer.apply(*ts, nonlinearity=kind[4:], **kw)
    return fn


@pytest.mark.parametrize("kind", list(GATES))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("packed", [False, True])
def test_layer_gradcheck(kind, reverse, packed):
    bs = np.array([3, 3, 2, 1]) if packed else None
    ins = make(kind)
    if kind == "rnn_relu":  # keep pre-activations away from the kink at 0
        ins[0]._data *= 2.0
    assert gradcheck(layer(kind, True, batch_sizes=bs, reverse=reverse), ins)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_layer_gradcheck_no_bias(kind):
    assert gradcheck(layer(kind, False), make(kind, bias=False, seed=1))


def test_packed_final_state_is_read_at_each_rows_last_step():
    x, h0, c0, W, U, b1, b2 = make("lstm", T=3, B=2)
    full = K.LSTMLayer.apply(x, h0, c0, W, U, b1, b2)
    short = K.LSTMLayer.apply(x[:1, 1:], h0[1:], c0[1:], W, U, b1, b2)
    packed = K.LSTMLayer.apply(x, h0, c0, W, U, b1, b2, batch_sizes=np.array([2, 1, 1]))
    np.testing.assert_allclose(packed[1].detach().numpy()[1], short[1].detach().numpy()[0])
    np.testing.assert_allclose(packed[1].detach().numpy()[0], full[1].detach().numpy()[0])
    assert not packed[0].detach().numpy()[1:, 1].any()  # padding outputs stay zero


def test_pack_rows_roundtrip_gradcheck():
    idx = np.array([0, 1, 2, 3, 5])
    a = sj.tensor(np.random.default_rng(0).standard_normal((6, 2)), dtype=sj.float64,
                  requires_grad=True)
    assert gradcheck(lambda t: K.UnpackRows.apply(K.PackRows.apply(t, idx), idx, 6, 0.0), (a,))
