"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, with PyTorch's API.

Parameter names, shapes and gate order match PyTorch (weight_ih_l{k}[_reverse], ...;
LSTM gates i,f,g,o, GRU gates r,z,n), so a PyTorch state_dict loads as is.
"""
import math
import warnings

import numpy as np

from ..ops.indexing import index_select
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence, packed_index
from ..ops import rnn as _k

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _shape(s):
    return "(" + ", ".join(str(int(n)) for n in s) + (",)" if len(s) == 1 else ")")


class RNNBase(Module):
    """Shared constructor, parameters, input checks and packing for RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError(f"{self._name()}: proj_size is not supported")
        if not 0 <= float(dropout) <= 1:
            raise ValueError(f"{self._name()}: dropout must be in [0, 1], got {dropout}")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{self._name()}: hidden_size and num_layers must be positive, "
                             f"got {hidden_size} and {num_layers}")
        if dropout and num_layers == 1:
            warnings.warn(f"{self._name()}: dropout={dropout} acts only between layers, so "
                          "with num_layers=1 it does nothing", UserWarning)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        dt = np.dtype(dtype) if dtype is not None else np.float32
        G, D = _GATES[mode] * hidden_size, 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * D
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (G, in_size)), ("weight_hh", (G, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (G,)), ("bias_hh", (G,))]
                for name, shape in shapes:
                    setattr(self, name + sfx, Parameter(np.empty(shape, dt)))
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters()

    def _name(self):
        return type(self).__name__

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            p.data.uniform_(-k, k)

    @property
    def all_weights(self):
        per = 4 if self.bias else 2
        ws = [getattr(self, n) for n in self._flat_weights_names]
        return [ws[i:i + per] for i in range(0, len(ws), per)]

    def _weights(self):
        return [tuple(w) if self.bias else (w[0], w[1], None, None) for w in self.all_weights]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # ------------------------------------------------------------ checking
    def _check_input(self, x):
        I = self.input_size
        if x.ndim not in (2, 3) or x.shape[-1] != I:
            lead = "(batch, seq, " if self.batch_first else "(seq, batch, "
            raise ValueError(
                f"{self._name()}: expected input of shape {lead}{I}) "
                f"(batch_first={self.batch_first}) or (seq, {I}), got {_shape(x.shape)}")
        if x.shape[1 if self.batch_first and x.ndim == 3 else 0] == 0:
            raise ValueError(f"{self._name()}: expected a sequence length larger than 0, "
                             f"got input of shape {_shape(x.shape)}")
        wdt = self.weight_ih_l0.dtype
        if x.dtype != wdt:
            raise TypeError(f"{self._name()}: input dtype {x.dtype} does not match the "
                            f"parameters' dtype {wdt}; convert one with .to()")

    def _check_state(self, name, s, want):
        if not isinstance(s, Tensor):
            raise TypeError(f"{self._name()}: {name} must be a Tensor, got {type(s).__name__}")
        if tuple(s.shape) != tuple(want):
            raise ValueError(f"{self._name()}: expected {name} of shape {_shape(want)}, "
                             f"got {_shape(s.shape)}")

    def _states(self, hx, B, unbatched, dtype):
        """Initial (h0, c0) as (L * D, B, H) tensors (zeros when not given)."""
        D = 2 if self.bidirectional else 1
        want = (self.num_layers * D, B, self.hidden_size)
        want_user = (want[0], want[2]) if unbatched else want
        lstm = self.mode == "LSTM"
        if hx is None:
            z = Tensor._make(np.zeros(want, dtype), None)
            return z, (Tensor._make(np.zeros(want, dtype), None) if lstm else None)
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: expected hx to be a tuple (h0, c0)")
            pairs = (("h0", hx[0]), ("c0", hx[1]))
        else:
            pairs = (("h0", hx),)
        out = []
        for name, s in pairs:
            self._check_state(name, s, want_user)
            out.append(s.unsqueeze(1) if unbatched else s)
        return out[0], (out[1] if lstm else None)

    # ------------------------------------------------------------- forward
    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input(input)
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else (
            input.transpose(0, 1) if self.batch_first else input)
        h0, c0 = self._states(hx, x.shape[1], unbatched, x.dtype)
        out, h_n, c_n = F.rnn_stack(self.mode, x, h0, c0, self._weights(), self.num_layers,
                                    self.bidirectional, self.dropout, self.training)
        if unbatched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, ((h_n, c_n) if self.mode == "LSTM" else h_n)

    def _forward_packed(self, packed, hx):
        data, bs = packed.data, packed.batch_sizes
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise ValueError(f"{self._name()}: expected packed data of shape (N, "
                             f"{self.input_size}), got {_shape(data.shape)}")
        bs_np = bs._data if isinstance(bs, Tensor) else np.asarray(bs)
        T, B = bs_np.size, int(bs_np[0])
        index = packed_index(bs_np, B)
        x = _k.UnpackRows.apply(data, index, T * B).reshape(T, B, self.input_size)
        h0, c0 = self._states(hx, B, False, data.dtype)
        if packed.sorted_indices is not None and hx is not None:
            h0 = index_select(h0, 1, packed.sorted_indices)
            c0 = None if c0 is None else index_select(c0, 1, packed.sorted_indices)
        out, h_n, c_n = F.rnn_stack(self.mode, x, h0, c0, self._weights(), self.num_layers,
                                    self.bidirectional, self.dropout, self.training,
                                    batch_sizes=bs_np)
        out = _k.PackRows.apply(out.reshape(T * B, -1), index)
        if packed.unsorted_indices is not None:
            h_n = index_select(h_n, 1, packed.unsorted_indices)
            c_n = None if c_n is None else index_select(c_n, 1, packed.unsorted_indices)
        result = PackedSequence(out, bs, packed.sorted_indices, packed.unsorted_indices)
        return result, ((h_n, c_n) if self.mode == "LSTM" else h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Shape: input (L, N, H_in) (or (N, L, H_in) with batch_first, or unbatched (L, H_in));
    output (L, N, D * H_out); h_n (num_layers * D, N, H_out).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (tanh or relu)")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory: gates i,f,g,o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).

    forward(input, (h0, c0)) -> output, (h_n, c_n); shapes as RNN.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size)


