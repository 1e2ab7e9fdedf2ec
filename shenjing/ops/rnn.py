"""Whole-sequence recurrent kernels: one Function per layer and direction.

Each forward projects the inputs of ALL time steps with one matrix multiply, then
loops over time doing only ``h @ W_hh^T`` and the gate math (batched over the
batch), saving gates and states. Each backward runs the reverse-time loop by hand,
stacks the per-step gate gradients dG (T, B, G) and finishes with one matmul each
for dW_ih = dG^T X, dW_hh = dG^T H_prev and dX = dG W_ih.

Shapes: x (T, B, I) time-major, h0/c0 (B, H); W_ih (G, I), W_hh (G, H), biases (G,)
with G = H (RNN), 3H (GRU, gates r,z,n) or 4H (LSTM, gates i,f,g,o).

Variable lengths: ``batch_sizes`` (T,) non-increasing, as in a PackedSequence; the
batch is sorted by decreasing length, so at step t only rows [:batch_sizes[t]] are
active. A finished row's state is frozen (its final state is read at its own last
step) and its outputs stay zero. The reverse direction flips every sequence within
its own length, so it starts at each sequence's own last step.
"""
import numpy as np

from ..autograd.function import Function


def _flip_index(batch_sizes, T, B):
    """idx (T, B) such that x[idx, b] reverses row b within its own length."""
    t = np.arange(T)[:, None]
    if batch_sizes is None:
        return np.broadcast_to(T - 1 - t, (T, B))
    lengths = (np.asarray(batch_sizes)[:, None] > np.arange(B)[None, :]).sum(0)
    return np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)


class _Layer(Function):
    """Shared plumbing: time flipping, final-state gathering, weight/bias gradients."""

    def _setup(self, x, batch_sizes, reverse):
        T, B, _ = x.shape
        self.T, self.B = T, B
        self.bs = None if batch_sizes is None else [int(n) for n in batch_sizes]
        self.reverse = reverse
        self.flip = None
        if reverse:
            if self.bs is None:
                x = x[::-1]
            else:
                self.flip = _flip_index(self.bs, T, B)
                x = x[self.flip, np.arange(B)]
        # last[b] = number of steps of row b (the index of its final state in S)
        self.last = (np.full(B, T) if self.bs is None else
                     (np.asarray(self.bs)[:, None] > np.arange(B)[None, :]).sum(0))
        return x

    def _n(self, t):
        return self.B if self.bs is None else self.bs[t]

    def _unflip(self, a):
        """Undo the time flip of a (T, B, ...) array (the flip is an involution)."""
        if not self.reverse:
            return a
        if self.flip is None:
            return a[::-1]
        return a[self.flip, np.arange(self.B)]

    def _final(self, S):
        """The state after each row's own last step: S[last[b], b]."""
        if self.bs is None:
            return S[self.T].copy()
        return S[self.last, np.arange(self.B)]

    def _grads_from_dG(self, dGx, dGh, Hp, need):
        """dx, dW_ih, dW_hh, db_ih, db_hh from stacked gate gradients (one matmul each)."""
        T, B, G = dGx.shape
        fx = dGx.reshape(T * B, G)
        fh = dGh.reshape(T * B, G)
        dx = dWih = dWhh = dbih = dbhh = None
        if need[0]:
            dx = self._unflip((fx @ self.W_ih).reshape(T, B, self.W_ih.shape[1]))
        if need[3]:
            dWih = fx.T @ self.X.reshape(T * B, self.X.shape[-1])
        if need[4]:
            dWhh = fh.T @ Hp.reshape(T * B, Hp.shape[-1])
        if need[5]:
            dbih = fx.sum(0)
        if need[6]:
            dbhh = fh.sum(0)
        return dx, dWih, dWhh, dbih, dbhh

    def _project(self, x, W_ih, b):
        T, B, I = x.shape
        xp = x.reshape(T * B, I) @ W_ih.T
        if b is not None:
            xp += b
        return xp.reshape(T, B, W_ih.shape[0])  # explicit sizes: B may be 0


