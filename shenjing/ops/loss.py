"""Loss ops, fused for speed and numerical care: cross-entropy, NLL, BCE, regression losses.

Each op computes the per-element loss and its reduction ('none' | 'mean' | 'sum') in
one forward, so a training step pays for one graph node per loss. Class-index losses
take the class axis at position 1 (input (N, C, d1, ...), target (N, d1, ...)) or at
position 0 for an unbatched input (C,) with a 0-d target.
"""
import numpy as np

from ..autograd.function import Function


def _reduce(loss, reduction, denom=None):
    """Sum or average the per-element loss (denom overrides the element count)."""
    if reduction == "none":
        return loss
    total = loss.sum(dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / (loss.size if denom is None else denom), loss.dtype)


def _grad_scale(g, reduction, denom):
    """Upstream gradient of the reduced loss as a per-element factor."""
    if reduction == "none":
        return g
    if reduction == "sum":
        return g
    with np.errstate(invalid="ignore", divide="ignore"):
        return g / denom


def _softmax_logp(x, axis):
    """log_softmax and softmax of x along axis (max-shifted: no overflow)."""
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=axis, keepdims=True)
    return shifted - np.log(s), e / s


class CrossEntropy(Function):
    """Cross-entropy of logits x against class indices, with optional class weights,
    ignore_index and label smoothing eps (PyTorch's definition):

        loss_i = (1 - eps) * w[t_i] * (-logp[i, t_i]) + eps / C * sum_c w[c] * (-logp[i, c])
        mean   = sum_i loss_i / sum_i w[t_i]     (ignored samples count 0 in both sums)
    """

    def forward(self, x, target, weight, ignore_index, eps, reduction):
        axis = 1 if x.ndim > 1 else 0
        logp, p = _softmax_logp(x, axis)
        valid = target != ignore_index
        t = np.where(valid, target, 0) if not valid.all() else target
        tidx = np.expand_dims(t, axis)
        picked = np.take_along_axis(logp, tidx, axis).squeeze(axis)
        w_t = valid.astype(x.dtype) if weight is None else weight[t] * valid
        loss = -(w_t * picked)
        C = x.shape[axis]
        if eps > 0:
            wl = logp if weight is None else \
                logp * weight.reshape((-1,) + (1,) * (x.ndim - axis - 1))
            smooth = -wl.sum(axis=axis) * valid
            loss = (1 - eps) * loss + (eps / C) * smooth
        denom = w_t.sum() if reduction == "mean" else None
        self.p, self.tidx, self.w_t, self.valid = p, tidx, w_t, valid
        self.weight, self.eps, self.axis, self.reduction, self.denom = \
            weight, eps, axis, reduction, denom
        return _reduce(loss.astype(x.dtype, copy=False), reduction, denom)

    def backward(self, g):
        axis, eps, p = self.axis, self.eps, self.p
        gi = _grad_scale(g, self.reduction, self.denom)
        if self.reduction == "none":
            gi = np.expand_dims(gi, axis)
        w_t = np.expand_dims(self.w_t, axis)
        # d(-logp_t)/dx = p - onehot(t)
        grad = p * ((1 - eps) * w_t)
        np.put_along_axis(grad, self.tidx,
                          np.take_along_axis(grad, self.tidx, axis) - (1 - eps) * w_t, axis)
        if eps > 0:
            # d/dx of -sum_c w_c logp_c = p * sum(w) - w
            valid = np.expand_dims(self.valid, axis).astype(p.dtype)
            C = p.shape[axis]
            if self.weight is None:
                grad += (eps / C) * valid * (p * C - 1)
            else:
                wv = self.weight.reshape((-1,) + (1,) * (p.ndim - axis - 1))
                grad += (eps / C) * valid * (p * self.weight.sum() - wv)
        return (grad * gi).astype(p.dtype, copy=False), None, None


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities x at the target classes:
    loss_i = -w[t_i] * x[i, t_i]; mean divides by sum_i w[t_i] over non-ignored i."""

    def forward(self, x, target, weight, ignore_index, reduction):
        axis = 1 if x.ndim > 1 else 0
        valid = target != ignore_index
        t = np.where(valid, target, 0) if not valid.all() else target
        tidx = np.expand_dims(t, axis)
        picked = np.take_along_axis(x, tidx, axis).squeeze(axis)
        w_t = valid.astype(x.dtype) if weight is None else weight[t] * valid
        denom = w_t.sum() if reduction == "mean" else None
        self.shape, self.dtype, self.tidx, self.w_t = x.shape, x.dtype, tidx, w_t
        self.axis, self.reduction, self.denom = axis, reduction, denom
        return _reduce((-(w_t * picked)).astype(x.dtype, copy=False), reduction, denom)

    def backward(self, g):
        gi = _grad_scale(g, self.reduction, self.denom)
        grad = np.zeros(self.shape, self.dtype)
        vals = np.expand_dims(-self.w_t * gi, self.axis).astype(self.dtype, copy=False)
        np.put_along_axis(grad, self.tidx, vals, self.axis)
        return grad, None, None


class BinaryCrossEntropy(Function):
    """-w [y log p + (1 - y) log(1 - p)] with each log clamped at -100 (as PyTorch)."""

    def forward(self, p, y, weight, reduction):
        with np.errstate(divide="ignore"):
            logp = np.maximum(np.log(p), -100)
            log1mp = np.maximum(np.log1p(-p), -100)
        loss = -(y * logp + (1 - y) * log1mp)
        if weight is not None:
            loss = loss * weight
        self.p, self.y, self.w, self.reduction = p, y, weight, reduction
        self.logit = logp - log1mp if self.needs_input_grad[1] else None
        self.n = loss.size
        return _reduce(loss.astype(p.dtype, copy=False), reduction)

    def backward(self, g):
        gi = _grad_scale(g, self.reduction, self.n)
        if self.w is not None:
            gi = gi * self.w
        p, y = self.p, self.y
        gp = gy = None
        if self.needs_input_grad[0]:
            # d/dp = (p - y) / (p (1 - p)), the denominator kept >= 1e-12
            gp = gi * (p - y) / np.maximum(p * (1 - p), 1e-12)
        if self.needs_input_grad[1]:
            gy = -gi * self.logit  # d/dy = log(1 - p) - log p
        return gp, gy, None


def _softplus(z):
    """log(1 + e^z) without overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class BCEWithLogits(Function):
    """BCE of sigmoid(x) computed from logits x (stable for any x):
    loss = w [ (1 - y) x + (1 + (pw - 1) y) softplus(-x) ]
         = w [ pw y softplus(-x) + (1 - y) softplus(x) ]."""

    def forward(self, x, y, weight, pos_weight, reduction):
        sp_neg = _softplus(-x)                      # -log sigmoid(x)
        sp_pos = sp_neg + x                         # -log(1 - sigmoid(x)) = softplus(x)
        py = y if pos_weight is None else pos_weight * y
        raw = py * sp_neg + (1 - y) * sp_pos
        loss = raw if weight is None else raw * weight
        self.x, self.y, self.w, self.pw, self.reduction = x, y, weight, pos_weight, reduction
        self.sp_neg, self.sp_pos, self.raw = sp_neg, sp_pos, raw
        self.n = loss.size
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    def backward(self, g):
        gi = _grad_scale(g, self.reduction, self.n)
        gw_base = gi
        if self.w is not None:
            gi = gi * self.w
        x, y, pw = self.x, self.y, self.pw
        need = self.needs_input_grad
        gx = gy = gw = gpw = None
        if need[0]:
            s = 0.5 * (1 + np.tanh(0.5 * x))       # sigmoid(x)
            py = y if pw is None else pw * y
            gx = gi * ((py + 1 - y) * s - py)
        if need[1]:
            pwv = 1 if pw is None else pw
            gy = gi * (pwv * self.sp_neg - self.sp_pos)
        if need[2]:
            gw = gw_base * self.raw
        if need[3]:
            gpw = gi * y * self.sp_neg
        return gx, gy, gw, gpw


