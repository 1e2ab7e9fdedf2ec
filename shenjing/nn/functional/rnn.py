"""Stateless recurrent functions: whole stacks (layers x directions) and single cells.

A stack runs each layer-direction as one whole-sequence kernel (shenjing/ops/rnn.py),
concatenates the two directions' outputs along features and applies dropout between
layers (not after the last). Inputs here are already time-major and validated.
"""
import numpy as np

from ...ops import rnn as _k
from ...ops.shape import cat, stack
from ...random import _gen
from ...tensor import Tensor

__all__ = ["rnn_stack", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]


def _dropout(x, p, generator=None):
    """Inverted dropout with a mask from shenjing's global generator."""
    keep = (_gen(generator).random(x.shape) >= p).astype(x.dtype) / np.asarray(1 - p, x.dtype)
    return x * Tensor._make(keep, None)


def _run_layer(mode, x, h0, c0, w, batch_sizes, reverse):
    """One layer-direction through the matching kernel; returns (out, hT, cT or None)."""
    kw = {"batch_sizes": batch_sizes, "reverse": reverse}
    if mode == "LSTM":
        return _k.LSTMLayer.apply(x, h0, c0, *w, **kw)
    if mode == "GRU":
        out, hT = _k.GRULayer.apply(x, h0, *w, **kw)
    else:
        nl = "relu" if mode == "RNN_RELU" else "tanh"
        out, hT = _k.RNNLayer.apply(x, h0, *w, nonlinearity=nl, **kw)
    return out, hT, None


def rnn_stack(mode, input, h0, c0, weights, num_layers, bidirectional=False, dropout=0.0,
              training=False, batch_sizes=None):
    """Run a multi-layer (bi)directional recurrent net over a time-major batch.

    Args:
        mode: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU".
        input: (T, B, I); h0, c0: (num_layers * D, B, H) (c0 only for LSTM).
        weights: per layer and direction (layer-major), a tuple (W_ih, W_hh, b_ih, b_hh),
            biases may be None.
        batch_sizes: optional (T,) non-increasing active-row counts (packed batches,
            rows sorted by decreasing length); padding never reaches the final states.
    Returns:
        (output (T, B, D * H), h_n (num_layers * D, B, H), c_n or None)
    """
    D = 2 if bidirectional else 1
    x, hs, cs = input, [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            out, hT, cT = _run_layer(mode, x, h0[k], None if c0 is None else c0[k],
                                     weights[k], batch_sizes, reverse=d == 1)
            outs.append(out)
            hs.append(hT)
            cs.append(cT)
        x = outs[0] if D == 1 else cat(outs, dim=2)
        if dropout > 0 and training and layer < num_layers - 1:
            x = _dropout(x, dropout)
    h_n = stack(hs, 0)
    c_n = stack(cs, 0) if mode == "LSTM" else None
    return x, h_n, c_n


def _cell(mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh):
    """A single time step = a one-step layer; accepts (B, I) or unbatched (I,)."""
    unbatched = input.ndim == 1
    x = input.reshape(1, 1, -1) if unbatched else input.unsqueeze(0)
    B = x.shape[1]
    H = w_hh.shape[1]
    if hx is None:
        hx = Tensor._make(np.zeros((B, H), x.dtype), None)
    elif unbatched:
        hx = hx.reshape(1, -1)
    if mode == "LSTM":
        if cx is None:
            cx = Tensor._make(np.zeros((B, H), x.dtype), None)
        elif unbatched:
            cx = cx.reshape(1, -1)
    _, h, c = _run_layer(mode, x, hx, cx, (w_ih, w_hh, b_ih, b_hh), None, False)
    if unbatched:
        h = h.reshape(-1)
        c = None if c is None else c.reshape(-1)
    return (h, c) if mode == "LSTM" else h


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: input (B, I), hx = (h, c) each (B, H) or None -> (h', c')."""
    h, c = (None, None) if hx is None else hx
    return _cell("LSTM", input, h, c, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: input (B, I), hx (B, H) or None -> h'."""
    return _cell("GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step with tanh: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return _cell("RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step with relu."""
    return _cell("RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)