class GRU(RNNBase):
    """Gated recurrent unit: gates r,z,n; n = tanh(W_in x + b_in + r (W_hn h + b_hn));
    h_t = (1 - z) n + z h_{t-1}. Shapes as RNN."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional)


class RNNCellBase(Module):
    """One time step; parameters weight_ih (G, I), weight_hh (G, H), bias_ih, bias_hh (G,)."""

    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dt = np.dtype(dtype) if dtype is not None else np.float32
        G = self._gates * hidden_size
        self.weight_ih = Parameter(np.empty((G, input_size), dt))
        self.weight_hh = Parameter(np.empty((G, hidden_size), dt))
        if bias:
            self.bias_ih = Parameter(np.empty((G,), dt))
            self.bias_hh = Parameter(np.empty((G,), dt))
        else:
            self.bias_ih = self.bias_hh = None
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            p.data.uniform_(-k, k)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    def _check(self, x, states):
        name, I, H = type(self).__name__, self.input_size, self.hidden_size
        if x.ndim not in (1, 2) or x.shape[-1] != I:
            raise ValueError(f"{name}: expected input of shape (batch, {I}) or ({I},), "
                             f"got {_shape(x.shape)}")
        want = (H,) if x.ndim == 1 else (x.shape[0], H)
        for sname, s in states:
            if s is not None and tuple(s.shape) != want:
                raise ValueError(f"{name}: expected {sname} of shape {_shape(want)}, "
                                 f"got {_shape(s.shape)}")

    def _params(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (tanh or relu)")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        self._check(input, [("hx", hx)])
        fn = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        return fn(input, hx, *self._params())


class LSTMCell(RNNCellBase):
    """One LSTM step: (x, (h, c)) -> (h', c'); gates i,f,g,o."""

    _gates = 4

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        self._check(input, [("h", h), ("c", c)])
        return F.lstm_cell(input, hx, *self._params())


class GRUCell(RNNCellBase):
    """One GRU step: (x, h) -> h'; gates r,z,n."""

    _gates = 3

    def forward(self, input, hx=None):
        self._check(input, [("hx", hx)])
        return F.gru_cell(input, hx, *self._params())