class MSE(Function):
    def forward(self, x, y, reduction):
        self.d, self.reduction = x - y, reduction
        return _reduce(self.d * self.d, reduction)

    def backward(self, g):
        gx = 2 * self.d * _grad_scale(g, self.reduction, self.d.size)
        return gx, (-gx if self.needs_input_grad[1] else None)


class L1(Function):
    def forward(self, x, y, reduction):
        d = x - y
        self.sign, self.reduction = np.sign(d), reduction
        return _reduce(np.abs(d), reduction)

    def backward(self, g):
        gx = self.sign * _grad_scale(g, self.reduction, self.sign.size)
        return gx, (-gx if self.needs_input_grad[1] else None)


class SmoothL1(Function):
    """Quadratic for |d| < beta, linear beyond. huber=False: 0.5 d^2 / beta or |d| - beta/2
    (smooth_l1); huber=True: 0.5 d^2 or delta (|d| - delta/2) (huber, = beta * smooth_l1)."""

    def forward(self, x, y, beta, huber, reduction):
        d = x - y
        a = np.abs(d)
        small = a < beta
        if huber:
            loss = np.where(small, 0.5 * d * d, beta * (a - 0.5 * beta))
        elif beta == 0:
            loss = a
        else:
            loss = np.where(small, 0.5 * d * d / beta, a - 0.5 * beta)
        self.d, self.small, self.beta, self.huber, self.reduction = d, small, beta, huber, reduction
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    def backward(self, g):
        d, beta = self.d, self.beta
        if self.huber:
            local = np.where(self.small, d, beta * np.sign(d))
        elif beta == 0:
            local = np.sign(d)
        else:
            local = np.where(self.small, d / beta, np.sign(d))
        gx = local * _grad_scale(g, self.reduction, d.size)
        return gx, (-gx if self.needs_input_grad[1] else None), None, None


class KLDiv(Function):
    """Pointwise KL term y (log y - x) for log-probabilities x (y = e^t with log_target)."""

    def forward(self, x, t, log_target, reduction):
        if log_target:
            y = np.exp(t)
            loss = y * (t - x)
        else:
            y = t
            with np.errstate(divide="ignore", invalid="ignore"):
                ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0)
            loss = ylogy - y * x
        self.x, self.t, self.y, self.log_target = x, t, y, log_target
        # batchmean: the sum divided by the batch size (the true KL divergence per sample)
        self.reduction = "mean" if reduction == "batchmean" else reduction
        self.denom = (x.shape[0] if x.ndim else 1) if reduction == "batchmean" else x.size
        return _reduce(loss.astype(x.dtype, copy=False), self.reduction, self.denom)

    def backward(self, g):
        gi = _grad_scale(g, self.reduction, self.denom)
        gx = -self.y * gi if self.needs_input_grad[0] else None
        gt = None
        if self.needs_input_grad[1]:
            if self.log_target:
                gt = gi * self.y * (self.t - self.x + 1)
            else:
                with np.errstate(divide="ignore"):
                    gt = gi * (np.log(self.t) + 1 - self.x)
        return gx, gt, None, None