class LSTMLayer(_Layer):
    """One LSTM layer-direction: (x, h0, c0, W_ih, W_hh, b_ih, b_hh) -> (out, hT, cT).

    i,f,o = sigmoid, g = tanh of x W_ih^T + b_ih + h W_hh^T + b_hh (gate blocks i,f,g,o);
    c' = f c + i g; h' = o tanh(c'). All four nonlinearities run as ONE tanh over the
    4H block, since sigmoid(z) = (1 + tanh(z/2)) / 2: the i,f,o rows are pre-scaled by 1/2.
    """

    def forward(self, x, h0, c0, W_ih, W_hh, b_ih, b_hh, batch_sizes=None, reverse=False):
        x = self._setup(x, batch_sizes, reverse)
        T, B, H = self.T, self.B, h0.shape[-1]
        dt = x.dtype
        # per-column affine after the shared tanh: sigmoid blocks 0.5 t + 0.5, g block t
        scale = np.full(4 * H, 0.5, dt)
        scale[2 * H:3 * H] = 1.0
        shift = scale.copy()
        shift[2 * H:3 * H] = 0.0
        b = None if b_ih is None else (b_ih + b_hh) * scale
        A = self._project(x, W_ih * scale[:, None], b)   # (T, B, 4H), becomes the gates
        WhhT = (W_hh * scale[:, None]).T                   # (H, 4H)
        S = np.zeros((T + 1, B, H), dt)                    # hidden states, S[0] = h0
        C = np.zeros((T + 1, B, H), dt)                    # cell states
        TC = np.zeros((T, B, H), dt)                       # tanh(c_t)
        S[0], C[0] = h0, c0
        tmp = np.empty((B, 4 * H), dt)
        record = any(self.needs_input_grad)
        P = np.empty((T, B, 4, H), dt) if record else None
        OT = np.empty((T, B, H), dt) if record else None
        for t in range(T):
            n = self._n(t)
            a, tm = A[t, :n], tmp[:n]
            np.matmul(S[t, :n], WhhT, out=tm)
            a += tm
            np.tanh(a, out=a)
            a *= scale
            a += shift
            c = C[t + 1, :n]
            np.multiply(a[:, H:2 * H], C[t, :n], out=c)                # f c_prev
            ig = np.multiply(a[:, :H], a[:, 2 * H:3 * H], out=tm[:, :H])
            c += ig                                                     # + i g
            tc = np.tanh(c, out=TC[t, :n])
            np.multiply(a[:, 3 * H:], tc, out=S[t + 1, :n])            # h = o tanh(c)
            if record:
                self._factors(a, C[t, :n], tc, P[t, :n], OT[t, :n])
        self.X, self.A, self.S, self.P, self.OT = x, A, S, P, OT
        self.W_ih, self.W_hh, self.H = W_ih, W_hh, H
        return self._unflip(S[1:]).copy(), self._final(S), self._final(C)

    @staticmethod
    def _factors(a, cprev, tc, p, ot):
        """Factors of step t's gate gradients, computed while the step is in cache.

        With dc the cell-state gradient and dh the hidden one at a step:
        dz_i = dc g i(1-i), dz_f = dc c_prev f(1-f), dz_g = dc i (1-g^2), dz_o = dh tanh(c) o(1-o),
        so p[:, k] (n, 4, H) holds the factor after dc (k = 0..2) or dh (k = 3); and the
        cell gradient gains dh o (1 - tanh(c)^2), whose factor goes to ot (n, H).
        """
        n, H = tc.shape
        pf = p.reshape(n, 4 * H)
        np.subtract(1, a, out=pf)
        pf *= a                                                     # s (1 - s)
        g = a[:, 2 * H:3 * H]
        np.multiply(g, g, out=p[:, 2])
        np.subtract(1, p[:, 2], out=p[:, 2])                         # 1 - g^2
        p[:, 0] *= g
        p[:, 1] *= cprev
        p[:, 2] *= a[:, :H]
        p[:, 3] *= tc
        np.multiply(tc, tc, out=ot)
        np.subtract(1, ot, out=ot)
        ot *= a[:, 3 * H:]

    def backward(self, dout, dhT, dcT):
        T, B, H = self.T, self.B, self.H
        dout = self._unflip(dout)
        has_dout = bool(np.any(dout))  # often only the final state is used
        P, OT = self.P, self.OT
        F = self.A.reshape(T, B, 4, H)[:, :, 1]
        dG = (np.empty if self.bs is None else np.zeros)(P.shape, P.dtype)  # (T, B, 4, H)
        dh, dc = dhT.astype(P.dtype), dcT.astype(P.dtype)
        W_hh = self.W_hh
        for t in range(T - 1, -1, -1):
            n = self._n(t)
            dh_n = dh[:n] + dout[t, :n] if has_dout else dh[:n]
            dc_n = dc[:n]
            dc_n += dh_n * OT[t, :n]
            np.multiply(dc_n[:, None, :], P[t, :n, :3], out=dG[t, :n, :3])
            np.multiply(dh_n, P[t, :n, 3], out=dG[t, :n, 3])
            dc_n *= F[t, :n]
            np.matmul(dG[t, :n].reshape(n, 4 * H), W_hh, out=dh[:n])
        need = self.needs_input_grad
        dG = dG.reshape(T, B, 4 * H)
        dx, dWih, dWhh, dbih, _ = self._grads_from_dG(dG, dG, self.S[:T],
                                                      need[:6] + (False,))
        dbhh = None if not need[6] else (dbih.copy() if dbih is not None
                                         else dG.reshape(T * B, 4 * H).sum(0))
        return (dx, dh if need[1] else None, dc if need[2] else None,
                dWih, dWhh, dbih, dbhh)


class GRULayer(_Layer):
    """One GRU layer-direction: (x, h0, W_ih, W_hh, b_ih, b_hh) -> (out, hT).

    r,z = sigmoid(x W_i^T + b_i + h W_h^T + b_h); n = tanh(x W_in^T + b_in + r (h W_hn^T
    + b_hn)); h' = (1 - z) n + z h. Gate blocks in the order r, z, n.
    """

    def forward(self, x, h0, W_ih, W_hh, b_ih, b_hh, batch_sizes=None, reverse=False):
        x = self._setup(x, batch_sizes, reverse)
        T, B, H = self.T, self.B, h0.shape[-1]
        dt = x.dtype
        Ax = self._project(x, W_ih, b_ih)                  # (T, B, 3H)
        G = np.zeros((T, B, 3 * H), dt)                    # r, z, n after activation
        HN = np.zeros((T, B, H), dt)                       # h W_hn^T + b_hn
        S = np.zeros((T + 1, B, H), dt)
        S[0] = h0
        WhhT = W_hh.T
        ah = np.empty((B, 3 * H), dt)
        for t in range(T):
            n = self._n(t)
            hp, g, hw = S[t, :n], G[t, :n], ah[:n]
            np.matmul(hp, WhhT, out=hw)
            if b_hh is not None:
                hw += b_hh
            rz = g[:, :2 * H]
            np.add(Ax[t, :n, :2 * H], hw[:, :2 * H], out=rz)
            np.tanh(rz * 0.5, out=rz); rz *= 0.5; rz += 0.5  # sigmoid via tanh
            HN[t, :n] = hw[:, 2 * H:]
            nn_ = g[:, 2 * H:]
            np.multiply(g[:, :H], hw[:, 2 * H:], out=nn_)
            nn_ += Ax[t, :n, 2 * H:]
            np.tanh(nn_, out=nn_)
            h = S[t + 1, :n]
            np.subtract(hp, nn_, out=h)
            h *= g[:, H:2 * H]
            h += nn_
        self.X, self.G, self.HN, self.S = x, G, HN, S
        self.W_ih, self.W_hh, self.H = W_ih, W_hh, H
        return self._unflip(S[1:]).copy(), self._final(S)

    def backward(self, dout, dhT):
        T, H = self.T, self.H
        G, HN, S = self.G, self.HN, self.S
        dout = self._unflip(dout)
        dGx = np.zeros_like(G)
        dGh = np.zeros_like(G)
        dh = dhT.astype(G.dtype)
        W_hh = self.W_hh
        for t in range(T - 1, -1, -1):
            n = self._n(t)
            g, gx, gh = G[t, :n], dGx[t, :n], dGh[t, :n]
            r, z, nn_ = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            hp = S[t, :n]
            dh_n = dh[:n] + dout[t, :n]
            dan = dh_n * (1 - z) * (1 - nn_ * nn_)                     # d pre-activation of n
            gx[:, 2 * H:] = dan
            gx[:, :H] = dan * HN[t, :n] * r * (1 - r)                  # r
            gx[:, H:2 * H] = dh_n * (hp - nn_) * z * (1 - z)           # z
            gh[:, :2 * H] = gx[:, :2 * H]
            np.multiply(dan, r, out=gh[:, 2 * H:])
            dprev = gh @ W_hh
            dprev += dh_n * z
            dh[:n] = dprev
        need = self.needs_input_grad
        need7 = (need[0], need[1], None, need[2], need[3], need[4], need[5])
        dx, dWih, dWhh, dbih, dbhh = self._grads_from_dG(dGx, dGh, S[:T], need7)
        return dx, dh if need[1] else None, dWih, dWhh, dbih, dbhh


class RNNLayer(_Layer):
    """One Elman RNN layer-direction: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh).

    (x, h0, W_ih, W_hh, b_ih, b_hh) -> (out, hT); act is tanh or relu.
    """

    def forward(self, x, h0, W_ih, W_hh, b_ih, b_hh, batch_sizes=None, reverse=False,
                nonlinearity="tanh"):
        x = self._setup(x, batch_sizes, reverse)
        T, B, H = self.T, self.B, h0.shape[-1]
        b = None if b_ih is None else b_ih + b_hh
        A = self._project(x, W_ih, b)
        S = np.zeros((T + 1, B, H), x.dtype)
        S[0] = h0
        WhhT = W_hh.T
        relu = nonlinearity == "relu"
        for t in range(T):
            n = self._n(t)
            h = S[t + 1, :n]
            np.matmul(S[t, :n], WhhT, out=h)
            h += A[t, :n]
            if relu:
                np.maximum(h, 0, out=h)
            else:
                np.tanh(h, out=h)
        self.X, self.S, self.relu = x, S, relu
        self.W_ih, self.W_hh = W_ih, W_hh
        return self._unflip(S[1:]).copy(), self._final(S)

    def backward(self, dout, dhT):
        T, S = self.T, self.S
        dout = self._unflip(dout)
        post = S[1:]
        D = (post > 0).astype(S.dtype) if self.relu else 1 - post * post
        dG = np.zeros_like(post)
        dh = dhT.astype(S.dtype)
        for t in range(T - 1, -1, -1):
            n = self._n(t)
            da = dG[t, :n]
            np.add(dh[:n], dout[t, :n], out=da)
            da *= D[t, :n]
            np.matmul(da, self.W_hh, out=dh[:n])
        need = self.needs_input_grad
        need7 = (need[0], need[1], None, need[2], need[3], need[4], need[5])
        dx, dWih, dWhh, dbih, dbhh = self._grads_from_dG(dG, dG, S[:T], need7)
        return dx, dh if need[1] else None, dWih, dWhh, dbih, dbhh


class PackRows(Function):
    """Gather rows of a flattened padded batch: a (N, ...) -> a[index] (index unique)."""

    def forward(self, a, index):
        self.index, self.n = index, a.shape[0]
        return a[index]

    def backward(self, g):
        out = np.zeros((self.n,) + g.shape[1:], g.dtype)
        out[self.index] = g
        return out, None


class UnpackRows(Function):
    """Scatter rows into a filled array: data (M, ...) -> out (N, ...), out[index] = data."""

    def forward(self, data, index, n, fill=0.0):
        self.index = index
        out = np.full((n,) + data.shape[1:], fill, data.dtype)
        out[index] = data
        return out

    def backward(self, g):
        return g[self.index], None, None
